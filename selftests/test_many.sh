#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# 500 handshakes one after another and 500 from 8 parallel clients, each
# with a byte of data answered by the server: every one must succeed and
# be a handoff, with no half-open entry left and no bad ACK. (An RST for
# a late duplicate ACK after the server socket closed is normal TCP.)
#
# hsk-timeout: 600
# hsk-debug-check: off, many handshakes in a row, the paths every test takes

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

N=500

hsk_pair
serve -n $((2 * N)) -b 1024

cli "$CONN" burst "$SADDR" "$PORT" -n $N -j 1 >"$OUT/seq" ||
	fail "sequential: $(cat "$OUT/seq")"
expect_stat Handoffs $N
cli "$CONN" burst "$SADDR" "$PORT" -n $N -j 8 >"$OUT/par" ||
	fail "parallel: $(cat "$OUT/par")"
log "sequential: $(cat "$OUT/seq"); parallel: $(cat "$OUT/par")"
expect_stat Handoffs $((2 * N))
expect_stat BadAcks 0
expect_stat HandoffFailed 0
expect_stat HalfOpen 0

check_dmesg_clean
exit "$ksft_pass"
