#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A half-open entry driven by hand with raw segments.
#
# Duplicate SYN: a retransmitted SYN (same 4-tuple, same ISN) while the
# entry exists gets the same SYN-ACK again, same sequence number, counted
# in DupSyns, with still one entry.  SYN-ACK retransmission is pushed out
# to 60 s so the second SYN-ACK can only be the answer to the second SYN.
#
# RST: only an RST whose sequence number lies in [ISN+1, ISN+1+window),
# window being the one the SYN-ACK advertised, may remove the entry (RFC
# 5961 style; anything else would let a blind attacker kill handshakes).
# RSTs just below and just above the window are dropped and counted in
# RstsIgnored with the entry kept; seq = ISN+1 removes it (HalfOpenResets,
# HalfOpen back to 0).  A SYN afterwards is a new entry, not a duplicate,
# and an RST at the last sequence number of the window removes it too.
# The ISN sits just below 2^32 so the window wraps around zero.
#
# Bogus final ACKs for the entry (wrong acknowledgment number, or the
# right one with a sequence number outside the window) are answered with
# RST and counted in BadAcks; the entry stays.
#
# The client kernel answers each SYN-ACK with an RST of its own, which
# would remove the entry; nftables drops those in the client netns, and
# lets through the RSTs of hsk_pkt, which carry a mark.
#
# hsk-timeout: 180

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

need_module nf_tables

MARK=0x4853
CPORT=40100
ISN=4294967000
ISN1=$(((ISN + 1) & 0xffffffff))

# hexaddr A.B.C.D: the address as /proc/net/tcp-style files print it (the
# big-endian word read as a number on this little-endian guest).
hexaddr() {
	echo "$1" | awk -F. '{ printf "%02X%02X%02X%02X", $4, $3, $2, $1 }'
}
ENTRY_L=$(hexaddr "$SADDR"):$PORT_HEX
ENTRY_R=$(hexaddr "$CADDR"):$(printf '%04X' "$CPORT")

# pkt FLAGS SEQ: one marked segment of the test connection, SYNs with
# an MSS option like any real one.
pkt() {
	local mss=

	[ "$1" = S ] && mss="-m 1460"
	cli "$PKT" send "$CADDR" "$CPORT" "$SADDR" "$PORT" -M "$MARK" \
		-f "$1" -q "$2" $mss || fail "hsk_pkt send -f $1 -q $2"
}

# synack N: wait for the Nth SYN-ACK; sets SA_SEQ and SA_WIN.
synack() {
	local line

	wait_for "[ \$(grep -c ' SA ' $OUT/synacks) -ge $1 ]" 10 ||
		fail "no SYN-ACK number $1; seen: $(cat "$OUT/synacks")"
	line=$(grep ' SA ' "$OUT/synacks" | sed -n "$1p")
	set -- $line
	[ "$2" = SA ] || fail "expected a SYN-ACK, got: $line"
	[ "$4" = "$ISN1" ] || fail "SYN-ACK acknowledges $4, expected $ISN1"
	[ "$5" -gt 0 ] || fail "SYN-ACK advertises window $5"
	SA_SEQ=$3
	SA_WIN=$5
}

# conns N: /proc/net/hsk/conns lists N entries; with N = 1, ours, in
# SYN_RECV, not retransmitted, expiring within synack_rto_ms.
conns() {
	local c n

	c=$(cat "$SRVNET/hsk/conns")
	n=$(echo "$c" | awk 'NR > 1' | wc -l)
	[ "$n" = "$1" ] || fail "conns lists $n entries, expected $1: $c"
	[ "$1" = 1 ] || return 0
	echo "$c" | awk -v l="$ENTRY_L" -v r="$ENTRY_R" 'NR == 2 &&
		$2 == l && $3 == r && $4 == "03" && $5 == 0 &&
		$6 > 0 && $6 <= 60000' | grep -q . ||
		fail "conns entry is not $ENTRY_L $ENTRY_R 03 0 (0,60000]: $c"
}

hsk_pair
hsk_set synack_rto_ms 60000
serve
nft_cli "meta mark != $MARK tcp flags & rst == rst drop"

$IP netns exec "$CLI" "$PKT" recv "$PORT" -c 5 -t 60000 >"$OUT/synacks" 2>&1 &
RECV_PID=$!
hsk_defer "kill $RECV_PID 2>/dev/null"
wait_for "cli grep -q ':0006 ' /proc/net/raw" 10 ||
	fail "hsk_pkt recv opened no raw TCP socket"

# --- the SYN, then the same SYN again
pkt S "$ISN"
synack 1
SEQ1=$SA_SEQ
WIN1=$SA_WIN
wait_stat SynAckSent 1
expect_stat HalfOpen 1
conns 1
log "SYN-ACK seq $SEQ1 window $WIN1"

pkt S "$ISN"
synack 2
[ "$SA_SEQ" = "$SEQ1" ] ||
	fail "SYN-ACK to the duplicate SYN has seq $SA_SEQ, the first had $SEQ1"
wait_stat DupSyns 1
wait_stat SynAckSent 2
expect_stat SynAckRetrans 0
expect_stat HalfOpen 1
conns 1
log "duplicate SYN: same SYN-ACK seq $SA_SEQ, still one entry"

# --- RSTs outside the window: dropped, entry kept
below=$ISN
above=$(((ISN1 + WIN1) & 0xffffffff))
pkt R "$below"
wait_stat RstsIgnored 1
expect_stat HalfOpen 1
expect_stat HalfOpenResets 0
conns 1
pkt R "$above"
wait_stat RstsIgnored 2
expect_stat HalfOpen 1
expect_stat HalfOpenResets 0
conns 1
log "RSTs at seq $below and $above (outside the window) ignored"

# --- bogus final ACKs: a wrong acknowledgment number, or the right one
# with a sequence number outside the window, get RST; the entry stays
bad_ack() {
	cli "$PKT" send "$CADDR" "$CPORT" "$SADDR" "$PORT" -M "$MARK" \
		-f A -q "$1" -a "$2" || fail "hsk_pkt send -f A -q $1 -a $2"
}
resets=$(counter ResetsSent)
bad_ack "$ISN1" $(((SEQ1 + 5) & 0xffffffff))
wait_stat BadAcks 1
bad_ack "$above" $(((SEQ1 + 1) & 0xffffffff))
wait_stat BadAcks 2
expect_stat ResetsSent $((resets + 2))
expect_stat Handoffs 0
expect_stat HalfOpen 1
conns 1
log "ACKs with a wrong ack or an out-of-window seq reset, entry kept"

# --- RST at ISN+1: the entry goes
pkt R "$ISN1"
wait_stat HalfOpenResets 1
expect_stat HalfOpen 0
expect_stat RstsIgnored 2
conns 0
log "RST at seq $ISN1 removed the entry"

# --- a new SYN is a new entry; an RST at the window's last seq removes it
pkt S "$ISN"
synack 3
wait_stat SynAckSent 3
expect_stat DupSyns 1
expect_stat HalfOpen 1
conns 1
last=$(((ISN1 + SA_WIN - 1) & 0xffffffff))
pkt R "$last"
wait_stat HalfOpenResets 2
expect_stat HalfOpen 0
expect_stat RstsIgnored 2
conns 0
log "new entry after the reset, removed by an RST at seq $last"

check_dmesg_clean
exit "$ksft_pass"
