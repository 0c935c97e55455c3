#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A cookie is valid for a bounded time: keys are redrawn every 64 s per
# parity, so a cookie is accepted for at least 64 s and at most 128 s
# after its SYN-ACK (Linux: 60 to 120 s). Three connections answer
# stateless SYN-ACKs: one at once, one 62.5 s after a SYN-ACK sent late
# in a key period (the worst case for the lower bound: it lands in the
# next period and must still be accepted), one 129 s after its SYN-ACK,
# which must be refused as CookiesInvalid: dropped with data and FIN (it
# could be a live client's later segment), answered with RST when bare.
# hsk's key periods follow CLOCK_MONOTONIC seconds, which /proc/uptime
# shows in the guest.
#
# hsk-timeout: 330
# hsk-debug-check: off, waits out cookie lifetimes; test_cookies covers cookies

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

PERIOD=64
LATE=$((PERIOD - 3))

need_module nf_tables
hsk_pair
hsk_set syncookies 2
# hsk_pkt owns no socket: keep the client kernel from resetting.
nft_cli 'tcp flags & rst == rst drop'
serve -n 3

uptime() {
	cut -d' ' -f1 /proc/uptime
}

# sleep_until T: sleep until /proc/uptime reads T (seconds).
sleep_until() {
	sleep "$(awk -v t="$1" '{ d = t - $1; print (d > 0 ? d : 0) }' /proc/uptime)"
}

# capture SPORT FILE: catch the next segment from the server port to
# SPORT in FILE (retransmissions of the server's replies to the other
# connections go elsewhere); the capture runs in the background as $CAPTURE.
capture() {
	cli "$PKT" recv "$PORT" -p "$1" -c 1 -t 5000 >"$2" &
	CAPTURE=$!
	wait_for "cli grep -q ' 00000000:0000 07' /proc/net/raw" 10 ||
		fail "capture socket not open"
}

# syn_ack SPORT: send a SYN from SPORT (ISN 1000); $ISN is then the ISN
# of the SYN-ACK that answered it. Not for $(...): fail must end the test.
syn_ack() {
	local flags ack

	capture "$1" "$OUT/sa"
	cli "$PKT" send "$CADDR" "$1" "$SADDR" "$PORT" -q 1000 -m 1460
	wait "$CAPTURE" || fail "no answer to the SYN from port $1"
	read -r _ flags ISN ack _ <"$OUT/sa"
	[ "$flags" = SA ] && [ "$ack" = 1001 ] ||
		fail "SYN from port $1 answered with '$(cat "$OUT/sa")', not a SYN-ACK"
}

# ack SPORT ISN: the final ACK for ISN, with one byte of data and FIN, so
# the server reads the connection to its end and accepts the next.
ack() {
	cli "$PKT" send "$CADDR" "$1" "$SADDR" "$PORT" -f FPA -q 1001 \
		-a $(($2 + 1)) -d x
}

# At once.
syn_ack 41001
ack 41001 "$ISN"
wait_stat Handoffs 1
expect_stat CookiesInvalid 0
wait_for "grep -q '^received 1: x' $OUT/server.log" 10 ||
	fail "server did not get the data: $(cat "$OUT/server.log")"

# Two cookies issued in the last seconds of a key period.
log "waiting for second $LATE of a $PERIOD s key period"
wait_for "[ \$(awk -v p=$PERIOD '{ print int(\$1) % p }' /proc/uptime) = $LATE ]" \
	$((PERIOD + 2)) || fail "uptime never reached second $LATE of a period"
t0=$(uptime)
syn_ack 41002
isn_lower=$ISN
syn_ack 41003
isn_upper=$ISN
t1=$(uptime)
log "cookies issued between uptime $t0 and $t1"

sleep_until "$(awk -v t="$t0" -v p=$PERIOD 'BEGIN { print t + p - 1.5 }')"
ack 41002 "$isn_lower"
t=$(uptime)
log "ACK for the first cookie sent at uptime $t"
awk -v t="$t" -v t0="$t0" -v p=$PERIOD 'BEGIN { exit !(t < t0 + p) }' ||
	fail "the ACK left $t - $t0 s after the SYN, not under $PERIOD s: too slow to test"
wait_stat Handoffs 2
expect_stat CookiesInvalid 0
wait_for "[ \$(grep -c '^received 1: x' $OUT/server.log) = 2 ]" 10 ||
	fail "server did not get the data of 2 connections: $(cat "$OUT/server.log")"

sleep_until "$(awk -v t="$t1" -v p=$PERIOD 'BEGIN { print t + 2 * p + 1 }')"
# With data and FIN it could be a later segment of a live client: dropped.
ack 41003 "$isn_upper"
log "ACK for the second cookie sent at uptime $(uptime)"
wait_stat CookiesInvalidData 1
expect_stat CookiesInvalid 1
expect_stat ResetsSent 0
capture 41003 "$OUT/rst"
cli "$PKT" send "$CADDR" 41003 "$SADDR" "$PORT" -f A -q 1001 -a $((isn_upper + 1))
wait "$CAPTURE" || fail "no answer to an expired cookie"
read -r _ flags seq _ <"$OUT/rst"
[ "$flags" = R ] && [ "$seq" = $(((isn_upper + 1) & 0xffffffff)) ] ||
	fail "expired cookie answered with '$(cat "$OUT/rst")', not RST seq $((isn_upper + 1))"
wait_stat CookiesInvalid 2
expect_stat CookiesInvalidData 1
expect_stat Handoffs 2
expect_stat CookiesValid 2
expect_stat ResetsSent 1

check_dmesg_clean
exit "$ksft_pass"
