#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Handoff after SYN-ACK retransmissions: the first final ACKs are lost,
# a retransmitted SYN-ACK draws the one that gets through. The child must
# count the retransmissions and take no RTT sample from the handshake:
# Karn's rule forbids one after a retransmission, and the stale timestamp
# echo would stretch it over the whole wait (hsk zeroes it, see
# design.rst; without timestamps there is nothing to measure from). The
# server sends nothing before it reads TCP_INFO, so tcpi_rtt must be 0.
# And when the listener is gone by the time the ACK arrives, the client
# is reset at once, not left to time out.
#
# hsk-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

RTO=400

need_module nf_tables
hsk_pair
hsk_set synack_rto_ms $RTO

# lose_acks CMD...: run a client in the background with its pure ACKs
# dropped until hsk has retransmitted twice.
lose_acks() {
	local before

	before=$(counter SynAckRetrans)
	nft_cli "tcp dport $PORT tcp flags == ack drop"
	"$@" >"$OUT/client" 2>&1 &
	CLIENT=$!
	wait_for "[ \$(counter SynAckRetrans) -ge $((before + 2)) ]" 10 ||
		fail "no retransmission ($(nonzero_stats))"
}

pass_acks() {
	cli "$NFT" delete table inet hsktest
}

# rtt_check LABEL: the accepted socket saw 2 retransmissions and has no
# RTT sample.
rtt_check() {
	local line rtt retrans

	wait "$CLIENT" || fail "$1: client failed: $(cat "$OUT/client")"
	line=$(grep '^server ' "$OUT/server.log")
	log "$1: $line"
	retrans=$(echo "$line" | sed -n 's/.* retrans=\([0-9]*\).*/\1/p')
	rtt=$(echo "$line" | sed -n 's/.* rtt_us=\([0-9]*\).*/\1/p')
	[ -n "$retrans" ] && [ -n "$rtt" ] || fail "$1: no TCP_INFO from the server"
	[ "$retrans" -ge 2 ] || fail "$1: child counts $retrans retransmissions"
	[ "$rtt" = 0 ] ||
		fail "$1: the child took an RTT sample of $rtt us from the handshake"
}

serve -n 1 -i
lose_acks cli "$CONN" connect "$SADDR" "$PORT" -s 4000 -d timestamps
pass_acks
rtt_check "with timestamps"

cli sysctl -qw net.ipv4.tcp_timestamps=0
serve -n 1 -i
lose_acks cli "$CONN" connect "$SADDR" "$PORT" -s 4000 -d plain
pass_acks
rtt_check "without timestamps"
expect_stat Handoffs 2

# Listener gone before the ACK: the entry's ACK is answered with RST. The
# client sends its data only when told (after the listener is gone), then
# must be reset within seconds: a timeout would take 20 s.
serve -n 1
lose_acks $IP netns exec "$CLI" "$CONN" connect "$SADDR" "$PORT" -p -d late
kill "$SERVER_PID"
wait_for "! grep -q ':$PORT_HEX 00000000:0000 0A' $SRVNET/tcp" 10 ||
	fail "listener still there"
pass_acks
t0=$(date +%s)
kill -USR1 "$CLIENT" || fail "client gone before its data: $(cat "$OUT/client")"
wait "$CLIENT" && fail "client of a vanished listener was not reset: $(cat "$OUT/client")"
t=$(($(date +%s) - t0))
log "client after ${t}s: $(cat "$OUT/client" | tr '\n' ' ')"
grep -Eq 'Connection reset by peer|Connection refused' "$OUT/client" ||
	fail "client of a vanished listener failed without a reset: $(cat "$OUT/client")"
[ "$t" -le 5 ] || fail "the reset took ${t}s"
# The entry's ACK, and on a slow guest also a retransmitted one or the
# data when the RST crossed them: each met no listener.
[ "$(counter NoListener)" -ge 1 ] ||
	fail "no segment counted as NoListener ($(nonzero_stats))"
expect_stat HalfOpen 0
expect_stat Handoffs 2

check_dmesg_clean
exit "$ksft_pass"
