#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Adaptive SYN cookies, net.hsk.syncookies=3.
#
# Calm: SYNs get half-open entries; an unanswered SYN-ACK is retransmitted
# with the same ISN, and no cookie is sent.  The fill watermark alone (the
# rate one out of reach) switches to stateless once the queue holds
# adaptive_fill_high percent, and back once the entries expired and the
# hold time passed.  A paced SYN flood over adaptive_syn_high switches to
# stateless: CookieModeStateless moves, StatelessNow reads 1, HalfOpen
# stops growing, cookies go out and a legitimate client connects.  When
# the flood stops, the mode stays stateless for adaptive_hold_ms (checked
# half-way) and then returns to stateful: CookieModeStateful moves,
# StatelessNow reads 0, new SYNs get entries again, and a cookie sent
# while stateless still makes a connection.  Last, hsk is unloaded while
# the sampler runs.
#
# hsk-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

RTO=1000	# entries live RTO * 3 with one retransmission
# ms, the hold time of the flood phase: long enough for one raw handshake
# (3.4 s seen on the debug guest) to get its cookie within it.
HOLD=5000
debug_kernel && HOLD=12000
FLOOD_RATE=1000	# SYNs per second, over SYN_HIGH on any guest
SYN_HIGH=300
SYN_LOW=50

need_module nf_tables
hsk_pair
hsk_set synack_rto_ms $RTO
hsk_set synack_retries 1
# The client's kernel resets SYN-ACKs to raw and flood SYNs: those RSTs
# would remove the entries this test counts.
nft_cli "tcp flags & rst == rst drop"
serve -n 10 -T 1

# --- calm: stateful
hsk_set syncookies 3
sleep 0.3	# a few samples
expect_stat StatelessNow 0
expect_stat CookieModeStateless 0

cli "$PKT" recv "$PORT" -p 40000 -c 2 -t 5000 >"$OUT/retrans" &
RECV=$!
wait_for "cli grep -q ' 00000000:0000 07' /proc/net/raw" 10 ||
	fail "capture socket not open"
cli "$PKT" send "$CADDR" 40000 "$SADDR" "$PORT" -q 1000 -m 1460
wait "$RECV" || fail "calm: no SYN-ACK retransmission: $(cat "$OUT/retrans")"
awk -v rto=$RTO '
	$2 != "SA" { print "not a SYN-ACK: " $0; exit 1 }
	NR == 1 { t = $1; isn = $3 }
	NR == 2 && $3 != isn { print "ISN changed"; exit 1 }
	NR == 2 && $1 - t < rto * 0.8 { print "resent after " $1 - t " ms"; exit 1 }
	' "$OUT/retrans" || fail "calm: retransmission: $(cat "$OUT/retrans")"
expect_stat SynAckRetrans 1
cli "$CONN" connect "$SADDR" "$PORT" -d calm -t 10 >"$OUT/c1" ||
	fail "calm: connect: $(cat "$OUT/c1")"
expect_stat CookiesSent 0
expect_stat Handoffs 1
expect_stat StatelessNow 0
log "calm: stateful, SYN-ACK retransmitted, no cookie"

# --- the fill watermark alone: 30 SYNs against a 10% watermark of 200
wait_stat HalfOpen 0 10
hsk_set max_syn_backlog 200
hsk_set adaptive_syn_high 100000000
hsk_set adaptive_syn_low 100000000
hsk_set adaptive_fill_high 10
hsk_set adaptive_fill_low 5
hsk_set adaptive_hold_ms 1000
# Entries that live 9 s: on a slow guest the 30 SYNs and the polls that
# see the switch can take longer than the 3 s of the calm phase's RTO.
hsk_set synack_rto_ms $((3 * RTO))
cli "$PKT" flood "$CADDR" "$SADDR" "$PORT" -f S -n 30 -r 50 -p 30000-39999 \
	>/dev/null || fail "flood tool"
wait_stat CookieModeStateless 1 10
expect_stat StatelessNow 1
[ "$(counter HalfOpen)" -ge 20 ] ||
	fail "fill: stateless at HalfOpen $(counter HalfOpen), under 10% of 200"
