#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Malformed segments to an hsk port with a listener: a bad checksum, a TCP
# header cut short, a data offset past the end, a bad option length,
# SYN+FIN, SYN+RST, a SYN sent as two IP fragments and a SYN with IP
# options.  hsk parses them itself instead of the kernel's TCP stack, so
# each must be dropped and counted under its own Malformed* counter (by
# exactly one, no other reason moving), Malformed must stay their sum, and
# none may be answered with a SYN-ACK or leave a half-open entry.  A
# normal connection must still work afterwards.
#
# hsk-timeout: 180

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

REASONS="MalformedChecksum MalformedHeader MalformedFlags MalformedFragment
MalformedIpOptions"
for r in $REASONS; do
	eval "want_$r=0"
done
sport=40000

conns_empty() {
	local n

	n=$(srv cat /proc/net/hsk/conns | wc -l)
	[ "$n" = 1 ] || fail "half-open entries: $(srv cat /proc/net/hsk/conns)"
}

# malformed WHAT COUNTER [hsk_pkt send options]: one SYN from a fresh
# source port; COUNTER must rise by one and nothing else may change.
malformed() {
	local what="$1" counter="$2" r want sum=0

	shift 2
	sport=$((sport + 1))
	log "sending $what from port $sport"
	cli "$PKT" send "$CADDR" "$sport" "$SADDR" "$PORT" "$@" ||
		fail "hsk_pkt send $* ($what)"
	eval "want_$counter=\$((want_$counter + 1))"
	eval "want=\$want_$counter"
	wait_stat "$counter" "$want"
	for r in $REASONS; do
		eval "want=\$want_$r"
		expect_stat "$r" "$want"
		sum=$((sum + want))
	done
	expect_stat Malformed "$sum"
	expect_stat SynAckSent 0
	expect_stat HalfOpen 0
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
		"$(srv cat /proc/net/hsk/stat | awk '$2 != 0' | tr '\n' ' ')"
grep -q '^reply: got 11$' "$OUT/c1" || fail "reply: $(cat "$OUT/c1")"
wait_for "grep -q 'received 11: still works' $OUT/server.log" 10 ||
	fail "server did not get the data: $(cat "$OUT/server.log")"
expect_stat SynAckSent 1
expect_stat Handoffs 1
expect_stat HalfOpen 0
expect_stat Malformed "$malformed_total"

check_dmesg_clean
exit "$ksft_pass"
