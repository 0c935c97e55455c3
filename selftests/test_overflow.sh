#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The listener's accept queue is full. A SYN is then dropped, counted, and
# not stored, as the kernel does: the client's SYN retransmission gets in
# once the server accepts, and the second client gets its answer. A final
# ACK of a handshake begun before the queue filled is dropped, keeping the
# half-open entry, with net.hsk.abort_on_overflow=0, and reset with 1.
# An entry whose dropped ACK carried data gets no SYN-ACK retransmission:
# the client's own retransmission brings the data and the connection.
#
# hsk-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

# two_behind N GATE PORT1 PORT2 HANDOFFS: a server with a queue of one
# (N connections, accepting once GATE exists), raw handshakes from PORT1
# and PORT2 answered while the queue is empty ($ISN1, $ISN2), then a
# client ($A) whose connection, handoff number HANDOFFS, fills it.
two_behind() {
	serve -b 0 -n "$1" -g "$2"
	raw_syn_ack ISN1 "$3"
	raw_syn_ack ISN2 "$4"
	cli "$CONN" connect "$SADDR" "$PORT" -d first >"$OUT/a" 2>&1 &
	A=$!
	wait_stat Handoffs "$5"
	overflows=$(counter AcceptOverflows)
}

need_module nf_tables
hsk_pair
hsk_set synack_rto_ms 300

# Backlog 0: one connection fills the accept queue; the server sleeps
# 6 s before each accept(), time enough to see the second client wait
# (TCG and the debug kernel are slow).
serve -b 0 -w 6000 -n 2
cli "$CONN" connect "$SADDR" "$PORT" -d first >"$OUT/a" 2>&1 &
A=$!
wait_stat Handoffs 1
cli "$CONN" connect "$SADDR" "$PORT" -d second >"$OUT/b" 2>&1 &
B=$!
wait_for "[ \$(counter AcceptOverflows) -ge 1 ]" 10 ||
	fail "no accept queue overflow ($(nonzero_stats))"
expect_stat HalfOpen 0
wait "$A" || fail "first client: $(cat "$OUT/a")"
wait "$B" || fail "second client, abort_on_overflow=0: $(cat "$OUT/b")"
grep -q '^reply: got 6$' "$OUT/b" || fail "second client reply: $(cat "$OUT/b")"
expect_stat Handoffs 2
expect_stat HalfOpen 0
expect_stat BadAcks 0
expect_stat HandoffFailed 0
log "overflow with abort_on_overflow=0: $(nonzero_stats)"

# A final ACK that finds the queue full: two raw handshakes get their
# SYN-ACKs while the queue is empty, then a client fills it.
# hsk_pkt owns no socket: keep the client kernel from resetting.
nft_cli 'tcp sport 41000-41999 tcp flags & rst == rst drop'
# No SYN-ACK retransmission meanwhile: the capture takes the first
# segment from the port, and a slow guest must not see entries expire.
hsk_set synack_rto_ms 20000
# The first server ends after its two connections; the next one must not
# find it still listening (a slow guest) and then lose the port. It keeps
# its queue full until both final ACKs are seen: a timed wait ran out on
# the debug guest and closed the listener first.
wait "$SERVER_PID"
two_behind 1 "$OUT/gate" 41001 41002 3
expect_stat HalfOpen 2
resets=$(counter ResetsSent)
raw_ack 41001 "$ISN1"
wait_stat AcceptOverflows $((overflows + 1))
expect_stat HalfOpen 2
expect_stat ResetsSent "$resets"

hsk_set abort_on_overflow 1
raw_ack 41002 "$ISN2"
wait_stat AcceptOverflows $((overflows + 2))
wait_stat ResetsSent $((resets + 1))
expect_stat HalfOpen 1
expect_stat Handoffs 3
expect_stat NoListener 0
touch "$OUT/gate"
wait "$A" || fail "first client with abort_on_overflow=1: $(cat "$OUT/a")"

# A dropped final ACK with data (and FIN): that client is established and
# resends it on its own, so its entry gets no more SYN-ACKs, each of which
# would draw a bare ACK and a connection without its data; an entry whose
# dropped ACK was bare keeps them. The copy that finds room then makes
# the connection, with the data on it. Port 41006 made its entry after
# 41005 (well within a second), so once 41006 has had two retransmissions
# 41005's later one was due while the capture listened.
wait "$SERVER_PID"
hsk_set abort_on_overflow 0
hsk_set synack_rto_ms 1000
two_behind 2 "$OUT/gate2" 41005 41006 4
cli "$PKT" send "$CADDR" 41005 "$SADDR" "$PORT" -f FPA -q 1001 -a $((ISN1 + 1)) -d x
raw_ack 41006 "$ISN2"
wait_stat AcceptOverflows $((overflows + 2))
# Listens 9 s, past 41006's second retransmission, due 7 s after its
# entry at the latest.
cli "$PKT" recv "$PORT" -p 41005 -c 1 -t 9000 >"$OUT/none" 2>&1 &
NONE=$!
cli "$PKT" recv "$PORT" -p 41006 -c 2 -t 15000 >"$OUT/two" &
TWO=$!
wait_for "[ \$(cli grep -c ' 00000000:0000 07' /proc/net/raw) -ge 2 ]" 10 ||
	fail "capture sockets not open"
wait "$TWO" || fail "the entry whose bare ACK was dropped got no SYN-ACK twice"
! wait "$NONE" ||
	fail "SYN-ACK resent to a client that resends its data: $(cat "$OUT/none")"
expect_stat HalfOpen 3
touch "$OUT/gate2"
wait "$A" || fail "first client behind a resending one: $(cat "$OUT/a")"
cli "$PKT" send "$CADDR" 41005 "$SADDR" "$PORT" -f FPA -q 1001 -a $((ISN1 + 1)) -d x
wait_stat Handoffs 5
wait_for "grep -q '^received 1: x' $OUT/server.log" 10 ||
	fail "the resent data did not reach the server: $(cat "$OUT/server.log")"

check_dmesg_clean
exit "$ksft_pass"
