#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Server-side TIME_WAIT held by hsk: a server that closes first leaves
# its orphaned FIN_WAIT2 and then its TIME_WAIT to hsk, never to the
# kernel (no timewait sock, TcpExt:TW still), and the entries go 2 x MSL
# later. Then the lost last ACK: the peer's retransmitted FINs are each
# re-ACKed and the peer ends cleanly.
#
# hsk-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"
. "$(dirname "$0")/tw_lib.sh"

N=20
# 2MSL of 30 s: room for the slow debug guest to make all N connections
# before the first entries expire.
MSL_MS=15000

need_module nf_tables
hsk_pair
hsk_set msl_ms $MSL_MS
serve -n 1000 -c
tw0=$(tcpext TW)

# The orphaned FIN_WAIT2: the client holds its end open for a while.
cli "$CONN" connect "$SADDR" "$PORT" -e -W 3000 >"$OUT/fw2" &
FW2=$!
wait_for "tw_entries | grep -q ' 05 '" 10 || fail "no FIN_WAIT2 entry: $(tw_entries)"
[ "$(srv $SS -Htan state fin-wait-2 | wc -l)" = 0 ] ||
	fail "the kernel still holds a FIN_WAIT2 socket"
expect_stat TwFinWait2Fin 0
wait "$FW2" || fail "FIN_WAIT2 client: $(cat "$OUT/fw2")"
wait_stat TwFinWait2Fin 1
wait_for "tw_entries | grep -q ' 06 '" 10 || fail "FIN_WAIT2 did not become TIME_WAIT"
log "orphaned FIN_WAIT2 held, the peer's FIN moved it to TIME_WAIT"

# N connections, each leaves one entry.
i=0
while [ $i -lt $N ]; do
	tlast=$(now_ms)
	cli "$CONN" connect "$SADDR" "$PORT" -e >"$OUT/c" || fail "client $i: $(cat "$OUT/c")"
	i=$((i + 1))
done
t0=$(now_ms)
wait_stat TwEntered $((N + 1))
wait_for "[ \$(tw_entries | grep -c ' 06 ') = $((N + 1)) ]" 10 ||
	fail "expected $((N + 1)) TIME_WAIT entries: $(tw_entries)"
expect_stat TimeWait $((N + 1))
no_kernel_tw
[ "$(tcpext TW)" = "$tw0" ] || fail "TcpExt:TW moved from $tw0 to $(tcpext TW)"
left=$(tw_entries | awk '{ print $5 }' | sort -n | tail -n 1)
# The newest entry was made after tlast: at most the time since then (and
# one uptime step) has gone from its 2MSL, however slow the guest.
aged=$(($(now_ms) - tlast + 10))
[ "$left" -le $((2 * MSL_MS)) ] && [ "$left" -ge $((2 * MSL_MS - aged)) ] ||
	fail "newest entry has $left ms left, 2MSL is $((2 * MSL_MS)), made at most $aged ms ago"
log "$((N + 1)) entries in hsk, kernel timewait 0, TcpExt:TW still $tw0"

wait_for "[ \$(tw_count) = 0 ]" $((2 * MSL_MS / 1000 + 15)) ||
	fail "entries did not expire: $(tw_entries)"
t1=$(now_ms)
el=$((t1 - t0))
log "all gone $el ms after the last connection (2MSL $((2 * MSL_MS)) ms)"
[ $el -ge $((2 * MSL_MS - 1000)) ] || fail "entries expired early: $el ms"
[ $el -le $((2 * MSL_MS + 4000)) ] || fail "entries expired late: $el ms"
expect_stat TwReaped $((N + 1))
expect_stat TimeWait 0
[ "$(tcpext TW)" = "$tw0" ] || fail "TcpExt:TW moved"

# Lost last ACK: hsk's ACKs of the client's FIN are dropped on their way
# in, the client retransmits its FIN, each one is re-ACKed. The drop is
# in place before the client sends anything: on a slow guest a rule
# added after the reply can come too late for the FIN. Only pure ACKs
# are dropped; the reply and the server's FIN carry data or FIN.
hsk_set msl_ms 30000
# Not the cli function: $! must be hsk_conn itself, for the signal.
$IP netns exec "$CLI" "$CONN" connect "$SADDR" "$PORT" -e -p >"$OUT/lost" 2>&1 &
LOST=$!
wait_for "grep -q connected $OUT/lost" 10 || fail "lost-ACK client: $(cat "$OUT/lost")"
cli "$NFT" -f - <<EOT || fail "nft"
table inet twdrop {
	chain in {
		type filter hook input priority 0;
		tcp sport $PORT tcp flags == ack counter drop
	}
}
EOT
kill -USR1 "$LOST"
wait "$LOST" || fail "lost-ACK client failed: $(cat "$OUT/lost")"
grep -q '^reply: got' "$OUT/lost" || fail "lost-ACK client: no reply: $(cat "$OUT/lost")"
wait_for "[ \$(counter TwFinReacked) -ge 2 ]" 20 ||
	fail "retransmitted FINs not re-ACKed ($(nonzero_stats))"
[ "$(cli $SS -Htan state last-ack | wc -l)" = 1 ] || fail "client not in LAST_ACK"
cli "$NFT" delete table inet twdrop
wait_for "[ \$(cli $SS -Htan state last-ack | wc -l) = 0 ]" 20 ||
	fail "client stuck in LAST_ACK"
log "$(counter TwFinReacked) FIN retransmissions re-ACKed, the client closed"
expect_stat ResetsSent 0
[ "$(tw_count)" = 1 ] || fail "entry gone: $(tw_entries)"

check_dmesg_clean
exit "$ksft_pass"
