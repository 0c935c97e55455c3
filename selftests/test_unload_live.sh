#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rmmod under live traffic: hundreds of half-open entries with armed
# retransmission timers (all still live at rmmod: /proc/net/hsk/conns
# says how many), handshakes in flight from parallel clients, and an
# established connection hsk handed off. The unload must succeed at
# once, the kernel must log nothing (on the debug kernel KASAN, lockdep,
# kmemleak and the timer debug objects watch), the established
# connection keeps working after the unload as the admin guide promises,
# the parallel clients lose at most the one handshake each had in flight,
# the server keeps working through the kernel's own listener, and hsk
# loads again.
#
# hsk-timeout: 400

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

ENTRIES=300
JOBS=4
LIVE_PORT=8081

need_module nf_tables
hsk_pair
hsk_set ports "$PORT,$LIVE_PORT"
# Entries live 1+2+...+256 s: none may expire before rmmod.
hsk_set synack_rto_ms 1000
hsk_set synack_retries 8
nft_cli "ip saddr $CADDR tcp sport 20000-20999 tcp flags & rst == rst drop"
serve -n 100000

# The established connection: handed off by hsk, data only after rmmod.
$IP netns exec "$SRV" "$CONN" serve $LIVE_PORT -n 1 >"$OUT/live-server" 2>&1 &
hsk_defer "kill $! 2>/dev/null"
wait_for "grep -q ':1F91 00000000:0000 0A' $SRVNET/tcp" 10 ||
	fail "second server did not listen"
$IP netns exec "$CLI" "$CONN" connect "$SADDR" $LIVE_PORT -p \
	-d "across the unload" >"$OUT/live" 2>&1 &
LIVE=$!
hsk_defer "kill $LIVE 2>/dev/null"
wait_for "grep -q '^connected' $OUT/live" 20 ||
	fail "long-lived client did not connect: $(cat "$OUT/live")"
expect_stat Handoffs 1

cli "$PKT" flood "$CADDR" "$SADDR" "$PORT" -f S -s 20000 -n $ENTRIES >/dev/null ||
	fail "sending $ENTRIES SYNs"
wait_stat SynReceived $((ENTRIES + 1)) 30
wait_for "[ \$(counter SynAckRetrans) -gt 0 ]" 10 || fail "no timer fired"

cli "$CONN" burst "$SADDR" "$PORT" -n 300 -j $JOBS >"$OUT/burst" 2>&1 &
BURST=$!
wait_for "[ \$(counter Handoffs) -gt 20 ]" 60 || fail "burst did not start"
live=$(($(wc -l <"$SRVNET/hsk/conns") - 1))
log "unloading with $live half-open entries, $(counter Handoffs) handoffs so far"
[ "$live" -ge $ENTRIES ] ||
	fail "only $live of the $ENTRIES half-open entries left at rmmod"
hsk_unload

kill -USR1 "$LIVE" || fail "long-lived client gone: $(cat "$OUT/live")"
wait "$LIVE" || fail "connection established before rmmod broke: $(cat "$OUT/live")"
grep -q '^reply: got 17$' "$OUT/live" ||
	fail "connection established before rmmod: $(cat "$OUT/live")"
wait_for "grep -q 'received 17: across the unload' $OUT/live-server" 10 ||
	fail "data after rmmod did not arrive: $(cat "$OUT/live-server")"

wait "$BURST"
log "burst across the unload: $(cat "$OUT/burst")"
failed=$(sed -n 's/^ok [0-9]* failed \([0-9]*\)$/\1/p' "$OUT/burst")
[ -n "$failed" ] || fail "burst: $(cat "$OUT/burst")"
[ "$failed" -le $JOBS ] ||
	fail "$failed handshakes failed, more than the $JOBS in flight at rmmod"

cli "$CONN" connect "$SADDR" "$PORT" -d "after unload" >"$OUT/c" ||
	fail "server unreachable after rmmod: $(cat "$OUT/c")"
hsk_load
check_dmesg_clean
exit "$ksft_pass"
