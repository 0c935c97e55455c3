#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Fuzzing: random and mutated segments (flags, options, lengths,
# checksums, sequence numbers, data offsets, truncated headers, IP
# options, fragments) to a hsk port, first with half-open entries
# (syncookies=1), then cookie-only (syncookies=2), while legitimate
# clients connect beside them.  The generator knows which segments hsk's
# rules must reject: hsk's Malformed counter must rise by exactly that
# many.  Every legitimate connection must succeed, and the kernel must log
# nothing (KASAN, UBSAN and lockdep watch on the debug kernel).
#
# HSK_FUZZ_SEGMENTS (per mode, default 20000, 3000 on the debug kernel;
# make stress sends 500000), HSK_FUZZ_RATE (segments a second, default
# unpaced, 200 on the debug kernel) and HSK_FUZZ_SEED (default: random,
# printed) replay a run. The debug guest spends about a millisecond on
# each segment: unpaced, the fuzzer's segments queue up in the backlog
# for tens of seconds and the legitimate SYNs wait behind them until
# the clients give up.
#
# hsk-timeout: 900

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

SEGMENTS=20000
RATE=0
if debug_kernel; then
	SEGMENTS=3000
	RATE=200
fi
SEGMENTS=${HSK_FUZZ_SEGMENTS:-$SEGMENTS}
RATE=${HSK_FUZZ_RATE:-$RATE}
pacing=
[ "$RATE" -gt 0 ] && pacing=" at $RATE a second"
SEED=${HSK_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
LEGIT=100

need_module nf_tables
hsk_pair
# The client netns' kernel would reset the SYN-ACKs sent to the fuzzer's
# ports; legitimate clients use ports below them.
nft_cli "meta mark 0 ip saddr $CADDR tcp sport 40000-65535 tcp flags & rst == rst drop"
cli sh -c 'echo 20000 39999 > /proc/sys/net/ipv4/ip_local_port_range'
# Two workers, and a connection idle for 15 s is closed: should a fuzzed
# segment ever complete a handshake by luck (a 24-bit cookie MAC), the
# connection it makes must not hold up the legitimate ones behind it.
# A legitimate client's data follows its final ACK through the same
# backlog, long before that (its own limit is 20 s).
serve -n 1000000 -j 2 -T 15

# dropped_early: segments lost before any netfilter hook could see them
# so far: dropped by the backlog queues of all cpus, or by the server
# netns' IP layer (reassembly failures, discards, header errors).
dropped_early() {
	local sum=0 d

	for d in $(cut -d' ' -f2 /proc/net/softnet_stat); do
		sum=$((sum + 0x$d))
	done
	d=$(srv awk '/^Ip:/ && !h { for (i = 1; i <= NF; i++) n[i] = $i; h = 1; next }
		/^Ip:/ { for (i = 1; i <= NF; i++)
			if (n[i] ~ /^(InHdrErrors|InAddrErrors|InDiscards|ReasmFails|ReasmTimeout)$/)
				s += $i; print s + 0 }' /proc/net/snmp)
	echo $((sum + d))
}

# The veth hands each segment to the receiving cpu's backlog queue, which
# drops beyond netdev_max_backlog when a slow guest defers its softirqs.
backlog=$(cat /proc/sys/net/core/netdev_max_backlog)
hsk_defer "echo $backlog > /proc/sys/net/core/netdev_max_backlog"
echo 100000 >/proc/sys/net/core/netdev_max_backlog

# The peers of connections the server closed idle: a legitimate one
# fails the test below (its client gets no answer); a fuzzer's port
# (40000 and up) is one whose handshake a fuzzed segment completed.
idle_peers() {
	local peers

	peers=$(sed -n 's/^idle for .*: peer //p' "$OUT/server.log" | tr '\n' ' ')
	[ -z "$peers" ] || log "connections closed idle so far, peer ports: $peers"
}

# The burst's verdict, its failures counted by step and error: the first
# failure of a cascade reads apart from those it caused.
legit_summary() {
	sed -n 's/^failed at \([a-z]*\) after [0-9]* ms: \(.*\)$/\1: \2/p' "$OUT/legit" |
		sort | uniq -c | sed 's/^ *//' | tr '\n' ';'
	grep '^ok ' "$OUT/legit"
}

for mode in 1 2; do
	seed=$((SEED + mode))
	hsk_set syncookies "$mode"
	before=$(counter Malformed)
	lost=$(dropped_early)
	log "syncookies=$mode: $SEGMENTS segments$pacing, seed $seed (replay with HSK_FUZZ_SEED=$SEED)"
	cli "$CONN" burst "$SADDR" "$PORT" -n "$LEGIT" -j 2 >"$OUT/legit" 2>&1 &
	legit=$!
	cli "$PKT" fuzz "$CADDR" "$SADDR" "$PORT" -n "$SEGMENTS" -s "$seed" \
		-p 40000-65535 -M 7 -r "$RATE" >"$OUT/fuzz" || fail "fuzzer failed: $(cat "$OUT/fuzz")"
	wait "$legit"
	cat "$OUT/fuzz"
	idle_peers
	grep -qx "ok $LEGIT failed 0" "$OUT/legit" ||
		fail "legitimate clients beside the fuzzer: $(legit_summary); $(nonzero_stats); server sockets: $(srv ss -tn state all "( sport = :$PORT )" | tr '\n' ';')"
	want=$(sed -n 's/^sent [0-9]* malformed \([0-9]*\)$/\1/p' "$OUT/fuzz")
	[ -n "$want" ] || fail "no summary from the fuzzer"
	[ "$want" -gt 0 ] || fail "the fuzzer made no malformed segment"
	# When the fuzzer exits its last segments may still wait in the
	# receive backlog (on the debug guest a few do, at any rate): they
	# are counted once they are through, or 20 s on.
	wait_for "[ \$((\$(counter Malformed) - before + \$(dropped_early) - lost)) -ge $want ]" 20
	got=$(($(counter Malformed) - before))
	dropped=$(($(dropped_early) - lost))
	# Exact unless segments were lost before hsk could see them.
	[ "$got" -le "$want" ] && [ "$((got + dropped))" -ge "$want" ] ||
		fail "seed $seed: hsk counted $got malformed, the generator made $want, $dropped dropped before hsk ($(nonzero_stats))"
	[ "$dropped" = 0 ] || log "$dropped segments lost before the hooks"
	log "syncookies=$mode: $got malformed segments dropped and counted; $(nonzero_stats)"
done

cli "$CONN" connect "$SADDR" "$PORT" -d "after the fuzzer" >"$OUT/c" ||
	fail "connection after fuzzing: $(cat "$OUT/c")"
check_dmesg_clean
exit "$ksft_pass"
