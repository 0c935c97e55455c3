#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The early SYN path (module/early.c). With net.hsk.syncookies=2 and no
# hook in the server netns but conntrack's, a flood's SYNs are all
# answered at PRE_ROUTING (EarlySyns), without conntrack and with it
# (a table whose only chain has no hook turns tracking on): then the
# flood leaves no conntrack entry, nothing is counted invalid, and a
# connection handed off is tracked ESTABLISHED. Every condition that must
# keep SYNs on the LOCAL_IN path keeps them there, and they are still
# answered: net.hsk.early_syn=0; a stateful SYN (syncookies=1, room in
# the queue); a firewall chain on input (whose drop rule still drops);
# a chain on prerouting after hsk's hook (mangle); rp_filter; nf_conntrack_tcp_loose=0; a raw
# table's notrack. A SYN from the server's own address is a martian: not
# answered, early or late, also from an address added after the path
# last looked; an address removed is a source like any other again.
# First of all the plain server: nf_conntrack not loaded at all, the
# LSMs' output hooks (AppArmor's on Debian) in every netns; those hooks
# say nothing about conntrack, and every SYN is taken early.
#
# hsk-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

FLOOD=${HSK_EARLY_FLOOD:-500}

# Earlier tests of the run may have loaded nf_conntrack: unload it and
# what uses it.
for m in nft_ct nft_nat nft_chain_nat nft_masq nft_redir nft_synproxy \
	nf_conntrack_netlink nf_nat nf_synproxy_core nf_conntrack; do
	$MODPROBE -q -r "$m" 2>/dev/null
done
hsk_pair
hsk_set syncookies 2
serve -n 100000
# A raw socket's flood must not overflow the receive backlog: every SYN
# is to be answered.
backlog=$(cat /proc/sys/net/core/netdev_max_backlog)
hsk_defer "echo $backlog > /proc/sys/net/core/netdev_max_backlog"
echo 100000 >/proc/sys/net/core/netdev_max_backlog
# The client's kernel resets SYN-ACKs it has no socket for: not those.
nft_cli "tcp dport $PORT tcp flags & rst == rst drop"
# Real clients below the flood's ports: one that met a flood SYN's
# half-open entry (syncookies=1) would get that entry's SYN-ACK.
cli sh -c 'echo 20000 39999 > /proc/sys/net/ipv4/ip_local_port_range'

# stat_sum FILE COLUMN: a /proc/net/stat file's per-cpu hex column, summed.
stat_sum() {
	srv cat "$1" | {
		read -r header
		col=0
		for name in $header; do
			col=$((col + 1))
			[ "$name" = "$2" ] && break
		done
		sum=0
		while read -r line; do
			# shellcheck disable=SC2086 # one field per word
			set -- $line
			eval "v=\${$col}"
			sum=$((sum + 0x$v))
		done
		echo "$sum"
	}
}

# flood WHAT EARLY: FLOOD SYNs from random ports, every one answered; all
# of them taken early when EARLY is 1, none when 0.
flood() {
	local e s

	e=$(counter EarlySyns)
	s=$(counter SynReceived)
	cli "$PKT" flood "$CADDR" "$SADDR" "$PORT" -f S -n "$FLOOD" \
		-p 40000-65535 -r 5000 >/dev/null || fail "$1: flood tool"
	wait_for "[ \$(counter SynReceived) -ge $((s + FLOOD)) ]" 30 ||
		fail "$1: $(($(counter SynReceived) - s)) of $FLOOD SYNs reached hsk ($(nonzero_stats))"
	e=$(($(counter EarlySyns) - e))
	[ "$e" = $(($2 * FLOOD)) ] ||
		fail "$1: $e of $FLOOD SYNs taken early, expected $(($2 * FLOOD)) ($(nonzero_stats))"
	log "$1: $FLOOD SYNs answered, $e of them early"
}

# legit WHAT: connections with data complete.
legit() {
	local h

	h=$(counter Handoffs)
	cli "$CONN" burst "$SADDR" "$PORT" -n 10 -j 2 >"$OUT/burst" ||
		fail "$1: $(cat "$OUT/burst") ($(nonzero_stats))"
	wait_stat Handoffs $((h + 10))
}

# late WHAT CONDITION UNDO: with CONDITION in force, SYNs take the
# LOCAL_IN path and are answered; UNDO restores.
late() {
	srv sh -c "$2" || fail "$1: $2"
	flood "$1" 0
	legit "$1"
	srv sh -c "$3" || fail "$1: $3"
}

if [ -d /sys/module/nf_conntrack ] && [ ! -e /sys/module/nf_conntrack/refcnt ]; then
	log "nf_conntrack is built into this kernel: no plain-server case"
else
	[ -d /sys/module/nf_conntrack ] &&
		fail "nf_conntrack stays loaded: $(grep conntrack /proc/modules | tr '\n' ' ')"
	log "LSMs: $(cat /sys/kernel/security/lsm 2>/dev/null)"
	flood "no nf_conntrack module" 1
	legit "no nf_conntrack module"
fi

