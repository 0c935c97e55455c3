# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Helpers shared by the handshake tests: a server netns and a client netns
# joined by veth, the test peers, counters and sysctls of the server netns.
# Source after lib.sh.

HSK_DIR=${HSK_DIR:-$(cd "$(dirname "$0")" && pwd)}
CONN=$HSK_DIR/hsk_conn
PKT=$HSK_DIR/hsk_pkt
PORT=8080
PORT_HEX=1F90
SADDR=10.9.0.1
CADDR=10.9.0.2
OUT=$(mktemp -d /tmp/hsk-test.XXXXXX)
hsk_defer "rm -rf $OUT"

# srv_cli: the $SRV and $CLI namespaces joined by veth ($SADDR, $CADDR),
# with $SRVNET set: what srv, cli, serve and the counters work on.
srv_cli() {
	setup_ns SRV CLI
	srv_holder
	setup_veth "$SRV" "$CLI" 9
}

# hsk_pair: hsk loaded, srv_cli, the test port handed to hsk in $SRV;
# with HSK_CT_RULES set, behind ct_ruleset.
hsk_pair() {
	hsk_load
	srv_cli
	hsk_set ports "$PORT"
	[ -z "${HSK_CT_RULES:-}" ] || ct_ruleset "$HSK_CT_RULES"
}

# srv_holder: a process that stays in $SRV, so that $SRVNET, its
# /proc/PID/net, is the server netns' /proc/net. The counters are read
# there without entering the netns (on the debug kernel a counter read
# costs 24 ms this way, 65 ms more with in_ns), and tests poll them a lot.
srv_holder() {
	local pid

	$IP netns exec "$SRV" sleep 1000000 &
	pid=$!
	hsk_defer "kill $pid"
	wait_for "[ \"\$(stat -L -c %i /proc/$pid/ns/net)\" = \"\$(stat -L -c %i /run/netns/$SRV)\" ]" 10 ||
		fail "no process in $SRV"
	SRVNET=/proc/$pid/net
}

# ct_ruleset VERDICT: a stateful firewall in $SRV (input: policy drop,
# established and related accepted, invalid counted and dropped, new to
# the test port accepted); its output chain counts what conntrack calls
# invalid and, with VERDICT drop, drops it (accept: only counts).
ct_ruleset() {
	srv "$NFT" delete table inet hskct 2>/dev/null
	srv "$NFT" -f - <<EOT || fail "server ruleset"
table inet hskct {
	chain in {
		type filter hook input priority 0; policy drop;
		iif lo accept
		ct state established,related accept
		ct state invalid counter drop
		tcp dport $PORT ct state new accept
	}
	chain out {
		type filter hook output priority 0;
		ct state invalid counter $1
	}
}
EOT
}

# ct_invalid CHAIN: packets ct_ruleset's CHAIN (in, out) counted invalid.
ct_invalid() {
	srv "$NFT" list chain inet hskct "$1" | awk '/ct state invalid counter/ {
		for (i = 1; i < NF; i++)
			if ($i == "packets")
				print $(i + 1)
	}'
}

# ct_entries STATE LO HI: conntrack entries to the test port in STATE
# (a regex) whose client port lies in LO-HI.
ct_entries() {
	awk -v st="$1" -v lo="$2" -v hi="$3" '
		$3 == "tcp" && $6 ~ "^(" st ")$" {
			for (i = 7; i <= NF; i++)
				if ($i ~ /^sport=/) { p = substr($i, 7); break }
			if ($0 ~ "dport='"$PORT"' " && p >= lo && p <= hi)
				n++
		}
		END { print n + 0 }' "$SRVNET/nf_conntrack"
}

# established MODE SPORT: a connection held open after its handshake is
# tracked ESTABLISHED in the client-to-server direction.
established() {
	local pid line h

	h=$(counter Handoffs)
	# Not the cli function: $! must be hsk_conn itself, for the signal.
	$IP netns exec "$CLI" "$CONN" connect "$SADDR" "$PORT" -b "$2" -p -d x \
		-t 10 >"$OUT/est" 2>&1 &
	pid=$!
	# connect() returns before the server has the final ACK.
	wait_for "[ \"\$(counter Handoffs)\" = $((h + 1)) ]" 10 ||
		fail "$1: no handoff; client: '$(cat "$OUT/est")' ($(nonzero_stats))"
	line=$(grep " sport=$2 " "$SRVNET/nf_conntrack")
	log "$1: $line"
	case "$line" in
	*" ESTABLISHED src=$CADDR dst=$SADDR sport=$2 dport=$PORT "*) ;;
	*)
		cat "$SRVNET/nf_conntrack" "$SRVNET/stat/nf_conntrack" | sed 's/^/# /'
		fail "$1: handed-off connection not tracked ESTABLISHED from the client: '$line' ($(nonzero_stats))" ;;
	esac
	wait_for "grep -q connected $OUT/est" 10 ||
		fail "$1: held connection did not connect"
	kill -USR1 "$pid"
	wait "$pid" || fail "$1: held connection: $(cat "$OUT/est")"
}

srv() {
	in_ns "$SRV" "$@"
}

cli() {
	in_ns "$CLI" "$@"
}

