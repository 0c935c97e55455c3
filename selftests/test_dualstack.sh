#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A dual-stack listener ([::] with IPV6_V6ONLY off, as Go, Java and Node
# servers and nginx's "listen [::]:80 ipv6only=off" make) gets IPv4
# clients as v4-mapped IPv6 sockets. hsk must make them as the kernel
# does, parked or not:
#  - data both ways (the server speaks first, the client answers);
#  - a burst of 200 clients against listen(4) with net.hsk.accept_backlog
#    1024, accepted only after 3 s: every client is served, most of them
#    parked (the parked children are IPv6 sockets on the v4-mapped ops:
#    built as IPv4-only ones they would never answer, and freeing them
#    would free the listener's IPv6 state);
#  - the server closing first: hsk takes the TIME_WAIT over from the
#    mapped socket (TwEntered), the kernel keeps none, and the client's
#    next connection on the same port (outside the ephemeral range, which
#    the burst's clients used) is served.
# The listener then closes with nothing left behind (checked by the
# runner's kmemleak and log checks on the debug kernel).
#
# hsk-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

hsk_pair
GATE=$OUT/gate

log "data both ways"
serve -6 -n 1 -H
out=$(cli "$CONN" connect "$SADDR" "$PORT" -t 5 -d both 2>&1) ||
	fail "dual-stack client failed: $out"
echo "$out" | grep -q 'got 4' || fail "dual-stack client: '$out'"
grep -q 'received 4: both' "$OUT/server.log" ||
	fail "server: $(tr '\n' ' ' <"$OUT/server.log")"
wait "$SERVER_PID"

log "a burst of 200 against listen(4), parked"
hsk_set accept_backlog 1024
rm -f "$GATE"
serve -6 -b 4 -n 200 -g "$GATE" -j 4
cli "$CONN" burst "$SADDR" "$PORT" -n 200 -j 200 -t 30 >"$OUT/burst" 2>&1 &
bpid=$!
sleep 3
touch "$GATE"
wait "$bpid"
res=$(tail -n1 "$OUT/burst")
[ "$res" = "ok 200 failed 0" ] ||
	fail "burst: '$res' ($(nonzero_stats))"
[ "$(counter Parked)" -gt 0 ] || fail "nothing parked ($(nonzero_stats))"
[ "$(counter ParkedHandedOver)" = "$(counter Parked)" ] ||
	fail "parked $(counter Parked), handed over $(counter ParkedHandedOver)"
wait "$SERVER_PID"
log "burst: $res, parked $(counter Parked)"
hsk_set accept_backlog 0

log "TIME_WAIT of a mapped socket"
tw=$(counter TwEntered)
serve -6 -n 2 -c -p
out=$(cli "$CONN" connect "$SADDR" "$PORT" -t 5 -b 61500 -e -d tw 2>&1) ||
	fail "first connection: $out"
wait_stat TwEntered $((tw + 1))
srv $SS -Htan state time-wait | grep -q . &&
	fail "the kernel kept a TIME_WAIT: $(srv $SS -Htan state time-wait)"
grep -q ':F03C ' "$SRVNET/hsk/timewait" ||
	fail "no hsk TIME_WAIT entry for port 61500: $(cat "$SRVNET/hsk/timewait")"
out=$(cli "$CONN" connect "$SADDR" "$PORT" -t 5 -b 61500 -e -d again 2>&1) ||
	fail "second connection on the same port: $out"
wait "$SERVER_PID"
[ "$(grep -c '^peer 61500' "$OUT/server.log")" = 2 ] ||
	fail "server: $(tr '\n' ' ' <"$OUT/server.log")"

check_dmesg_clean
exit "$ksft_pass"
