#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench: handshakes per second through hsk against the kernel's own
# listener, same guest, same server and client, rounds interleaved so
# drift hits both alike; memory per half-open and per TIME_WAIT
# connection, hsk's entries against the kernel's request and timewait
# socks; and the connect() latency distribution of a burst beyond the
# listen() backlog, kernel, hsk and hsk with parking. TCG makes absolute
# numbers meaningless: the ratios are the result. Nothing here fails on a
# number.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

CONNS=${HSK_BENCH_CONNS:-1000}
ROUNDS=${HSK_BENCH_ROUNDS:-3}
JOBS=4

# Busybox date has no sub-second format; uptime has centiseconds.
now_ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# round PORTS: one timed burst, prints handshakes per second.
round() {
	local t0 t1

	hsk_set ports "$1"
	t0=$(now_ms)
	cli "$CONN" burst "$SADDR" "$PORT" -n "$CONNS" -j $JOBS >"$OUT/burst" ||
		fail "burst: $(cat "$OUT/burst")"
	t1=$(now_ms)
	echo $((CONNS * 1000 / (t1 - t0)))
}

hsk_pair
serve -n $((2 * CONNS * ROUNDS + 1)) -b 4096

echo "# $CONNS handshakes per round, $JOBS parallel clients, $ROUNDS rounds"
sum_k=0
sum_h=0
i=1
while [ $i -le "$ROUNDS" ]; do
	k=$(round "")
	h=$(round "$PORT")
	echo "round $i: kernel $k conn/s, hsk $h conn/s"
	sum_k=$((sum_k + k))
	sum_h=$((sum_h + h))
	i=$((i + 1))
done
[ "$(counter Handoffs)" = $((CONNS * ROUNDS)) ] ||
	fail "hsk rounds were not all handoffs ($(nonzero_stats))"
echo "handshake rate hsk/kernel: $((sum_h * 100 / sum_k))%"

entry=$(dmesg | sed -n 's/.*half-open entry size \([0-9]*\) bytes.*/\1/p' | tail -n1)
reqsk=$(awk '$1 == "request_sock_TCP" { print $4 }' /proc/slabinfo 2>/dev/null)
echo "half-open entry: hsk $entry bytes, kernel request_sock_TCP ${reqsk:-?} bytes"
[ -n "$reqsk" ] && echo "half-open memory hsk/kernel: $((entry * 100 / reqsk))%"

tw=$(dmesg | sed -n 's/.*TIME_WAIT entry size \([0-9]*\) bytes.*/\1/p' | tail -n1)
twsk=$(awk '$1 == "tw_sock_TCP" { print $4 }' /proc/slabinfo 2>/dev/null)
echo "TIME_WAIT entry: hsk $tw bytes, kernel tw_sock_TCP ${twsk:-?} bytes"
[ -n "$twsk" ] && echo "TIME_WAIT memory hsk/kernel: $((tw * 100 / twsk))%"

# burst_latency LABEL: 200 clients at once against listen(fd, 4), the
# server accepting from 3 s on; connect() times in ms, percentiles.
BURST=${HSK_BENCH_BURST:-200}
burst_latency() {
	rm -f "$OUT/gate"
	serve -b 4 -n 100000 -g "$OUT/gate"
	cli "$CONN" burst "$SADDR" "$PORT" -n "$BURST" -j "$BURST" -l >"$OUT/lat" 2>&1 &
	b=$!
	sleep 3
	touch "$OUT/gate"
	wait "$b"
	kill "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null
	sed -n 's/^connect_ms //p' "$OUT/lat" | sort -n | awk -v l="$1" \
		-v r="$(grep '^ok' "$OUT/lat")" '
		{ v[NR] = $1 }
		END {
			if (!NR) { printf "burst %s: no connection (%s)\n", l, r; exit }
			printf "burst %s: %s; connect ms p50 %d p90 %d p99 %d max %d\n", l, r,
			       v[int(NR * 0.5) + 1], v[int(NR * 0.9) + 1 > NR ? NR : int(NR * 0.9) + 1],
			       v[int(NR * 0.99) + 1 > NR ? NR : int(NR * 0.99) + 1], v[NR]
		}'
}

kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
echo "# burst of $BURST connections, listen(fd, 4), accept() from 3 s on"
hsk_set ports ""
burst_latency kernel
hsk_set ports "$PORT"
burst_latency "hsk, parking off"
hsk_set accept_backlog 1024
burst_latency "hsk, accept_backlog=1024"
exit 0
