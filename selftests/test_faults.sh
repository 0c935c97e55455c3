#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Allocation failures on hsk's paths, forced with failslab (debug kernel;
# scripts/vm.sh marks the caches named below with slub_debug=A, and the
# cache filter confines failslab to them).  Only non-sleeping allocations
# fail, which leaves the test's own process-context work alone.  Each
# failure point must be hit (failslab's budget used up), counted, and
# answered as the admin guide says:
#   hsk_req            half-open entry: the SYN gets a cookie instead
#                      (mode 1), or is dropped and retransmitted (mode 0)
#   TCP                child socket: HandoffFailed, the segment is
#                      dropped, and the client's next copy connects
#   request_sock_TCP   request sock of the child: the same
# and, with no route back instead of no memory (see below), hsk's SYN-ACK:
# SendFailed, the SYN is dropped.
# kmemleak, run after the suite, checks that nothing leaked.
#
# hsk-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

FS=/sys/kernel/debug/failslab

if [ ! -d "$FS" ]; then
	debug_kernel &&
		fail "the debug kernel has no failslab: see scripts/debug.config"
	skip "no CONFIG_FAILSLAB in this kernel (the debug kernel runs this test)"
fi

disarm() {
	echo 0 >"$FS/times"
}

# arm CACHE N: the next N non-sleeping allocations from CACHE fail.
arm() {
	[ "$(cat "/sys/kernel/slab/$1/failslab" 2>/dev/null)" = 1 ] ||
		fail "cache $1 is not marked for failslab (slub_debug=A,...)"
	echo "$2" >"$FS/times"
}

# consumed: every failure armed was injected.
consumed() {
	[ "$(cat "$FS/times")" = 0 ] ||
		fail "$1: failslab injected no failure ($(cat "$FS/times") left)"
}

# delta NAME BEFORE: how far a counter moved.
delta() {
	echo $(($(counter "$1") - $2))
}

hsk_pair
hsk_defer disarm
echo Y >"$FS/cache-filter"
echo Y >"$FS/ignore-gfp-wait"
echo 100 >"$FS/probability"
echo 1 >"$FS/interval"
echo 1 >"$FS/verbose"
disarm
serve -n 100

log "failure point: half-open entry (hsk_req), syncookies=1"
arm hsk_req 1
cli "$CONN" connect "$SADDR" "$PORT" -d one >"$OUT/c" ||
	fail "client: $(cat "$OUT/c")"
consumed hsk_req
grep -q "got 3" "$OUT/c" || fail "reply: $(cat "$OUT/c")"
expect_stat HalfOpenNoMem 1
expect_stat CookiesSent 1
expect_stat CookiesValid 1
expect_stat Handoffs 1
settle

log "failure point: half-open entry (hsk_req), syncookies=0"
hsk_set syncookies 0
syns=$(counter SynReceived)
arm hsk_req 1
cli "$CONN" connect "$SADDR" "$PORT" -d two >"$OUT/c" ||
	fail "client: $(cat "$OUT/c")"
consumed hsk_req
grep -q "got 3" "$OUT/c" || fail "reply: $(cat "$OUT/c")"
expect_stat HalfOpenNoMem 2
[ "$(delta SynReceived "$syns")" = 2 ] ||
	fail "the dropped SYN was not retransmitted ($(nonzero_stats))"
expect_stat CookiesSent 1
expect_stat Handoffs 2
hsk_set syncookies 1
settle

# failslab's budget goes to the first allocation from any marked cache:
# cookie-only, no half-open entry is allocated before the child, and the
# child's request sock comes before its socket, so the socket's failure
# is the second allocation (interval 2; its counter only runs while the
# interval is above 1, and it has not run before).
hsk_set syncookies 2
for point in "request_sock_TCP 1" "TCP 2"; do
	set -- $point
	cache=$1
	echo "$2" >"$FS/interval"
	log "failure point: child creation ($cache)"
	failed=$(counter HandoffFailed)
	resets=$(counter ResetsSent)
	handoffs=$(counter Handoffs)
	arm "$cache" 1
	cli "$CONN" connect "$SADDR" "$PORT" -d three >"$OUT/c" 2>&1 ||
		fail "the client was not served after the failure: $(cat "$OUT/c"); $(nonzero_stats)"
	consumed "$cache"
	[ "$(delta HandoffFailed "$failed")" = 1 ] ||
		fail "HandoffFailed did not count it ($(nonzero_stats))"
	[ "$(delta ResetsSent "$resets")" = 0 ] || fail "a RST was sent"
	[ "$(delta Handoffs "$handoffs")" = 1 ] ||
		fail "not one handoff after the failure ($(nonzero_stats))"
	settle
done
echo 1 >"$FS/interval"
hsk_set syncookies 1

log "failure point: SYN-ACK without a route back"
# failslab cannot single out hsk's skb allocations (every packet's head
# comes from the same cache), so hsk_tcp_build()'s failure path is taken
# through its other cause: a SYN from an address with no route back.
sent=$(counter SynAckSent)
failed=$(counter SendFailed)
srv "$IP" route add unreachable 10.9.1.7/32 || fail "unreachable route"
cli "$IP" addr add 10.9.1.7/32 dev veth1 || fail "client address"
cli "$PKT" send 10.9.1.7 39000 "$SADDR" "$PORT" -q 7 -m 1460
wait_stat SendFailed $((failed + 1)) 5
[ "$(delta SynAckSent "$sent")" = 0 ] || fail "a SYN-ACK was counted as sent"
cli "$CONN" connect "$SADDR" "$PORT" -d four >"$OUT/c" ||
	fail "client after the failures: $(cat "$OUT/c")"

check_dmesg_clean
exit "$ksft_pass"