need_module nf_tables nft_ct nf_conntrack
[ -r /proc/net/nf_conntrack ] || skip "kernel without NF_CONNTRACK_PROCFS"
flood "no conntrack" 1
legit "no conntrack"

# Tracking on, with no hook but conntrack's own.
srv "$NFT" -f - <<EOT || fail "conntrack table"
table inet hskearly {
	chain unhooked {
		ct state established accept
	}
}
EOT
invalid=$(stat_sum /proc/net/stat/nf_conntrack invalid)
flood "conntrack" 1
legit "conntrack"
# A fixed port below the clients' range: no TIME_WAIT of theirs holds it.
established "conntrack" 10110
left=$(ct_entries "SYN_SENT|SYN_RECV|ESTABLISHED|CLOSE" 40000 65535)
[ "$left" = 0 ] || fail "conntrack: the flood left $left conntrack entries"
invalid=$(($(stat_sum /proc/net/stat/nf_conntrack invalid) - invalid))
[ "$invalid" = 0 ] || fail "conntrack: $invalid packets counted invalid"
log "conntrack: $FLOOD early SYNs left no entry, none counted invalid"

late "early_syn=0" "echo 0 > /proc/sys/net/hsk/early_syn" \
	"echo 1 > /proc/sys/net/hsk/early_syn"
late "syncookies=1" "echo 1 > /proc/sys/net/hsk/syncookies" \
	"echo 2 > /proc/sys/net/hsk/syncookies"
late "rp_filter" "sysctl -qw net.ipv4.conf.veth0.rp_filter=1" \
	"sysctl -qw net.ipv4.conf.veth0.rp_filter=0"
late "tcp_loose=0" "sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0" \
	"sysctl -qw net.netfilter.nf_conntrack_tcp_loose=1"
late "raw notrack" \
	"$NFT add chain inet hskearly raw '{ type filter hook prerouting priority raw; }' &&
	 $NFT add rule inet hskearly raw tcp dport $PORT notrack" \
	"$NFT delete chain inet hskearly raw"
late "mangle prerouting" \
	"$NFT add chain inet hskearly mangle '{ type filter hook prerouting priority mangle; }'" \
	"$NFT delete chain inet hskearly mangle"

# A firewall on input: its rules see every SYN, as without hsk.
srv "$NFT" -f - <<EOT || fail "input chain"
table inet hskearly {
	chain in {
		type filter hook input priority 0;
		tcp sport 39999 counter drop
	}
}
EOT
late "input chain" true true
s=$(counter SynReceived)
cli "$PKT" send "$CADDR" 39999 "$SADDR" "$PORT" || fail "send"
wait_for "srv $NFT list chain inet hskearly in | grep -q 'packets 1 '" 10 ||
	fail "input chain: the dropped SYN was not seen by the rule"
[ "$(counter SynReceived)" = "$s" ] ||
	fail "input chain: a SYN the firewall drops reached hsk"
srv "$NFT" delete chain inet hskearly in || fail "delete input chain"

# A martian: the server's own address as source, from outside. Input
# routing drops it; the early path must not answer it either.
e=$(counter EarlySyns)
s=$(counter SynReceived)
m=$(stat_sum /proc/net/stat/rt_cache in_martian_src)
cli "$PKT" send "$SADDR" 40999 "$SADDR" "$PORT" || fail "send"
wait_for "[ \$(stat_sum /proc/net/stat/rt_cache in_martian_src) -gt $m ]" 10 ||
	fail "martian SYN not dropped by input routing"
[ "$(counter EarlySyns)" = "$e" ] || fail "martian SYN taken early"
[ "$(counter SynReceived)" = "$s" ] || fail "martian SYN reached hsk"

# The early path keeps its own copy of the netns's addresses for that
# check (module/localaddr.c): an address added after the copy was built
# is a martian source at once, and once it is removed, no longer.
OTHER=10.9.0.77
# two_syns SPORT COUNT WHAT: two SYNs from $OTHER, half a second apart;
# after each, the command COUNT prints a number one higher, or WHAT fails.
two_syns() {
	local n p

	n=$($2)
	for p in "$1" $(($1 + 1)); do
		cli "$PKT" send "$OTHER" "$p" "$SADDR" "$PORT" || fail "send"
		n=$((n + 1))
		wait_for "[ \$($2) -ge $n ]" 10 || fail "$3"
		sleep 0.5
	done
}
martians() {
	stat_sum /proc/net/stat/rt_cache in_martian_src
}
srv "$IP" addr add "$OTHER/32" dev veth0 || fail "add $OTHER"
e=$(counter EarlySyns)
# The first SYN after a change finds the copy out of date and asks the
# kernel; the second, a moment later, meets the copy built anew.
two_syns 40997 martians "SYN from the new address $OTHER not dropped by input routing"
[ "$(counter EarlySyns)" = "$e" ] || fail "SYN from the new address $OTHER taken early"
srv "$IP" addr del "$OTHER/32" dev veth0 || fail "delete $OTHER"
two_syns 40995 "counter EarlySyns" "SYN from the removed address $OTHER not taken early"

flood "after the fallbacks" 1
check_dmesg_clean
exit "$ksft_pass"
