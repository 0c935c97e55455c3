#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# An unmodified accept() server behind hsk: the handshake, data both ways
# with a half-close, the counters, and proof that the kernel's own
# listener never saw the SYN (kprobes on tcp_conn_request and
# tcp_v4_send_synack count zero with hsk and non-zero without). Ports not
# in net.hsk.ports and ports without a listener stay the kernel's.
# Without kprobe events only the probe checks are left out: everything
# else runs, and the test then reports a skip naming what it missed.
#
# hsk-timeout: 240

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

TRACING=/sys/kernel/tracing
PROBES=1
[ -e $TRACING/kprobe_events ] || PROBES=

kprobes_on() {
	[ -n "$PROBES" ] || return 0
	echo 'p:hsk_conn_request tcp_conn_request' >>$TRACING/kprobe_events &&
	echo 'p:hsk_send_synack tcp_v4_send_synack' >>$TRACING/kprobe_events &&
	echo 1 >$TRACING/events/kprobes/enable || fail "kprobe events"
	hsk_defer "kprobes_off"
}

kprobes_off() {
	echo 0 >$TRACING/events/kprobes/enable
	echo '-:hsk_conn_request' >>$TRACING/kprobe_events
	echo '-:hsk_send_synack' >>$TRACING/kprobe_events
}

# kprobe_hits: hits of both probes, summed.
kprobe_hits() {
	awk '$1 ~ /^hsk_/ { n += $2 } END { print n + 0 }' $TRACING/kprobe_profile
}

hsk_pair
kprobes_on

serve -n 2 -i
cli "$CONN" connect "$SADDR" "$PORT" -d "hello through hsk" -i >"$OUT/c1" ||
	fail "client 1: $(cat "$OUT/c1")"
grep -q '^reply: got 17$' "$OUT/c1" || fail "client 1 reply: $(cat "$OUT/c1")"
wait_for "grep -q 'received 17: hello through hsk' $OUT/server.log" 10 ||
	fail "server did not get the data: $(cat "$OUT/server.log")"
cli "$CONN" connect "$SADDR" "$PORT" -d "again" >"$OUT/c2" ||
	fail "client 2: $(cat "$OUT/c2")"

expect_stat SynReceived 2
expect_stat SynAckSent 2
expect_stat Handoffs 2
expect_stat HalfOpen 0
expect_stat BadAcks 0
expect_stat HandoffFailed 0
if [ -n "$PROBES" ]; then
	hits=$(kprobe_hits)
	[ "$hits" = 0 ] || fail "kernel listener ran $hits times with hsk in front"
	log "2 handshakes by hsk, kernel listener hits: $hits"
fi

# Control: the same exchange with the port not in net.hsk.ports goes
# through the kernel's listener, which the probes must see.
hsk_set ports ""
serve -n 1
cli "$CONN" connect "$SADDR" "$PORT" -d "kernel" >"$OUT/c3" ||
	fail "client 3 without hsk: $(cat "$OUT/c3")"
if [ -n "$PROBES" ]; then
	hits=$(kprobe_hits)
	[ "$hits" -gt 0 ] || fail "probes saw nothing even without hsk"
	log "without hsk the kernel listener ran $hits times"
fi
expect_stat SynReceived 2

# A port in the list with no listener: the kernel refuses it with RST.
hsk_set ports "$PORT"
wait_for "! grep -q ':$PORT_HEX 00000000:0000 0A' $SRVNET/tcp" 10 ||
	fail "server still listening"
cli "$CONN" connect "$SADDR" "$PORT" -t 5 >/dev/null 2>&1 &&
	fail "connect to a port without listener succeeded"
expect_stat NoListener 1
expect_stat SynReceived 2

check_dmesg_clean
[ -n "$PROBES" ] ||
	skip "no kprobe events in this kernel: all checks passed but the kprobe ones"
exit "$ksft_pass"