# Back once the entries expired (3 RTO) and the hold time passed.
wait_stat CookieModeStateful 1 40
expect_stat StatelessNow 0
[ "$(counter HalfOpen)" -le 10 ] ||
	fail "fill: stateful at HalfOpen $(counter HalfOpen), over 5% of 200"
log "fill watermark: stateless at 10%, stateful after expiry and hold"
hsk_set synack_rto_ms $RTO

# --- the rate watermark: a paced flood
hsk_set max_syn_backlog 4096
hsk_set adaptive_fill_high 90
hsk_set adaptive_fill_low 50
hsk_set adaptive_syn_high $SYN_HIGH
hsk_set adaptive_syn_low $SYN_LOW
hsk_set adaptive_hold_ms $HOLD
$IP netns exec "$CLI" "$PKT" flood "$CADDR" "$SADDR" "$PORT" -f S -t 60 \
	-r $FLOOD_RATE -p 20000-29999 >/dev/null &
FLOOD=$!
hsk_defer "kill $FLOOD 2>/dev/null"
wait_stat CookieModeStateless 2 10
expect_stat StatelessNow 1
halfopen=$(counter HalfOpen)
cookies=$(counter CookiesSent)
sleep 1
[ "$(counter HalfOpen)" -le "$halfopen" ] ||
	fail "stateless: HalfOpen grew from $halfopen to $(counter HalfOpen)"
[ "$(counter CookiesSent)" -gt "$cookies" ] ||
	fail "stateless: no cookie sent in a second of flood"
valid=$(counter CookiesValid)
cli "$CONN" connect "$SADDR" "$PORT" -d flood -t 10 >"$OUT/c2" ||
	fail "stateless: connect during the flood: $(cat "$OUT/c2")"
expect_stat Handoffs 2
[ "$(counter CookiesValid)" -gt "$valid" ] ||
	fail "stateless: the client's connection was not a cookie's"
expect_stat CookieModeStateful 1
log "flood: stateless, HalfOpen $halfopen, cookies sent, client served"

# --- the flood stops: stateless for the hold time, then stateful
kill "$FLOOD"
wait "$FLOOD" 2>/dev/null
t0=$(now_ms)
# A cookie sent now (the capture would miss it among the flood's
# SYN-ACKs), answered only after the switch back.
cookies=$(counter CookiesSent)
raw_syn_ack sent_isn 40001
expect_stat CookiesSent $((cookies + 1))
# Still stateless half-way through the hold time, or later when the guest
# was slow, as long as it is well before its end.
took=$(($(now_ms) - t0))
[ "$took" -lt $((HOLD * 7 / 10)) ] ||
	fail "test too slow: $took ms for one SYN, hold is $HOLD ms"
[ "$took" -lt $((HOLD / 2)) ] &&
	sleep "$(awk -v ms=$((HOLD / 2 - took)) 'BEGIN { print ms / 1000 }')"
expect_stat CookieModeStateful 1
expect_stat StatelessNow 1
wait_stat CookieModeStateful 2 $((HOLD / 1000 + 15))
t1=$(now_ms)
expect_stat StatelessNow 0
[ $((t1 - t0)) -ge $((HOLD * 8 / 10)) ] ||
	fail "stateful again $((t1 - t0)) ms after the flood, hold is $HOLD ms"
log "stateful again $((t1 - t0)) ms after the flood (hold $HOLD ms)"

cookies=$(counter CookiesSent)
cli "$CONN" connect "$SADDR" "$PORT" -d after -t 10 >"$OUT/c3" ||
	fail "after the flood: connect: $(cat "$OUT/c3")"
expect_stat Handoffs 3
expect_stat CookiesSent "$cookies"

valid=$(counter CookiesValid)
strays=$(counter StrayAcks)
raw_ack 40001 "$sent_isn"
wait_stat Handoffs 4
expect_stat CookiesValid $((valid + 1))
expect_stat StrayAcks "$strays"
log "after the switch back: stateful, a cookie in flight still accepted"

# The sampler still runs: netns exit and module unload stop it.
hsk_unload
check_dmesg_clean
exit "$ksft_pass"
