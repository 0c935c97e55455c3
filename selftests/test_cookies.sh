#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# SYN cookies. Mode 2 (always stateless) completes real connections with
# and without TCP timestamps and keeps no half-open entry. Forged ACKs
# with random numbers never make a connection: 10^5 of them (10^4 on the
# debug kernel) give as many CookiesInvalid, as many RSTs, and 0 handoffs
# (a 24-bit MAC lets about 0.6% of such runs through; a flaky run means
# the MAC got shorter). In
# mode 1 without a recent queue overflow, an ACK with no entry is not
# even checked as a cookie: it is a stray, answered with RST.
#
# hsk-timeout: 600

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

FORGED=100000
debug_kernel && FORGED=10000
FORGED=${HSK_FORGED_ACKS:-$FORGED}

hsk_pair
hsk_set syncookies 2
serve -n 4

cli "$CONN" connect "$SADDR" "$PORT" -d "with timestamps" >"$OUT/c1" ||
	fail "mode 2 with timestamps: $(cat "$OUT/c1")"
expect_stat HalfOpen 0
cli sysctl -qw net.ipv4.tcp_timestamps=0
cli "$CONN" connect "$SADDR" "$PORT" -d "without" >"$OUT/c2" ||
	fail "mode 2 without timestamps: $(cat "$OUT/c2")"
expect_stat CookiesSent 2
expect_stat CookiesValid 2
expect_stat Handoffs 2
expect_stat SynAckRetrans 0

settle
invalid=$(counter CookiesInvalid)
resets=$(counter ResetsSent)
cli "$PKT" flood "$CADDR" "$SADDR" "$PORT" -n "$FORGED" >/dev/null ||
	fail "flood tool"
wait_stat CookiesInvalid $((invalid + FORGED)) 60
expect_stat Handoffs 2
expect_stat CookiesValid 2
expect_stat ResetsSent $((resets + FORGED))
log "$FORGED forged ACKs: 0 connections"

# The next accept() gets the legitimate client, not a forgery; the
# listener stays open for the stray ACKs below.
cli "$CONN" connect "$SADDR" "$PORT" -d "legit" >"$OUT/c3" ||
	fail "connect after the flood: $(cat "$OUT/c3")"
wait_for "grep -q 'received 5: legit' $OUT/server.log" 10 ||
	fail "third accept() was not the legitimate client"

# Mode 1, no overflow: an ACK without entry is a stray, cookie or not.
hsk_set syncookies 1
settle
invalid=$(counter CookiesInvalid)
strays=$(counter StrayAcks)
cli "$PKT" flood "$CADDR" "$SADDR" "$PORT" -n 10 >/dev/null
wait_stat StrayAcks $((strays + 10))
expect_stat CookiesInvalid "$invalid"

check_dmesg_clean
exit "$ksft_pass"
