#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# SYN-ACK retransmission: with every segment of the client after its SYN
# dropped in the client netns, hsk resends the SYN-ACK after rto, 2 rto,
# 4 rto (net.hsk.synack_rto_ms), gives up after net.hsk.synack_retries
# and forgets the entry. Intervals are checked within a tolerance wide
# enough for TCG's timer jitter but too narrow for a missing doubling.
#
# hsk-timeout: 240

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

RTO=400
RETRIES=3

need_module nf_tables
hsk_pair
hsk_set synack_rto_ms $RTO
hsk_set synack_retries $RETRIES
nft_cli "tcp dport $PORT tcp flags & syn != syn drop"
serve -n 1

cli "$PKT" recv "$PORT" -c $((RETRIES + 1)) -t 10000 >"$OUT/synacks" &
RECV=$!
wait_for "cli grep -q ' 00000000:0000 07' /proc/net/raw" 10 ||
	fail "capture socket not open"
$IP netns exec "$CLI" "$CONN" connect "$SADDR" "$PORT" -t 2 >/dev/null 2>&1 &
hsk_defer "kill $! 2>/dev/null"

wait "$RECV" || fail "saw $(wc -l <"$OUT/synacks") SYN-ACKs, expected $((RETRIES + 1))"
cat "$OUT/synacks" | sed 's/^/# /'
awk -v rto=$RTO '
	{ t[NR] = $1; seq[NR] = $3; if ($2 != "SA") bad = "not a SYN-ACK: " $0 }
	END {
		if (bad) { print bad; exit 1 }
		want = rto
		for (i = 2; i <= NR; i++) {
			got = t[i] - t[i - 1]
			if (seq[i] != seq[1]) { print "ISN changed"; exit 1 }
			if (got < want * 0.9 || got > want * 1.5 + 150) {
				printf "interval %d is %d ms, expected %d\n", i - 1, got, want
				exit 1
			}
			want *= 2
		}
	}' "$OUT/synacks" || fail "retransmission schedule"

wait_stat SynAckRetrans $RETRIES
# The entry dies one doubled interval after the last retransmission.
wait_stat HalfOpenTimeouts 1 $((RTO * 16 / 1000 + 5))
expect_stat HalfOpen 0
expect_stat Handoffs 0
expect_stat SynAckRetrans $RETRIES

check_dmesg_clean
exit "$ksft_pass"
