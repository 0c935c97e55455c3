#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Malformed segments to an hsk port with a listener: a bad checksum, a TCP
# header cut short, a data offset past the end, a bad option length,
# SYN+FIN, SYN+RST, a SYN sent as two IP fragments and a SYN with IP
# options.  hsk parses them itself instead of the kernel's TCP stack, so
# each must be dropped and counted under its own Malformed* counter: that
# one and Malformed rise by one, no other hsk counter moves, and none of
# the kernel's TCP counters either (a segment hsk let through would move
# TcpInSegs, its answer TcpOutSegs).  The client must see no answer at
# all on the wire, and no half-open entry may be left.  A normal
# connection must still work afterwards.
#
# hsk-timeout: 180

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

sport=40000

conns_empty() {
	local n

	n=$(wc -l <"$SRVNET/hsk/conns")
	[ "$n" = 1 ] || fail "half-open entries: $(cat "$SRVNET/hsk/conns")"
}

# snapshot FILE: every hsk counter and every kernel TCP counter of $SRV.
snapshot() {
	{ cat "$SRVNET/hsk/stat"; kernel_mibs; } >"$1" ||
		fail "reading the counters"
}

# malformed WHAT COUNTER [hsk_pkt send options]: one SYN from a fresh
# source port; COUNTER and Malformed must rise by one, nothing else may
# change and nothing may come back.
malformed() {
	local what="$1" counter="$2" changed

	shift 2
	sport=$((sport + 1))
	log "sending $what from port $sport"
	snapshot "$OUT/before"
	cli "$PKT" recv "$PORT" -p "$sport" -c 1 -t 1500 >"$OUT/answer" &
	CAPTURE=$!
	wait_for "cli grep -q ' 00000000:0000 07' /proc/net/raw" 10 ||
		fail "capture socket not open"
	cli "$PKT" send "$CADDR" "$sport" "$SADDR" "$PORT" "$@" ||
		fail "hsk_pkt send $* ($what)"
	wait_stat "$counter" "$(($(awk -v c="$counter" '$1 == c { print $2 }' \
		"$OUT/before") + 1))"
	wait "$CAPTURE" && fail "$what was answered: $(cat "$OUT/answer")"
	snapshot "$OUT/after"
	changed=$(awk -v c="$counter" '
		NR == FNR { want[$1] = $2 + ($1 == c || $1 == "Malformed"); next }
		$2 != want[$1] { printf "%s %s->%s ", $1, want[$1], $2 }' \
		"$OUT/before" "$OUT/after")
	[ -z "$changed" ] ||
		fail "$what: unexpected counters (name expected->seen): $changed"
	conns_empty
}

hsk_pair
serve

malformed "a SYN with a bad checksum" MalformedChecksum -C
malformed "a SYN whose TCP header is cut to 12 bytes" MalformedHeader -L 12
malformed "a SYN with doff past the end" MalformedHeader -D
malformed "a SYN with a 3-byte MSS option" MalformedHeader -m 1460 -O
malformed "SYN+FIN" MalformedFlags -f SF
malformed "SYN+RST" MalformedFlags -f SR
malformed "a SYN in two IP fragments" MalformedFragment -F
malformed "a SYN with IP options" MalformedIpOptions -I
log "8 malformed segments dropped and counted, Malformed=$(counter Malformed)"

# hsk still works: a normal connection after all that.
malformed_total=$(counter Malformed)
cli "$CONN" connect "$SADDR" "$PORT" -d "still works" >"$OUT/c1" 2>&1 ||
	fail "connect after malformed segments: $(cat "$OUT/c1");" \
		"$(awk '$2 != 0' "$SRVNET/hsk/stat" | tr '\n' ' ')"
grep -q '^reply: got 11$' "$OUT/c1" || fail "reply: $(cat "$OUT/c1")"
wait_for "grep -q 'received 11: still works' $OUT/server.log" 10 ||
	fail "server did not get the data: $(cat "$OUT/server.log")"
expect_stat SynAckSent 1
expect_stat Handoffs 1
expect_stat HalfOpen 0
expect_stat Malformed "$malformed_total"

check_dmesg_clean
exit "$ksft_pass"
