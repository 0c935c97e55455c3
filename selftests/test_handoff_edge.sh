#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Handoff after SYN-ACK retransmissions: the first final ACKs are lost,
# a retransmitted SYN-ACK draws the one that gets through. The child must
# count the retransmissions and its first RTT sample must come from the
# SYN-ACK that was answered, not from the first one sent (with timestamps
# the echo says which; without them no sample may be taken). And when the
# listener is gone by the time the ACK arrives, the client gets an RST.
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
	"$@" &
	CLIENT=$!
	wait_for "[ \$(counter SynAckRetrans) -ge $((before + 2)) ]" 10 ||
		fail "no retransmission ($(nonzero_stats))"
}

pass_acks() {
	cli "$NFT" delete table inet hsktest
}

# rtt_check LABEL: the accepted socket saw 2 retransmissions and an RTT
# far below the time since the first SYN-ACK (> 3 rto).
rtt_check() {
	local line rtt retrans

	wait "$CLIENT" || fail "$1: client failed"
	line=$(grep '^server ' "$OUT/server.log")
	log "$1: $line"
	retrans=$(echo "$line" | sed 's/.* retrans=\([0-9]*\).*/\1/')
	rtt=$(echo "$line" | sed 's/.* rtt_us=\([0-9]*\).*/\1/')
	[ "$retrans" -ge 2 ] || fail "$1: child counts $retrans retransmissions"
	[ "$rtt" -lt $((RTO * 1000)) ] ||
		fail "$1: first RTT sample $rtt us includes the retransmission wait"
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

# Listener gone before the ACK: the entry's ACK is answered with RST.
serve -n 1
lose_acks cli "$CONN" connect "$SADDR" "$PORT" -s 8000 -d late
kill "$SERVER_PID"
wait_for "! srv grep -q ':$PORT_HEX 00000000:0000 0A' /proc/net/tcp" 10 ||
	fail "listener still there"
pass_acks
wait "$CLIENT" && fail "client of a vanished listener was not reset"
expect_stat NoListener 1
expect_stat HalfOpen 0
expect_stat Handoffs 2

check_dmesg_clean
exit "$ksft_pass"
