#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What a TIME_WAIT entry does with segments, as tcp_timewait_state_process
# does: an old duplicate is ACKed and dropped; an RST does not end it with
# net.hsk.rfc1337=1 and does with 0; a SYN reopens the 4-tuple only when
# its ISN is beyond the old rcv_nxt or its timestamp newer (RFC 6191),
# else it is ACKed; an old timestamp is dropped by PAWS.
#
# hsk-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"
. "$(dirname "$0")/tw_lib.sh"

MARK=42

need_module nf_tables
hsk_pair
hsk_set msl_ms 60000
# The client kernel resets hsk's ACKs for tuples it has closed: only the
# RSTs this test crafts (marked) reach the server.
nft_cli "tcp dport $PORT tcp flags & rst == rst meta mark != $MARK drop"
serve -n 100 -c

# seg RPORT FLAGS [hsk_pkt send options]: one crafted segment from the
# client's old port; the server's answer, if any, lands in $OUT/ans.
seg() {
	local rport=$1 flags=$2

	shift 2
	rm -f "$OUT/ans"
	cli "$PKT" recv "$PORT" -p "$rport" -c 1 -t 2000 >"$OUT/ans" &
	RECV=$!
	# Send once the capture socket is open, not after a guessed delay.
	wait_for "cli grep -q ' 00000000:0000 07' /proc/net/raw" 10 ||
		fail "capture socket not open"
	cli "$PKT" send "$CADDR" "$rport" "$SADDR" "$PORT" -f "$flags" -M $MARK "$@"
	wait "$RECV"
}

# answer_is FLAGS ACK: the server answered with these flags and ack.
answer_is() {
	local got

	got=$(awk '{ print $2, $4 }' "$OUT/ans")
	[ "$got" = "$1 $2" ] || fail "answer '$got', expected '$1 $2'"
}

tw_conn e
rport=$(tw_rport "$e")
rcv=$(tw_hex "$e" 6)
snd=$(tw_hex "$e" 7)
ts=$(tw_hex "$e" 8)
log "entry $e"
[ -n "$ts" ] && [ "$ts" != 0 ] || fail "the connection did not use timestamps: $e"

# Old duplicate data: ACKed with rcv_nxt, dropped, the entry stays.
seg "$rport" AP -q "$(u32 "$rcv - 10")" -a "$snd" -d olddata
answer_is A "$rcv"
tw_has "$rport" || fail "old duplicate ended the entry"
log "old duplicate data: ACK $rcv"

# RST in window, rfc1337=1: ignored and counted.
seg "$rport" R -q "$rcv"
[ -s "$OUT/ans" ] && fail "RST answered: $(cat "$OUT/ans")"
tw_has "$rport" || fail "RST ended TIME_WAIT with rfc1337=1"
expect_stat TwRstIgnored 1
# rfc1337=0: an RST out of window changes nothing, one in window ends it.
hsk_set rfc1337 0
seg "$rport" R -q "$(u32 "$rcv + 100000")"
tw_has "$rport" || fail "out-of-window RST ended TIME_WAIT"
seg "$rport" R -q "$rcv"
tw_has "$rport" && fail "RST did not end TIME_WAIT with rfc1337=0"
expect_stat TwRstIgnored 1
hsk_set rfc1337 1
log "RST: kept with rfc1337=1, ended with rfc1337=0"

# SYN without timestamps, ISN below rcv_nxt: an old duplicate, ACKed.
tw_conn e
rport=$(tw_rport "$e")
rcv=$(tw_hex "$e" 6)
ts=$(tw_hex "$e" 8)
seg "$rport" S -q "$(u32 "$rcv - 1000")" -m 1460
answer_is A "$rcv"
tw_has "$rport" || fail "old SYN ended TIME_WAIT"
expect_stat TwSynReused 0
# ISN beyond rcv_nxt: the entry ends and hsk's handshake answers.
syns=$(counter SynReceived)
isn=$(u32 "$rcv + 100000")
seg "$rport" S -q "$isn" -m 1460
answer_is SA "$(u32 "$isn + 1")"
tw_has "$rport" && fail "new SYN left the entry"
expect_stat TwSynReused 1
expect_stat SynReceived $((syns + 1))
log "SYN without timestamps: lower ISN ACKed, higher ISN reopened"

# With timestamps: a newer TSval reopens even with a lower ISN...
tw_conn e
rport=$(tw_rport "$e")
rcv=$(tw_hex "$e" 6)
ts=$(tw_hex "$e" 8)
isn=$(u32 "$rcv - 1000")
seg "$rport" S -q "$isn" -m 1460 -T "$(u32 "$ts + 1000")"
answer_is SA "$(u32 "$isn + 1")"
tw_has "$rport" && fail "SYN with newer timestamp left the entry"
expect_stat TwSynReused 2
# ...and an older one is PAWS-rejected, even with a higher ISN.
tw_conn e
rport=$(tw_rport "$e")
rcv=$(tw_hex "$e" 6)
ts=$(tw_hex "$e" 8)
seg "$rport" S -q "$(u32 "$rcv + 100000")" -m 1460 -T "$(u32 "$ts - 1000")"
answer_is A "$rcv"
tw_has "$rport" || fail "SYN with an old timestamp ended TIME_WAIT"
expect_stat TwSynReused 2
expect_stat TwPawsDropped 1
# PAWS drops old data too: ACKed, never accepted.
seg "$rport" AP -q "$rcv" -a "$(tw_hex "$e" 7)" -T "$(u32 "$ts - 1000")" -d x
expect_stat TwPawsDropped 2
tw_has "$rport" || fail "old-timestamp data ended TIME_WAIT"
log "SYN with timestamps: newer reopened, older PAWS-dropped"

no_kernel_tw
check_dmesg_clean
exit "$ksft_pass"
