#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A parked connection waits at most net.hsk.park_timeout_ms: past it,
# hsk resets it (ParkedExpired), as a listener closing resets its accept
# queue, and its client reads ECONNRESET instead of waiting on a server
# that is not accepting. A listener with listen(0) that does not accept:
# the first client's connection fills the accept queue, the next two
# are parked; with a 1 s limit both are reset after about a second and
# the first is served once the server accepts. Then the poll: nothing
# parked, nothing left to run.
#
# hsk-timeout: 120

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

GATE=$OUT/gate

hsk_pair
for bad in 99 3600001 -1 abc; do
	srv sh -c "echo '$bad' > /proc/sys/net/hsk/park_timeout_ms" 2>/dev/null &&
		fail "park_timeout_ms=$bad accepted"
done
hsk_set accept_backlog 8
hsk_set park_timeout_ms 1000
rm -f "$GATE"
serve -b 0 -n 1 -g "$GATE"

h=$(counter Handoffs)
cli "$CONN" connect "$SADDR" "$PORT" -d first -t 20 >"$OUT/c1" 2>&1 &
c1=$!
wait_stat Handoffs $((h + 1))
start=$(now_ms)
for i in 2 3; do
	cli "$CONN" connect "$SADDR" "$PORT" -d "c$i" -t 20 >"$OUT/c$i" 2>&1 &
	eval "c$i=\$!"
done
wait_stat Parked 2
wait_stat ParkedExpired 2 10
took=$(($(now_ms) - start))
wait "$c2" && fail "parked client 2 was not reset: $(cat "$OUT/c2")"
wait "$c3" && fail "parked client 3 was not reset: $(cat "$OUT/c3")"
grep -q 'reset by peer' "$OUT/c2" && grep -q 'reset by peer' "$OUT/c3" ||
	fail "parked clients: '$(cat "$OUT/c2")' '$(cat "$OUT/c3")'"
[ "$took" -ge 900 ] || fail "parked connections reset after $took ms, before the 1000 ms limit"
touch "$GATE"
wait "$c1" || fail "first client: $(cat "$OUT/c1")"
grep -q 'got 5' "$OUT/c1" || fail "first client: $(cat "$OUT/c1")"
expect_stat ParkedHandedOver 0
expect_stat ParkedNow 0
log "2 parked connections reset after $took ms, the queued one served"

check_dmesg_clean
exit "$ksft_pass"
