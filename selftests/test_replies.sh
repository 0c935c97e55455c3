#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# hsk's answers leave as the kernel's would. Every case runs with the
# port left to the kernel's listener, then with hsk taking it, in cookie
# modes 1 and 2, and the outcomes must be the same:
#  - a SYN and four copies of it back to back: the kernel answers the
#    first copy and rate-limits the rest (tcp_invalid_ratelimit), so two
#    SYN-ACKs in all;
#  - a listener with SO_MARK 7 where fwmark 7 routes to an unreachable
#    table, and one created by uid 1000 where uid 1000 does: no SYN-ACK
#    leaves (the listener's mark and uid route it);
#  - IP_TRANSPARENT: a client connecting to an address the server only
#    takes as local through a policy rule (as TPROXY setups route): the
#    transparent listener answers from that address, a plain one cannot;
#  - an asymmetric route: a stray ACK arrives on one link while the route
#    to its source names another; the RST leaves on the routed link.
#
# hsk-timeout: 400

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

TPROXY_NET=10.77.0
hsk_pair
nft_cli "tcp dport $PORT tcp flags & rst == rst drop"
srv $IP route add local "$TPROXY_NET.0/24" dev lo table 100 || fail "local table"
srv $IP route add unreachable default table 77 || fail "table 77"
srv $IP route add unreachable default table 78 || fail "table 78"
cli $IP route add "$TPROXY_NET.0/24" via "$SADDR" || fail "client route"
# The second link, for the asymmetric case.
$IP link add veth2 netns "$SRV" type veth peer name veth3 netns "$CLI" ||
	fail "second veth pair"
srv $IP link set veth2 up && cli $IP link set veth3 up || fail "second link up"
srv "$NFT" -f - <<EOT || fail "server counters"
table inet hskrep {
	chain out {
		type filter hook output priority 0;
		oifname "veth2" tcp flags & rst == rst counter
	}
}
EOT

# conn LABEL ADDR [serve options]: one connection to ADDR, the outcome to
# $RES.
conn() {
	local label=$1 addr=$2 out

	shift 2
	serve -n 1 -T 3 "$@"
	out=$(cli "$CONN" connect "$addr" "$PORT" -t 3 -d x 2>&1) ||
		out="failed: $(echo "$out" | tail -n1)"
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	echo "$label: $out" >>"$RES"
	wait_for "! grep -q ':$PORT_HEX 0*:0000 0A' $SRVNET/tcp" 10 ||
		fail "$label: listener still there"
}

# dups SPORT: a SYN and 4 copies; the SYN-ACKs seen within 800 ms.
dups() {
	serve -n 1 -T 3
	cli "$PKT" recv "$PORT" -p "$1" -c 10 -t 800 >"$OUT/sa" &
	wait_for "cli grep -q ' 00000000:0000 07' /proc/net/raw" 10 ||
		fail "capture socket not open"
	cli "$PKT" send "$CADDR" "$1" "$SADDR" "$PORT" -q 7000 -m 1460 -N 5
	wait $!
	echo "a SYN and 4 copies: $(grep -c ' SA ' "$OUT/sa") SYN-ACKs" >>"$RES"
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
}

# rsts_out_veth2: the RSTs the server sent on veth2 so far.
rsts_out_veth2() {
	srv "$NFT" list chain inet hskrep out | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

round() {
	dups "$1"
	conn "plain" "$SADDR"
	srv $IP rule add fwmark 7 lookup 77 || fail "fwmark rule"
	conn "SO_MARK 7, fwmark 7 unreachable" "$SADDR" -m 7
	conn "no mark, fwmark 7 unreachable" "$SADDR"
	srv $IP rule del fwmark 7 lookup 77 || fail "fwmark rule removal"
	srv $IP rule add uidrange 1000-1000 lookup 78 || fail "uid rule"
	conn "uid 1000 listener, uid 1000 unreachable" "$SADDR" -U 1000
	srv $IP rule del uidrange 1000-1000 lookup 78 || fail "uid rule removal"
	srv $IP rule add to "$TPROXY_NET.0/24" lookup 100 || fail "tproxy rule"
	conn "IP_TRANSPARENT, non-local address" "$TPROXY_NET.5" -X
	conn "plain, non-local address" "$TPROXY_NET.5"
	srv $IP rule del to "$TPROXY_NET.0/24" lookup 100 || fail "tproxy rule removal"
	# The route back to the client over the second link; a stray ACK
	# arrives on the first, for a listener (hsk's to answer).
	srv $IP route add "$CADDR/32" dev veth2 || fail "asymmetric route"
	serve -n 1 -T 3
	before=$(rsts_out_veth2)
	cli "$PKT" send "$CADDR" "$(($1 + 1))" "$SADDR" "$PORT" -f A -q 5 -a 9 -M 1
	wait_for "[ \$(rsts_out_veth2) -gt $before ]" 3
	echo "stray ACK: $(($(rsts_out_veth2) - before)) RST on the routed link" >>"$RES"
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	srv $IP route del "$CADDR/32" dev veth2 || fail "asymmetric route removal"
}

for mode in 1 2; do
	log "mode $mode: the kernel alone"
	hsk_set ports ""
	srv sysctl -qw net.ipv4.tcp_syncookies=$mode || fail "tcp_syncookies"
	RES=$OUT/kernel-$mode
	round $((41000 + mode * 10))

	log "mode $mode: hsk"
	hsk_set syncookies $mode
	hsk_set ports "$PORT"
	RES=$OUT/hsk-$mode
	round $((42000 + mode * 10))
	same_outcomes "mode $mode" "$OUT/kernel-$mode" "$OUT/hsk-$mode"
done
grep -q '^plain: reply: got 1' "$OUT/hsk-1" || fail "the control case failed"
grep -q 'IP_TRANSPARENT, non-local address: reply: got 1' "$OUT/hsk-1" ||
	fail "the transparent listener was not served"
[ "$(counter DupSyns)" -gt 0 ] || fail "no duplicate SYN reached hsk ($(nonzero_stats))"
[ "$(counter StrayAcks)" -gt 0 ] || fail "hsk reset no stray ACK ($(nonzero_stats))"
log "hsk: $(nonzero_stats)"

check_dmesg_clean
exit "$ksft_pass"
