#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# hsk's SYN-ACKs take the kernel's route (module/route.c). Every case runs
# a connection answered by the kernel's own listener (the port out of
# net.hsk.ports) and one answered by hsk; both must complete, or both
# fail, and the server's answers must reach the client by the link the
# case names. A second veth pair joins the two namespaces, so a route can
# send them another way, and a router namespace with a 1280-byte link
# behind it teaches the server a path MTU.
#
# hsk takes the nexthop's per-cpu route directly (FastRoutes) for a plain
# route, a host route over the second link and a route via the router;
# it asks ip_route_output_key() for a multipath route, a nexthop with an
# exception (the learnt path MTU), while an IPsec policy exists and once
# a policy routing rule exists; where the per-cpu route it must not take
# would be stale anyway, the kernel's answers to another client address
# refresh it first. An unreachable route and an IPsec policy that blocks
# leave the SYN unanswered by both. Parts the kernel lacks (multipath,
# policy rules, IPsec) are left out and make the test skip.
#
# hsk-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

hsk_pair
serve -n 100000
MISSING=

# link NS_A DEV_A ADDR_A NS_B DEV_B ADDR_B [MTU]: one more veth pair, IPv4
# only (IPv6 would send packets of its own and blur the rx counts).
link() {
	local end mtu=${7:-1500}

	$IP link add "$2" netns "$1" type veth peer name "$5" netns "$4" ||
		fail "veth $2 <-> $5"
	for end in "$1 $2 $3" "$4 $5 $6"; do
		# shellcheck disable=SC2086 # NS DEV ADDR
		set -- $end "$mtu"
		in_ns "$1" sh -c "echo 1 > /proc/sys/net/ipv6/conf/$2/disable_ipv6"
		$IP -n "$1" link set "$2" mtu "$4" up || fail "$2 in $1 up"
		$IP -n "$1" addr add "$3/24" dev "$2" || fail "$3 on $2"
	done
}

# rx: packets received on the client's links in $VIA so far.
rx() {
	local dev n=0

	for dev in $VIA; do
		n=$((n + $($IP -n "$CLI" -s link show dev "$dev" |
			awk '/RX:/ { getline; print $2; exit }')))
	done
	echo "$n"
}

# handshake STACK: connections from the client to $DST answered by STACK
# (kernel or hsk), one more than there are cpus: the kernel caches a
# nexthop's route per cpu when it first needs it there, so at most one
# connection per cpu finds no route to take directly. Sets GOT (ok, fail,
# or mixed), RX (packets that reached the client by $VIA meanwhile), FAST
# (FastRoutes taken) and SENDFAIL.
handshake() {
	local rx fast sendfail i ok=0 n

	if [ "$1" = hsk ]; then hsk_set ports "$PORT"; else hsk_set ports ""; fi
	n=$(($(nproc) + 1))
	rx=$(rx)
	fast=$(counter FastRoutes)
	sendfail=$(counter SendFailed)
	for i in $(seq "$n"); do
		cli "$CONN" connect "$DST" "$PORT" -d "$i" -t 4 >"$OUT/c" 2>&1 &&
			ok=$((ok + 1))
	done
	case $ok in
	"$n") GOT=ok ;;
	0) GOT=fail ;;
	*) GOT=mixed ;;
	esac
	RX=$(($(rx) - rx))
	FAST=$(($(counter FastRoutes) - fast))
	SENDFAIL=$(($(counter SendFailed) - sendfail))
}

# route_case WHAT EXPECT FAST: both stacks against $DST, answers expected
# on the client's links in $VIA; EXPECT ok or fail; FAST yes when hsk must
# take the per-cpu route, no when it must ask ip_route_output_key().
route_case() {
	local stack

	for stack in kernel hsk; do
		handshake $stack
		[ "$GOT" = "$2" ] ||
			fail "$1, $stack: handshakes $GOT, expected $2: $(cat "$OUT/c") ($(nonzero_stats))"
		[ "$2" = fail ] || [ "$RX" -gt 0 ] ||
			fail "$1, $stack: nothing reached the client on $VIA"
	done
	if [ "$2" = fail ]; then
		[ "$SENDFAIL" -gt 0 ] || fail "$1: hsk counted no SendFailed"
	elif [ "$3" = yes ]; then
		[ "$FAST" -gt 0 ] || fail "$1: hsk took no FastRoutes ($(nonzero_stats))"
	fi
	[ "$3" = yes ] || [ "$FAST" = 0 ] ||
		fail "$1: hsk took $FAST FastRoutes where it must not"
	log "$1: $2 with both stacks, FastRoutes +$FAST"
}

