#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# SYN-ACK intervals double up to TCP_RTO_MAX (120 s) and no further, as
# the kernel's request timer caps them: a TCP_DEFER_ACCEPT listener whose
# client sent only a bare ACK keeps its half-open entry for the whole
# deferral, and uncapped intervals would keep it for hours. With
# synack_rto_ms 32000 the entry's intervals are 32 s, 64 s, then 120 s
# (128 s uncapped): /proc/net/hsk/conns must show at most 120000 ms left
# right after the second timeout.
#
# hsk-timeout: 240

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

hsk_pair
hsk_set synack_rto_ms 32000
nft_cli "tcp dport $PORT tcp flags & rst == rst drop"
serve -n 1 -D 600
raw_syn_ack ISN 40123
raw_ack 40123 "$ISN"
wait_for "grep -q ' 03 *1 ' $SRVNET/hsk/conns" 60 ||
	fail "no first timeout: $(cat "$SRVNET/hsk/conns")"
left=$(awk '$5 == 1 { print $6 }' "$SRVNET/hsk/conns")
[ "$left" -gt 60000 ] && [ "$left" -le 64000 ] ||
	fail "after the first timeout $left ms left, expected 64000"
wait_for "grep -q ' 03 *2 ' $SRVNET/hsk/conns" 80 ||
	fail "no second timeout: $(cat "$SRVNET/hsk/conns")"
left=$(awk '$5 == 2 { print $6 }' "$SRVNET/hsk/conns")
[ -n "$left" ] && [ "$left" -le 120000 ] && [ "$left" -gt 100000 ] ||
	fail "after the second timeout '$left' ms left, expected at most 120000 (TCP_RTO_MAX)"
log "intervals 32 s, 64 s, then $left ms: capped"

check_dmesg_clean
exit "$ksft_pass"
