#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The listener's accept queue is full when a final ACK arrives. With
# net.hsk.abort_on_overflow=0 the ACK is dropped and the half-open entry
# kept, so the handshake completes once the server accepts: the second
# client gets its answer. With 1 the second client is reset.
#
# hsk-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

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
expect_stat HalfOpen 1
wait "$A" || fail "first client: $(cat "$OUT/a")"
wait "$B" || fail "second client, abort_on_overflow=0: $(cat "$OUT/b")"
grep -q '^reply: got 6$' "$OUT/b" || fail "second client reply: $(cat "$OUT/b")"
expect_stat Handoffs 2
expect_stat HalfOpen 0
expect_stat BadAcks 0
expect_stat HandoffFailed 0
log "overflow with abort_on_overflow=0: $(nonzero_stats)"

hsk_set abort_on_overflow 1
serve -b 0 -w 6000 -n 1
cli "$CONN" connect "$SADDR" "$PORT" -d first >"$OUT/a" 2>&1 &
A=$!
wait_stat Handoffs 3
overflows=$(counter AcceptOverflows)
cli "$CONN" connect "$SADDR" "$PORT" -d second >"$OUT/b" 2>&1 &&
	fail "second client, abort_on_overflow=1, was not reset: $(cat "$OUT/b")"
grep -q 'reset' "$OUT/b" || fail "second client failed, but not by RST: $(cat "$OUT/b")"
[ "$(counter AcceptOverflows)" -gt "$overflows" ] || fail "overflow not counted"
[ "$(counter ResetsSent)" -ge 1 ] || fail "no RST counted"
expect_stat HalfOpen 0
expect_stat Handoffs 3
wait "$A" || fail "first client with abort_on_overflow=1: $(cat "$OUT/a")"

check_dmesg_clean
exit "$ksft_pass"
