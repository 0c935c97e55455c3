#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Parking (net.hsk.accept_backlog): connections that do not fit in the
# listener's accept queue wait in hsk, established, and reach accept() in
# arrival order. Covers the sysctl bounds, FIFO order and hand-over
# latency, /proc/net/hsk/listeners, SYN-cookie completions, a client that
# resets while parked, the netns limit, a listener that closes with connections parked,
# rmmod with connections parked (all handed over), and two listeners
# where one is flooded (last: its clients leave handshakes behind).
#
# hsk-timeout: 400

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

GATE=$OUT/gate

# snmp FILE FIELD: a counter of /proc/net/snmp or netstat in the client
# netns (header line, then value line, per protocol).
snmp() {
	cli awk -v f="$2" '
		{ if (seen[$1]++) { for (i = 2; i <= NF; i++) if (h[$1, i] == f) print $i }
		  else for (i = 2; i <= NF; i++) h[$1, i] = $i }' "/proc/net/$1"
}

cli_retrans() {
	echo $(($(snmp snmp RetransSegs) + 0))
}

# listener PORT: "backlog accept_queue parked overflows" of PORT.
listener() {
	awk -v p="$1" '$2 == p { print $3, $4, $5, $6 }' "$SRVNET/hsk/listeners"
}

# clients N FIRST [connect options]: N clients to $PORT, one after
# another, each started once the previous one's connection exists; texts
# cFIRST.., pids added to $PIDS, output in $OUT/cI.
clients() {
	local n=$1 i=$2 h

	shift 2
	while [ "$n" -gt 0 ]; do
		h=$(counter Handoffs)
		cli "$CONN" connect "$SADDR" "$PORT" -d "c$i" -t 60 "$@" \
			>"$OUT/c$i" 2>&1 &
		PIDS="$PIDS $!"
		wait_for "[ \$(counter Handoffs) -gt $h ]" 20 ||
			fail "client c$i: no handoff ($(nonzero_stats))"
		n=$((n - 1))
		i=$((i + 1))
	done
}

stop_server() {
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
}

hsk_pair

log "sysctl bounds"
for bad in -1 1048577 abc ""; do
	srv sh -c "echo '$bad' > /proc/sys/net/hsk/accept_backlog" 2>/dev/null &&
		fail "accept_backlog=$bad accepted"
done
for bad in 0 -1 1048577; do
	srv sh -c "echo '$bad' > /proc/sys/net/hsk/accept_backlog_max" 2>/dev/null &&
		fail "accept_backlog_max=$bad accepted"
done
[ "$(srv cat /proc/sys/net/hsk/accept_backlog)" = 0 ] || fail "accept_backlog default is not 0"
hsk_set accept_backlog 1048576
hsk_set accept_backlog_max 1048576
hsk_set accept_backlog_max 65536
hsk_set accept_backlog 8

log "FIFO hand-over"
retrans=$(cli_retrans)
rm -f "$GATE"
serve -b 0 -n 6 -g "$GATE" -L
PIDS=
clients 6 1
expect_stat Parked 5
expect_stat ParkedNow 5
set -- $(listener $PORT)
[ "$1 $2 $3" = "0 1 5" ] || fail "listeners line '$*', expected backlog 0, queue 1, parked 5"
touch "$GATE"
for p in $PIDS; do
	wait "$p" || fail "client failed: $(cat "$OUT"/c*)"
done
order=$(sed -n 's/^received [0-9]*: //p' "$OUT/server.log" | tr '\n' ' ')
[ "$order" = "c1 c2 c3 c4 c5 c6 " ] || fail "accept order '$order'"
for i in 1 2 3 4 5 6; do
	grep -q '^reply: got 2$' "$OUT/c$i" || fail "client c$i: $(cat "$OUT/c$i")"
done
wait_stat ParkedHandedOver 5
expect_stat ParkedNow 0
expect_stat ParkedReset 0
[ "$(cli_retrans)" = "$retrans" ] || fail "clients retransmitted $(($(cli_retrans) - retrans)) segments"
# With backlog 0 each accept() after the first waits for one hand-over.
log "hand-over latency (accept() blocked, us): $(sed -n 's/^accept_us //p' "$OUT/server.log" | tail -n +2 | tr '\n' ' ')"
stop_server

log "cookie completions are parked too"
hsk_set syncookies 2
parked=$(counter Parked)
cookies=$(counter CookiesValid)
rm -f "$GATE"
serve -b 0 -n 3 -g "$GATE"
PIDS=
clients 3 1
expect_stat CookiesValid $((cookies + 3))
expect_stat Parked $((parked + 2))
touch "$GATE"
for p in $PIDS; do
	wait "$p" || fail "cookie client failed: $(cat "$OUT"/c*)"
done
stop_server
hsk_set syncookies 1

log "client resets while parked"
rm -f "$GATE"
serve -b 0 -n 2 -g "$GATE"
PIDS=
clients 1 1
clients 1 2 -R
clients 1 3
wait_stat ParkedReset 1
expect_stat ParkedNow 1
touch "$GATE"
for p in $PIDS; do
	wait "$p" || fail "client failed: $(cat "$OUT"/c*)"
