#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A full half-open queue (net.hsk.max_syn_backlog) under a SYN flood: in
# mode 1 the SYNs beyond it get stateless cookie SYN-ACKs and a real
# client still connects; in mode 0 they are dropped, counted, and the
# real client cannot get in until entries expire.
#
# hsk-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

BACKLOG=8
FLOOD=20

need_module nf_tables
hsk_pair
hsk_set max_syn_backlog $BACKLOG
# The flood's SYN-ACKs must not be answered: the client kernel's RSTs
# would empty the queue.
nft_cli 'tcp flags & rst == rst drop'
serve -n 2

# flood FIRST_PORT: FLOOD raw SYNs from consecutive source ports.
flood() {
	local p=$1 end=$(($1 + FLOOD))

	while [ "$p" -lt "$end" ]; do
		cli "$PKT" send "$CADDR" "$p" "$SADDR" "$PORT" -q "$p" -m 1460
		p=$((p + 1))
	done
}

flood 20000
wait_stat SynReceived $FLOOD
expect_stat HalfOpen $BACKLOG
expect_stat HalfOpenFull $((FLOOD - BACKLOG))
expect_stat CookiesSent $((FLOOD - BACKLOG))
expect_stat SynAckSent $FLOOD
cli "$CONN" connect "$SADDR" "$PORT" -d "through the flood" >"$OUT/c1" ||
	fail "mode 1: client could not connect: $(cat "$OUT/c1")"
expect_stat CookiesValid 1
expect_stat Handoffs 1

hsk_set syncookies 0
flood 30000
wait_stat SynReceived $((2 * FLOOD + 1))
expect_stat HalfOpen $BACKLOG
expect_stat SynAckSent $((FLOOD + 1))
expect_stat HalfOpenFull $((2 * FLOOD - BACKLOG + 1))
cli "$CONN" connect "$SADDR" "$PORT" -t 3 >/dev/null 2>&1 &&
	fail "mode 0: a client got in past a full queue"
expect_stat Handoffs 1
expect_stat SynAckSent $((FLOOD + 1))

check_dmesg_clean
exit "$ksft_pass"
