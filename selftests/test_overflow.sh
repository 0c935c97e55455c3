#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The listener's accept queue is full. A SYN is then dropped, counted, and
# not stored, as the kernel does: the client's SYN retransmission gets in
# once the server accepts, and the second client gets its answer. A final
# ACK of a handshake begun before the queue filled is dropped, keeping the
# half-open entry, with net.hsk.abort_on_overflow=0, and reset with 1.
#
# hsk-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

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
serve -b 0 -n 1 -g "$OUT/gate"
raw_syn_ack isn1 41001
raw_syn_ack isn2 41002
expect_stat HalfOpen 2
cli "$CONN" connect "$SADDR" "$PORT" -d first >"$OUT/a" 2>&1 &
A=$!
wait_stat Handoffs 3
overflows=$(counter AcceptOverflows)
resets=$(counter ResetsSent)
raw_ack 41001 "$isn1"
wait_stat AcceptOverflows $((overflows + 1))
expect_stat HalfOpen 2
expect_stat ResetsSent "$resets"

hsk_set abort_on_overflow 1
raw_ack 41002 "$isn2"
wait_stat AcceptOverflows $((overflows + 2))
wait_stat ResetsSent $((resets + 1))
expect_stat HalfOpen 1
expect_stat Handoffs 3
expect_stat NoListener 0
touch "$OUT/gate"
wait "$A" || fail "first client with abort_on_overflow=1: $(cat "$OUT/a")"

check_dmesg_clean
exit "$ksft_pass"
