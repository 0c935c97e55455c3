#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Conntrack. The server netns runs a stateful ruleset (input: policy drop,
# established and related accepted, invalid dropped, new to the test port
# accepted), once with the output chain only counting what conntrack calls
# invalid and once dropping it. In both, with half-open entries and with
# cookies (net.hsk.syncookies=0 and 2): connections with data all
# complete; a first SYN-ACK lost on the way is made up for; a connection
# handed off appears in /proc/net/nf_conntrack as ESTABLISHED, client to
# server; no SYN-ACK, nor a RST to a forged ACK, nor anything else leaves
# counted invalid. A SYN flood answered with cookies leaves next to no
# conntrack entries, where the kernel's own listener leaves one per SYN
# (its figure is reported and must be large, or the bound proves
# nothing). With nf_conntrack_tcp_loose=0 cookie handshakes still complete.
#
# hsk-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

CONNS=${HSK_CT_CONNS:-10}
FLOOD=${HSK_CT_FLOOD:-2000}

need_module nf_tables nft_ct nf_conntrack
hsk_pair
# The fixed client ports below (401xx) stay out of the ephemeral range:
# an earlier connection's TIME_WAIT on one would fail its connect().
cli sysctl -qw net.ipv4.ip_local_port_range="41000 60999" || fail "port range"
hsk_set synack_rto_ms 300
serve -n 100000
[ -r /proc/net/nf_conntrack ] || skip "kernel without NF_CONNTRACK_PROCFS"

# ruleset VERDICT: the server's stateful ruleset (hsk_lib.sh), and the
# client's rules: its kernel's RSTs to flood SYN-ACKs dropped, and the
# first SYN-ACK to ports 40100 and 40101 dropped (the port goes into a set
# then; later ones pass).
ruleset() {
	ct_ruleset "$1"
	cli "$NFT" delete table inet hskcli 2>/dev/null
	cli "$NFT" -f - <<EOT || fail "client ruleset"
table inet hskcli {
	set seen {
		type inet_service
		flags dynamic
	}
	chain out {
		type filter hook output priority 0;
		tcp dport $PORT tcp flags & rst == rst drop
	}
	chain in {
		type filter hook input priority 0;
		tcp dport { 40100, 40101 } tcp flags & (syn | ack) == syn | ack tcp dport != @seen add @seen { tcp dport } counter drop
	}
}
EOT
}

# burst MODE: CONNS connections with data through hsk.
burst() {
	local h

	h=$(counter Handoffs)
	cli "$CONN" burst "$SADDR" "$PORT" -n "$CONNS" -j 2 >"$OUT/burst" ||
		fail "$1: $(cat "$OUT/burst") ($(nonzero_stats))"
	expect_stat Handoffs $((h + CONNS))
}

# retrans MODE SPORT: the first SYN-ACK to SPORT is lost; the connection
# still completes (a SYN-ACK retransmitted by hsk with half-open entries,
# the answer to the client's retransmitted SYN with cookies).
retrans() {
	cli "$CONN" connect "$SADDR" "$PORT" -b "$2" -d x -t 10 >"$OUT/rt" ||
		fail "$1: lost SYN-ACK not made up for: $(cat "$OUT/rt")"
	cli "$NFT" list set inet hskcli seen | grep -qw "$2" ||
		fail "$1: the first SYN-ACK to $2 was not dropped"
}

# flood VAR LO HI: FLOOD SYNs from random ports in LO-HI; the number of
# conntrack entries they left once the flood is answered goes to $VAR
# (a fail inside $(...) would end only the subshell).
flood() {
	local n

	cli "$PKT" flood "$CADDR" "$SADDR" "$PORT" -f S -n "$FLOOD" -p "$2-$3" \
		>/dev/null || fail "flood tool"
	sleep 1
	n=$(ct_entries "SYN_SENT|SYN_RECV|ESTABLISHED|CLOSE" "$2" "$3")
	[ -n "$n" ] || fail "no conntrack entry count"
	eval "$1=\$n"
}

for variant in accept drop; do
	ruleset $variant
	v="output invalid $variant"

	hsk_set syncookies 0
	burst "$v, stateful"
	retrans "$v, stateful" 40100
	[ "$(counter SynAckRetrans)" -ge 1 ] ||
		fail "$v: no SYN-ACK retransmitted by hsk"
	established "$v, stateful" 40110

	hsk_set syncookies 2
	cookies=$(counter CookiesValid)
	burst "$v, cookies"
	retrans "$v, cookies" 40101
	established "$v, cookies" 40111
	[ "$(counter CookiesValid)" -ge $((cookies + CONNS + 2)) ] ||
		fail "$v: cookie handshakes not counted ($(nonzero_stats))"

	sent=$(counter CookiesSent)
	flood left 1024 9999
	[ "$(counter CookiesSent)" -ge $((sent + FLOOD * 9 / 10)) ] ||
		fail "$v: flood not answered ($(nonzero_stats))"
	log "$v: $FLOOD flood SYNs answered by hsk's cookies left $left conntrack entries"
	[ "$left" -le $((FLOOD / 20)) ] ||
		fail "$v: $left conntrack entries after $FLOOD cookie SYN-ACKs"

	# Forged ACKs: hsk's RSTs to them must not be invalid either.
	resets=$(counter ResetsSent)
	cli "$PKT" flood "$CADDR" "$SADDR" "$PORT" -n 100 -p 20000-29999 \
		>/dev/null || fail "flood tool"
	wait_stat ResetsSent $((resets + 100))

	out=$(ct_invalid out)
	in=$(ct_invalid in)
	log "$v: counted invalid: output $out, input $in"
	[ "$out" = 0 ] || fail "$v: $out packets left counted invalid"
	[ "$in" = 0 ] || fail "$v: $in packets arrived counted invalid"
done

# nf_conntrack_tcp_loose=0: conntrack picks up no final ACK, so the cookie
# SYN's own entry must carry the handshake.
srv sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0 ||
	fail "nf_conntrack_tcp_loose"
burst "tcp_loose=0, cookies"
established "tcp_loose=0, cookies" 40112
[ "$(ct_invalid out)" = 0 ] ||
	fail "tcp_loose=0: $(ct_invalid out) counted invalid"
srv sysctl -qw net.netfilter.nf_conntrack_tcp_loose=1

# The kernel's own listener under the same flood, for comparison: it
# stores one entry per SYN, which shows the bound above can fail.
hsk_set ports ""
flood kernel 10000 19999
log "the kernel's listener: $FLOOD flood SYNs left $kernel conntrack entries"
[ "$kernel" -ge $((FLOOD / 2)) ] ||
	fail "the kernel's listener left only $kernel entries: the bound proves nothing"

check_dmesg_clean
exit "$ksft_pass"
