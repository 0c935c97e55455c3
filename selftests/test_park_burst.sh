#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A burst beyond the listen() backlog: a server with listen(fd, 4) that
# starts accepting after 3 s, 200 clients connecting at once, each sending
# a byte and waiting for the answer. Retransmissions are counted in the
# client netns. Runs:
#  - the kernel's own listener (the port not in net.hsk.ports);
#  - hsk without parking, stateful: clients retransmit, and hsk must
#    complete at least 2/3 as many as the kernel (it completed about a
#    quarter before it dropped SYNs for a full accept queue like the
#    kernel does);
#  - hsk without parking, cookies only (syncookies=2): the same, and no
#    client may be reset. A client whose ACK a full accept queue drops
#    retransmits it for tens of seconds; its cookie must outlive that, as
#    the kernel's do, and its FIN, which lies past the sequence number
#    the cookie covers, must be dropped, not reset (hsk once reset three
#    quarters of them).
#    Who completes depends on which SYN retransmission meets a free slot,
#    so one burst varies: in 8 bursts of each, the stateful run completed
#    137 to 199 (mean 175), the cookie-only one 129 to 200 (175), the
#    kernel 158 to 167 (160), its other clients served without their byte
#    (see the admin guide, ACK without entry). The three take turns for
#    three bursts each and their sums are compared;
#  - hsk with net.hsk.accept_backlog=256: all 200 complete, every byte
#    arrives, and no client retransmits anything.
#
# hsk-timeout: 500
# hsk-debug-check: off, a burst against the kernel's listener; test_park covers parking

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

CLIENTS=200
GATE=$OUT/gate

snmp() {
	cli awk -v f="$2" '
		{ if (seen[$1]++) { for (i = 2; i <= NF; i++) if (h[$1, i] == f) print $i }
		  else for (i = 2; i <= NF; i++) h[$1, i] = $i }' "/proc/net/$1"
}

# run LABEL: one burst; sets OK, RETRANS and SYNRETRANS.
run() {
	local r0 s0

	rm -f "$GATE"
	serve -b 4 -n 100000 -g "$GATE" -e
	r0=$(snmp snmp RetransSegs)
	s0=$(snmp netstat TCPSynRetrans)
	cli "$CONN" burst "$SADDR" "$PORT" -n $CLIENTS -j $CLIENTS >"$OUT/burst" 2>&1 &
	BURST=$!
	sleep 3
	touch "$GATE"
	wait "$BURST"
	OK=$(sed -n 's/^ok \([0-9]*\) .*/\1/p' "$OUT/burst")
	[ -n "$OK" ] || fail "$1: no result: $(cat "$OUT/burst")"
	RETRANS=$(($(snmp snmp RetransSegs) - r0))
	SYNRETRANS=$(($(snmp netstat TCPSynRetrans) - s0))
	RECEIVED=$(grep -c '^received 1: x' "$OUT/server.log")
	EMPTY=$(grep -c '^received 0:' "$OUT/server.log")
	UNREADY=$(grep -c '^ready 0$' "$OUT/server.log")
	kill "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null
	log "$1: $OK/$CLIENTS completed, $RECEIVED served ($EMPTY without the byte, $UNREADY accepted before it came), $RETRANS client retransmissions ($SYNRETRANS SYN)$(failures)"
}

# failures: how the clients that did not complete failed, for the log.
failures() {
	sed -n 's/^failed at \([a-z]*\) after [0-9]* ms: \(.*\)/\1 (\2)/p' "$OUT/burst" |
		sort | uniq -c |
		awk '{ c = $1; $1 = ""; s = s "," c " at" $0 } END { if (s != "") print ";" substr(s, 2) }'
}

# next_port: each burst on a port of its own, so the clients an earlier
# burst left behind (closed sockets still resending their request and
# FIN) reach no listener of a later one.
next_port() {
	PORT=$((PORT + 1))
	PORT_HEX=$(printf %04X "$PORT")
}

# at_least WHAT N KERNEL: N is at least 2/3 of the kernel's KERNEL.
at_least() {
	[ $(($2 * 3)) -ge $(($3 * 2)) ] ||
		fail "$1 completed $2, the kernel $3 ($(nonzero_stats))"
}

hsk_pair

kernel_ok=0
hsk_ok=0
cookie_ok=0
for round in 1 2 3; do
	next_port
	hsk_set ports ""
	run "kernel, round $round"
	kernel_ok=$((kernel_ok + OK))
	[ "$RETRANS" -gt 0 ] || fail "the kernel's run saw no retransmission: the burst is too small"

	next_port
	hsk_set ports "$PORT"
	hsk_set syncookies 1
	run "hsk, parking off, round $round"
	hsk_ok=$((hsk_ok + OK))
	[ "$RETRANS" -gt 0 ] || fail "no retransmission with parking off"

	next_port
	hsk_set ports "$PORT"
	hsk_set syncookies 2
	run "hsk, parking off, cookies only, round $round"
	cookie_ok=$((cookie_ok + OK))
	! grep -q '^failed at .*reset by peer' "$OUT/burst" ||
		fail "cookie clients were reset$(failures) ($(nonzero_stats))"
done
at_least hsk "$hsk_ok" "$kernel_ok"
at_least "hsk with cookies only" "$cookie_ok" "$kernel_ok"
[ "$(counter AcceptOverflows)" -gt 0 ] || fail "no overflow counted"
[ "$(counter CookiesValid)" -gt 0 ] || fail "no cookie was checked"
[ "$(counter CookiesInvalidData)" -gt 0 ] ||
	fail "no FIN came before its cookie was taken: the cookie runs test nothing"

# The clients the runs without parking lost leave half-open entries
# behind, whose late completions would be parked and reset in the last
# run: a fresh module drops them (admin guide, Loading).
hsk_unload
hsk_load
next_port
hsk_set ports "$PORT"
hsk_set accept_backlog 256
parked=$(counter Parked)
run "hsk, accept_backlog=256"
[ "$OK" = $CLIENTS ] || fail "only $OK of $CLIENTS completed ($(nonzero_stats))"
[ "$RECEIVED" = $CLIENTS ] || fail "server got $RECEIVED of $CLIENTS requests"
# Parking leaves the handshake nothing to retransmit. Data segments are
# retransmitted only when the guest stalls past the client's RTO: the
# debug kernel beside other VMs once did that to 1 client of 200.
[ "$SYNRETRANS" = 0 ] || fail "$SYNRETRANS SYN retransmissions with parking"
slack=0
debug_kernel && slack=$((CLIENTS / 100))
[ "$RETRANS" -le "$slack" ] || fail "$RETRANS client retransmissions with parking"
[ "$(counter Parked)" -gt "$parked" ] || fail "nothing was parked"
expect_stat ParkedNow 0
expect_stat ParkedReset 0

check_dmesg_clean
exit "$ksft_pass"
