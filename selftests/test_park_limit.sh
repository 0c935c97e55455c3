#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Parking at its limit. Handshakes begun while there was room complete
# when the listener's accept queue and its parking FIFO
# (net.hsk.accept_backlog) are both full: the final ACK is refused and
# counted in ParkedDropped, then dropped with the half-open entry kept
# (abort_on_overflow=0, the client's next ACK can still get in) or reset
# with the entry gone (abort_on_overflow=1).
#
# hsk-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

need_module nf_tables
hsk_pair
hsk_set accept_backlog 1
hsk_set synack_rto_ms 20000
nft_cli 'tcp sport 41000-41999 tcp flags & rst == rst drop'
# Backlog 0: one connection fills the accept queue; nothing is accepted.
serve -b 0 -n 1 -g "$OUT/never"

raw_syn_ack isn1 41001
raw_syn_ack isn2 41002
raw_syn_ack isn3 41003
raw_syn_ack isn4 41004
expect_stat HalfOpen 4

raw_ack 41001 "$isn1"
wait_for "[ \"\$(srv $SS -Htn state established '( sport = :$PORT )' | wc -l)\" = 1 ]" 10 ||
	fail "the first connection did not reach the accept queue ($(nonzero_stats))"
raw_ack 41002 "$isn2"
wait_stat Parked 1
expect_stat ParkedNow 1

resets=$(counter ResetsSent)
raw_ack 41003 "$isn3"
wait_stat ParkedDropped 1
expect_stat HalfOpen 2
expect_stat ResetsSent "$resets"
expect_stat ParkedNow 1
log "parking full, abort_on_overflow=0: dropped, entry kept ($(nonzero_stats))"

hsk_set abort_on_overflow 1
raw_ack 41004 "$isn4"
wait_stat ParkedDropped 2
wait_stat ResetsSent $((resets + 1))
expect_stat HalfOpen 1
expect_stat ParkedNow 1
log "parking full, abort_on_overflow=1: reset ($(nonzero_stats))"

check_dmesg_clean
exit "$ksft_pass"