done
grep -q '^reply: got 2$' "$OUT/c1" || fail "c1: $(cat "$OUT/c1")"
grep -q '^reply: got 2$' "$OUT/c3" || fail "c3: $(cat "$OUT/c3")"
grep -q 'c2' "$OUT/server.log" && fail "reset connection reached accept(): $(cat "$OUT/server.log")"
wait_stat ParkedHandedOver 8
stop_server

log "netns limit"
hsk_set accept_backlog_max 2
rm -f "$GATE"
serve -b 0 -n 4 -g "$GATE"
PIDS=
clients 3 1
expect_stat ParkedNow 2
overflows=$(counter AcceptOverflows)
handoffs=$(counter Handoffs)
cli "$CONN" connect "$SADDR" "$PORT" -d c4 -t 60 >"$OUT/c4" 2>&1 &
PIDS="$PIDS $!"
wait_for "[ \$(counter AcceptOverflows) -gt $overflows ]" 10 ||
	fail "no overflow at the netns limit ($(nonzero_stats))"
expect_stat Handoffs "$handoffs"
expect_stat ParkedNow 2
touch "$GATE"
for p in $PIDS; do
	wait "$p" || fail "client failed: $(cat "$OUT"/c*)"
done
stop_server
hsk_set accept_backlog_max 65536

log "listener closes with connections parked"
rm -f "$GATE"
serve -b 0 -n 1 -g "$GATE"
PIDS=
clients 1 1
C1=$PIDS
PIDS=
clients 3 2
WAITING=$PIDS
expect_stat ParkedNow 3
ended=$(($(counter ParkedHandedOver) + $(counter ParkedReset)))
touch "$GATE"
wait $C1 || fail "c1: $(cat "$OUT/c1")"
for p in $WAITING; do
	wait "$p" && fail "a client of the closed listener got an answer"
done
for i in 2 3 4; do
	grep -q 'reset' "$OUT/c$i" || fail "c$i not reset: $(cat "$OUT/c$i")"
done
wait_stat ParkedNow 0
[ $(($(counter ParkedHandedOver) + $(counter ParkedReset))) = $((ended + 3)) ] ||
	fail "parked connections not accounted for ($(nonzero_stats))"
[ -z "$(listener $PORT)" ] || fail "closed listener still listed"

log "rmmod with connections parked"
hsk_set accept_backlog 8
rm -f "$GATE"
serve -b 0 -n 4 -g "$GATE"
PIDS=
clients 4 1
expect_stat ParkedNow 3
hsk_unload
touch "$GATE"
for p in $PIDS; do
	wait "$p" || fail "client lost by rmmod: $(cat "$OUT"/c*)"
done
[ "$(grep -c '^received 2: c' "$OUT/server.log")" = 4 ] ||
	fail "server after rmmod: $(cat "$OUT/server.log")"
stop_server

# Last: the flooded listener's clients leave handshakes behind.
hsk_load

log "two listeners, one flooded"
PORT2=8081
hsk_set ports "$PORT,$PORT2"
hsk_set accept_backlog 3
rm -f "$GATE" "$OUT/never"
serve -b 0 -n 100 -g "$OUT/never"
$IP netns exec "$SRV" "$CONN" serve $PORT2 -b 0 -n 4 -g "$GATE" >"$OUT/server2.log" 2>&1 &
SERVER2=$!
hsk_defer "kill $SERVER2 2>/dev/null"
wait_for "grep -q ':1F91 00000000:0000 0A' $SRVNET/tcp" 10 || fail "second server"
FLOOD=
i=0
while [ $i -lt 8 ]; do
	$IP netns exec "$CLI" "$CONN" connect "$SADDR" "$PORT" -t 60 >/dev/null 2>&1 &
	FLOOD="$FLOOD $!"
	i=$((i + 1))
done
hsk_defer "kill $FLOOD 2>/dev/null"
# Eight handshakes complete at once: as in the kernel's own listener, the
# accept queue's fill is checked without a lock, so each other cpu may
# slip one connection in beside the one the backlog of 0 allows.
flooded() {
	set -- $(listener $PORT)
	[ "$3" = 3 ] && [ "$2" -ge 1 ] && [ "$2" -le "$(nproc)" ]
}
wait_for flooded 20 ||
	fail "flooded listener: '$(listener $PORT)', expected queue 1 to $(nproc), parked 3"
PIDS=
PORT=$PORT2
clients 4 11
PORT=8080
set -- $(listener $PORT2)
[ "$2 $3" = "1 3" ] || fail "second listener '$*', expected queue 1, parked 3"
set -- $(listener $PORT)
[ "$4" -gt 0 ] || fail "flooded listener counted no overflow: '$*'"
touch "$GATE"
for p in $PIDS; do
	wait "$p" || fail "second listener's client failed: $(cat "$OUT"/c1?)"
done
grep -c '^received' "$OUT/server2.log" | grep -qx 4 || fail "second server: $(cat "$OUT/server2.log")"
kill $FLOOD 2>/dev/null
stop_server

check_dmesg_clean
exit "$ksft_pass"