# optional WHAT COMMAND...: a setup step the kernel may lack; returns 1
# (and notes WHAT as left out) when it fails.
optional() {
	local what=$1

	shift
	"$@" 2>"$OUT/opt" && return 0
	log "$what left out: $(cat "$OUT/opt")"
	MISSING="$MISSING, $what"
	return 1
}

for ns in "$SRV" "$CLI"; do
	in_ns "$ns" sh -c 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 > $f; done'
done
link "$SRV" veth2 10.19.0.1 "$CLI" veth3 10.19.0.2

DST=$SADDR VIA=veth1
route_case "plain route" ok yes

VIA=veth3
srv $IP route add "$CADDR/32" dev veth2 || fail "host route"
route_case "host route over the second link" ok yes

VIA=veth1
srv $IP route replace unreachable "$CADDR/32" || fail "unreachable route"
route_case "unreachable client" fail no
srv $IP route del "$CADDR/32"
route_case "route removed" ok yes

if optional multipath srv $IP route add "$CADDR/32" \
	nexthop dev veth0 nexthop dev veth2; then
	VIA="veth1 veth3"
	route_case "multipath route" ok no
	srv $IP route del "$CADDR/32"
fi

VIA=veth1
modprobe -q xfrm_user 2>/dev/null
if optional IPsec srv $IP xfrm policy add src "$SADDR/32" dst "$CADDR/32" \
	proto tcp dir out action block; then
	route_case "IPsec policy blocking the client" fail no
	srv $IP xfrm policy flush
	srv $IP xfrm policy add src "$SADDR/32" dst 10.99.0.0/24 dir out \
		action block || fail "second IPsec policy"
	route_case "IPsec policy elsewhere" ok no
	srv $IP xfrm policy flush
	route_case "IPsec policies gone" ok yes
fi

# A router between the server and a client link of MTU 1280; the client
# has two addresses there, and its route picks the source.
setup_ns RTR
link "$SRV" veth4 10.29.0.1 "$RTR" veth5 10.29.0.2
link "$RTR" veth6 10.39.0.1 "$CLI" veth7 10.39.0.2 1280
cli $IP addr add 10.39.0.3/24 dev veth7 || fail "second client address"
in_ns "$RTR" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
srv $IP route add 10.39.0.0/24 via 10.29.0.2 || fail "route via the router"
cli $IP route add 10.29.0.0/24 via 10.39.0.1 src 10.39.0.2 ||
	fail "route back"
DST=10.29.0.1 VIA=veth7
route_case "route via a router" ok yes
# A ping too big for the far link: the router's ICMP teaches the server
# the path MTU to 10.39.0.2, an exception on the router's nexthop.
srv ping -c 2 -W 1 -s 1400 10.39.0.2 >/dev/null 2>&1
srv $IP route get 10.39.0.2 | grep -q 'mtu 1280' ||
	fail "no path MTU learnt: $(srv $IP route get 10.39.0.2)"
# The other address has no exception: the kernel's answers to it cache
# the nexthop's per-cpu routes again, which must still not be taken for
# 10.39.0.2 (nor, more cautious than needed, for 10.39.0.3).
cli $IP route change 10.29.0.0/24 via 10.39.0.1 src 10.39.0.3
route_case "same nexthop, another client" ok no
cli $IP route change 10.29.0.0/24 via 10.39.0.1 src 10.39.0.2
route_case "nexthop with an exception" ok no

# Last: a netns keeps taking its rules into account once it had one. A
# second client address the rule does not name has the kernel's answers
# cache the first link's per-cpu routes again; hsk must not take them,
# neither for that address nor for the one the rule sends elsewhere.
DST=$SADDR
if optional "policy rules" srv $IP rule add to "$CADDR" lookup 100; then
	srv $IP route add "$CADDR/32" dev veth2 table 100 || fail "table 100"
	cli $IP addr add 10.9.0.3/24 dev veth1 || fail "second client address"
	cli $IP route add "$SADDR/32" dev veth1 src 10.9.0.3 ||
		fail "route from the second client address"
	VIA=veth1
	route_case "policy rule elsewhere" ok no
	cli $IP route del "$SADDR/32"
	VIA=veth3
	route_case "policy rule to the second link" ok no
fi

[ -z "$MISSING" ] || skip "kernel without ${MISSING#, }; the rest passed"
log "every case passed"
exit "$ksft_pass"