# hsk_set NAME VALUE: write net.hsk.NAME in the server netns.
hsk_set() {
	srv sh -c "echo '$2' > /proc/sys/net/hsk/$1" || fail "net.hsk.$1=$2 refused"
}

# counter NAME: the value of one /proc/net/hsk/stat line in the server netns.
counter() {
	awk -v n="$1" '$1 == n { print $2 }' "$SRVNET/hsk/stat"
}

# nonzero_stats: the counters that moved, on one line, for failure reports.
nonzero_stats() {
	grep -v ' 0$' "$SRVNET/hsk/stat" | tr '\n' ' '
}

# kernel_mibs: the kernel's own TCP counters in the server netns (the Tcp
# and TcpExt groups of /proc/net/snmp and netstat) as "TcpName value" lines.
kernel_mibs() {
	cat "$SRVNET/snmp" "$SRVNET/netstat" | awk '
	$1 == "Tcp:" || $1 == "TcpExt:" {
		if (!($1 in names)) {
			names[$1] = $0
			next
		}
		split(names[$1], n)
		for (i = 2; i <= NF; i++)
			print substr($1, 1, length($1) - 1) n[i], $i
	}'
}

expect_stat() {
	local v

	v=$(counter "$1")
	[ "$v" = "$2" ] || fail "$1 is '$v', expected $2 ($(nonzero_stats))"
}

# wait_stat NAME VALUE [TIMEOUT]: poll until the counter reads VALUE.
wait_stat() {
	wait_for "[ \"\$(counter $1)\" = $2 ]" "${3:-10}" ||
		fail "$1 stayed '$(counter "$1")', expected $2 ($(nonzero_stats))"
}

# settle: wait until the server netns has no connection on the test port
# left, so late segments of closed connections (an ACK reordered behind
# the FIN, answered with RST like the kernel would) cannot skew counts.
settle() {
	wait_for "! grep -q ':$PORT_HEX [0-9A-F]*:[0-9A-F]* 0[1-9]' $SRVNET/tcp" 10 ||
		fail "connections on port $PORT did not close"
	sleep 0.2
}

# serve [hsk_conn serve options]: start the test server in $SRV and wait
# until it listens; its output goes to $OUT/server.log.
serve() {
	# A simple command, not the srv function, so $! is the server itself.
	$IP netns exec "$SRV" "$CONN" serve "$PORT" "$@" >"$OUT/server.log" 2>&1 &
	SERVER_PID=$!
	hsk_defer "kill $SERVER_PID 2>/dev/null"
	wait_for "grep -q ':$PORT_HEX 0*:0000 0A' $SRVNET/tcp*" 10 ||
		fail "server did not listen: $(tr '\n' ' ' <"$OUT/server.log")"
}

# nft_cli RULE...: add nftables rules to a fresh output chain in $CLI.
nft_cli() {
	local rules="" r

	for r in "$@"; do
		rules="$rules
		$r"
	done
	cli "$NFT" -f - <<EOT || fail "nft rules in $CLI"
table inet hsktest {
	chain out {
		type filter hook output priority 0;
		$rules
	}
}
EOT
}

# raw_syn_ack VAR SPORT: a SYN from SPORT (ISN 1000) sent by hsk_pkt; the
# ISN of the SYN-ACK goes to $VAR, not to stdout: a failure inside a
# command substitution would not end the test. hsk_pkt owns no socket, so
# the test keeps the client's kernel from resetting (nft_cli '... tcp
# flags & rst == rst drop') and the server from retransmitting meanwhile
# (synack_rto_ms).
raw_syn_ack() {
	local isn

	cli "$PKT" recv "$PORT" -p "$2" -c 1 -t 60000 >"$OUT/sa" &
	wait_for "cli grep -q ' 00000000:0000 07' /proc/net/raw" 10 ||
		fail "capture socket not open"
	cli "$PKT" send "$CADDR" "$2" "$SADDR" "$PORT" -q 1000 -m 1460
	wait $! || fail "no SYN-ACK for port $2"
	[ "$(cut -d' ' -f2,4 "$OUT/sa")" = "SA 1001" ] ||
		fail "port $2: not a SYN-ACK to its SYN: $(cat "$OUT/sa")"
	isn=$(cut -d' ' -f3 "$OUT/sa")
	eval "$1=\$isn"
}

# raw_ack SPORT ISN: the final ACK of raw_syn_ack's handshake.
raw_ack() {
	cli "$PKT" send "$CADDR" "$1" "$SADDR" "$PORT" -f A -q 1001 -a $(($2 + 1))
}

# same_outcomes WHAT KERNEL HSK: the outcome files of a kernel round and
# an hsk round must be identical; both are shown, and the first line that
# differs named, when they are not.
same_outcomes() {
	if ! cmp -s "$2" "$3"; then
		log "kernel alone:"
		sed 's/^/#   /' "$2"
		log "with hsk:"
		sed 's/^/#   /' "$3"
		fail "$1: hsk behaved differently: $(awk 'NR == FNR { k[FNR] = $0; next }
			$0 != k[FNR] { print "kernel \"" k[FNR] "\" hsk \"" $0 "\""; exit }' \
			"$2" "$3")"
	fi
	log "$1: $(wc -l <"$3") outcomes identical with and without hsk"
}
