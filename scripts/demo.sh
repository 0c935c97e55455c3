#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# "make run", inside the guest: an unmodified server behind hsk in one
# netns, clients in another, then what hsk counted. Uses the selftest
# helpers for the namespaces and the test peers.

HSK_DIR=/hsk/selftests
. $HSK_DIR/lib.sh
. $HSK_DIR/hsk_lib.sh

hsk_pair
hsk_set ports "80,443,$PORT"
echo "# net.hsk.* in the server netns:"
for f in /proc/sys/net/hsk/*; do
	echo "#   $(basename "$f") = $(srv cat "$f")"
done

serve -n 25 -i
echo "# 20 clients, 4 at a time, each sends a byte and reads the answer:"
cli "$CONN" burst "$SADDR" "$PORT" -n 20 -j 4
echo "# one more, with TCP_INFO from both ends:"
cli "$CONN" connect "$SADDR" "$PORT" -d "hello from the demo" -i
grep '^server' "$OUT/server.log" | tail -n 1

echo "# a client whose final ACK is dropped leaves a half-open entry:"
hsk_set synack_rto_ms 500
nft_cli "tcp dport $PORT tcp flags & syn != syn drop" 2>/dev/null &&
	{ cli "$CONN" connect "$SADDR" "$PORT" -t 2 >/dev/null 2>&1 & } &&
	wait_for "[ \$(counter SynAckRetrans) -ge 1 ]" 5
srv cat /proc/net/hsk/conns

echo "# a server that closes first: its TIME_WAIT is hsk's, not the kernel's"
hsk_set ports "80,443,8080,8081"
hsk_set msl_ms 10000
PORT=8081
PORT_HEX=1F91
serve -n 5 -c
for i in 1 2 3 4 5; do
	cli "$CONN" connect "$SADDR" "$PORT" -e >/dev/null
done
sleep 0.5
echo "# kernel timewait sockets (ss -tan state time-wait): $(srv $SS -Htan state time-wait | wc -l)"
echo "# /proc/net/hsk/timewait (st 06 = TIME_WAIT, 20 s = 2 x msl_ms):"
srv cat /proc/net/hsk/timewait

echo "# /proc/net/hsk/stat:"
srv cat /proc/net/hsk/stat
exit 0
