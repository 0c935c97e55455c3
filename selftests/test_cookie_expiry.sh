#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A cookie is valid for a bounded time: keys are redrawn every 16 s per
# parity, so a cookie is accepted for at least 16 s and at most 32 s
# after its SYN-ACK. An ACK answering a stateless SYN-ACK within a
# second makes a connection; the same kind of ACK sent 33 s after its
# SYN-ACK is refused as CookiesInvalid and answered with RST.
#
# hsk-timeout: 200

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

need_module nf_tables
hsk_pair
hsk_set syncookies 2
# hsk_pkt owns no socket: keep the client kernel from resetting.
nft_cli 'tcp flags & rst == rst drop'
serve -n 2

# syn_ack SPORT: send a SYN from SPORT (ISN 1000), print the ISN of the
# SYN-ACK that answers it.
syn_ack() {
	cli "$PKT" recv "$PORT" -c 1 -t 5000 >"$OUT/sa" &
	wait_for "cli grep -q ' 00000000:0000 07' /proc/net/raw" 10 ||
		fail "capture socket not open"
	cli "$PKT" send "$CADDR" "$1" "$SADDR" "$PORT" -q 1000 -m 1460
	wait $! || fail "no SYN-ACK for port $1"
	cut -d' ' -f3 "$OUT/sa"
}

# ack SPORT ISN: the final ACK for ISN, with one byte of data.
ack() {
	cli "$PKT" send "$CADDR" "$1" "$SADDR" "$PORT" -f PA -q 1001 \
		-a $(($2 + 1)) -d x
}

isn=$(syn_ack 41001)
ack 41001 "$isn"
wait_stat Handoffs 1
expect_stat CookiesInvalid 0

isn=$(syn_ack 41002)
log "waiting 33 s for the cookie to expire"
sleep 33
ack 41002 "$isn"
wait_stat CookiesInvalid 1
expect_stat Handoffs 1
expect_stat CookiesValid 1
expect_stat ResetsSent 1

check_dmesg_clean
exit "$ksft_pass"
