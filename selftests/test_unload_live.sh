#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rmmod under live traffic: hundreds of half-open entries with armed
# retransmission timers, handshakes in flight from parallel clients, and
# then unload. The unload must succeed at once, the kernel must log
# nothing (on the debug kernel KASAN, lockdep, kmemleak and the timer
# debug objects watch), the server keeps working through the kernel's own
# listener, and hsk loads again.
#
# hsk-timeout: 400

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

ENTRIES=300

need_module nf_tables
hsk_pair
hsk_set synack_rto_ms 300
nft_cli "ip saddr $CADDR tcp sport 30000-40000 tcp flags & rst == rst drop"
serve -n 100000

p=30000
while [ $p -lt $((30000 + ENTRIES)) ]; do
	cli "$PKT" send "$CADDR" "$p" "$SADDR" "$PORT" -q "$p" -m 1460
	p=$((p + 1))
done
wait_stat SynReceived $ENTRIES 30
[ "$(counter HalfOpen)" -gt 0 ] || fail "no half-open entries"
wait_for "[ \$(counter SynAckRetrans) -gt 0 ]" 10 || fail "no timer fired"

cli "$CONN" burst "$SADDR" "$PORT" -n 2000 -j 4 >/dev/null 2>&1 &
BURST=$!
hsk_defer "kill $BURST 2>/dev/null"
wait_for "[ \$(counter Handoffs) -gt 20 ]" 60 || fail "burst did not start"
log "unloading with $(counter HalfOpen) half-open entries, $(counter Handoffs) handoffs so far"
hsk_unload
kill "$BURST" 2>/dev/null
wait "$BURST" 2>/dev/null

cli "$CONN" connect "$SADDR" "$PORT" -d "after unload" >"$OUT/c" ||
	fail "server unreachable after rmmod: $(cat "$OUT/c")"
hsk_load
check_dmesg_clean
exit "$ksft_pass"
