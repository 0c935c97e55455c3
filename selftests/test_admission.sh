#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# hsk never admits what the kernel or a firewall would refuse. Every case
# runs first with the port left to the kernel's listener, then with hsk
# taking it, in cookie modes 1 and 2 (net.ipv4.tcp_syncookies for the
# kernel, net.hsk.syncookies for hsk; in mode 2 hsk's early PRE_ROUTING
# path answers where it may), and what the client and the server saw
# must be the same:
#  - nftables input chains dropping the port at priorities 0, 10
#    (firewalld's filter + 10), 50 (the security table), 101 (after input
#    NAT) and 2147483647 (after conntrack's confirm: hsk must step aside,
#    LateHookDefers);
#  - a firewalld-style ruleset: policy drop at filter + 10, accepting only
#    established/related, loopback and port 22;
#  - a listener with IP_MINTTL 255 (the client's TTL is 64), one with a
#    TCP-MD5 key for the client (the client signs nothing), an inbound
#    IPsec policy requiring ESP for the client's plaintext segments;
#  - a raw SYN to a directed-broadcast address of the server in a unicast
#    frame: the kernel answers none (RTCF_BROADCAST);
#  - controls: no rule at all, chains at 10 and 50 that accept (hsk must
#    take those connections itself, after them: SynReceived moves,
#    LateHookDefers does not), and a dual-stack [::] listener
#    (IPV6_V6ONLY off) serving an IPv4 client.
# A case's outcome is the client's (reply or error), whether the server
# accepted, and for the raw SYN the number of SYN-ACKs the client saw.
#
# hsk-timeout: 600

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

BCAST_NET=10.9.98
hsk_pair
srv $IP addr add "$BCAST_NET.1/24" dev veth0 || fail "second server address"
cli $IP route add "$BCAST_NET.0/24" via "$SADDR" || fail "client route"
modprobe -q xfrm_user 2>/dev/null
# The raw SYN's client owns no socket: its kernel's RSTs are dropped.
cli "$NFT" -f - <<EOT || fail "nft rules in $CLI"
table inet hsktest {
	chain out {
		type filter hook output priority 0;
		ip daddr $BCAST_NET.0/24 tcp flags & rst == rst drop
	}
}
EOT

# conn LABEL [serve options]: one server accepting one connection, one
# client; the outcome goes to $RES.
conn() {
	local label=$1 out acc

	shift
	serve -n 1 -T 3 -p "$@"
	out=$(cli "$CONN" connect "$SADDR" "$PORT" -t 3 -d x 2>&1) ||
		out="failed: $(echo "$out" | tail -n1)"
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	acc=none
	grep -q '^peer ' "$OUT/server.log" && acc=accepted
	echo "$label: client $out, server $acc" >>"$RES"
	wait_for "! grep -q ':$PORT_HEX 0*:0000 0A' $SRVNET/tcp*" 10 ||
		fail "$label: listener still there"
}

# chain LABEL PRIORITY RULES: conn behind an input chain of $SRV.
chain() {
	srv "$NFT" -f - <<EOT || fail "$1: ruleset"
table inet hskadm {
	chain in {
		type filter hook input priority $2;
		$3
	}
}
EOT
	conn "$1"
	srv "$NFT" delete table inet hskadm || fail "$1: ruleset removal"
}

# bcast: a raw SYN to the broadcast address of $BCAST_NET.0/24.
bcast() {
	local n

	serve -n 1 -T 3
	cli "$PKT" recv "$PORT" -p 39999 -c 1 -t 2000 >"$OUT/sa" &
	wait_for "cli grep -q ' 00000000:0000 07' /proc/net/raw" 10 ||
		fail "capture socket not open"
	cli "$PKT" send "$CADDR" 39999 "$BCAST_NET.255" "$PORT" -q 1000 -m 1460
	wait $!
	n=$(grep -c ' SA ' "$OUT/sa")
	echo "broadcast SYN: $n SYN-ACKs" >>"$RES"
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
}

# accepted LABEL PRIORITY: a chain that accepts; hsk's rounds must
# answer the SYN themselves, after it.
accepted() {
	local syns late

	syns=$(counter SynReceived)
	late=$(counter LateHookDefers)
	chain "$1" "$2" "tcp dport $PORT counter accept"
	[ "$(counter LateHookDefers)" = "$late" ] ||
		fail "$1: hsk stepped aside for a hook before its own ($(nonzero_stats))"
	[ -z "$HSK_ROUND" ] || [ "$(counter SynReceived)" -gt "$syns" ] ||
		fail "$1: hsk did not answer ($(nonzero_stats))"
}

round() {
	conn "no rule"
	accepted "accept at 10" 10
	accepted "accept at 50" 50
	chain "drop at 0" 0 "tcp dport $PORT drop"
	chain "drop at 10" 10 "tcp dport $PORT drop"
	chain "drop at 50" 50 "tcp dport $PORT drop"
	chain "drop at 101" 101 "tcp dport $PORT drop"
	chain "drop at 2147483647" 2147483647 "tcp dport $PORT drop"
	srv "$NFT" -f - <<EOT || fail "firewalld-style ruleset"
table inet hskfwd {
	chain filter_INPUT {
		type filter hook input priority filter + 10; policy drop;
		ct state established,related accept
		iifname "lo" accept
		tcp dport 22 accept
	}
}
EOT
	conn "firewalld-style policy drop"
	srv "$NFT" delete table inet hskfwd || fail "firewalld-style removal"
	conn "IP_MINTTL 255" -t 255
	conn "TCP-MD5 listener" -5 "$CADDR"
	srv $IP xfrm policy add src "$CADDR/32" dst "$SADDR/32" proto tcp \
		dir in tmpl proto esp mode transport || fail "xfrm policy"
	conn "IPsec policy requires ESP"
	srv $IP xfrm policy flush || fail "xfrm policy flush"
	bcast
	conn "dual-stack listener" -6
}

for mode in 1 2; do
	log "mode $mode: the kernel alone"
	hsk_set ports ""
	srv sysctl -qw net.ipv4.tcp_syncookies=$mode || fail "tcp_syncookies"
	RES=$OUT/kernel-$mode
	HSK_ROUND=
	syns=$(counter SynReceived)
	round
	expect_stat SynReceived "$syns"

	log "mode $mode: hsk"
	hsk_set syncookies $mode
	hsk_set ports "$PORT"
	RES=$OUT/hsk-$mode
	HSK_ROUND=1
	round
	same_outcomes "mode $mode" "$OUT/kernel-$mode" "$OUT/hsk-$mode"
done
grep -q 'no rule: client reply: got 1, server accepted' "$OUT/hsk-2" ||
	fail "the control case failed: $(head -n1 "$OUT/hsk-2")"
[ "$(counter LateHookDefers)" -gt 0 ] ||
	fail "hsk never stepped aside for a late hook ($(nonzero_stats))"
[ "$(counter KernelDefers)" -gt 0 ] ||
	fail "hsk left nothing to the kernel's checks ($(nonzero_stats))"
[ "$(counter EarlySyns)" -gt 0 ] ||
	fail "the early path answered nothing in mode 2 ($(nonzero_stats))"
log "hsk: $(nonzero_stats)"

check_dmesg_clean
exit "$ksft_pass"
