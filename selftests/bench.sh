#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench: hsk against the kernel's own listener, same guest, same
# server and clients, cases interleaved so drift hits both alike. TCG
# makes absolute numbers meaningless: the ratios are the result, and
# nothing here fails on a number (only on a broken setup).
#
# Flood cases: hsk_synflood.ko sends SYNs from random sources to a server netns
# whose receive processing RPS steers to vCPU $RX_CPU; everything else
# (generator, clients, server process) runs on vCPU $GEN_CPU. For each
# case: receive vCPU busy time per SYN it received (/proc/stat), SYN-ACKs
# per second sent to the flood's sources, and legitimate clients dialing
# meanwhile (success and connect() time). Cases: the
# kernel with tcp_syncookies 1 and 2, hsk with syncookies 1, 2 and 3 (when
# the module takes 3) at full flood; hsk with its early SYN path off
# (hsk-late, net.hsk.early_syn=0); both stacks behind a stateful
# conntrack firewall (kernel-ct, hsk-ct: hsk_lib.sh's ct_ruleset, its
# output chain dropping what conntrack calls invalid); both on a plain
# server whose kernel has no nf_conntrack loaded at all (kernel-noct,
# hsk-noct, run first, before the bench loads it); then a sweep of
# flood rates. A profile of the receive vCPU (perf, cpu-clock samples)
# under the same flood for the kernel and hsk with cookies=2, early and
# late: where the time per SYN goes, by function and by part of the stack.
# Calm (no flood): a server that speaks first and clients whose final ACK
# is lost once, where only a listener that keeps state (and retransmits
# its SYN-ACK) gets the connection; adaptive cookies must behave like the
# stateful modes there.
# Without a flood: handshakes per second, rounds interleaved. Then memory
# per half-open and TIME_WAIT entry, and connect() times of a burst
# beyond the listen() backlog, with and without parking.
#
# The kernel cases run with hsk unloaded; every case starts from a freshly
# loaded module, a fresh listener and an empty conntrack table, so no
# state carries over.
#
# Raw numbers go to the verdict channel as "HSK-CSV TABLE ROW" lines, a
# header row first; scripts/bench-report.sh makes build/bench/ of them.
#
# Environment: HSK_BENCH_SECONDS (measured seconds per flood case, 4),
# HSK_BENCH_REPEAT (runs of each flood case, 3),
# HSK_BENCH_RATES (SYNs per second of the sweep, 1000,10000),
# HSK_BENCH_ROUNDS (no-flood rounds per stack, 5), HSK_BENCH_ROUND_SECONDS
# (3), HSK_BENCH_BURST (connections of the burst, 200), HSK_BENCH_PARTS
# (which parts run, of flood,sweep,profile,calm,handshake,memory,burst:
# all of them unless set), HSK_BENCH_PROFILE (the STACK:COOKIES cases
# profiled, comma-separated: kernel:2,hsk:2,hsk-late:2 and hsk:3 where the
# module has it), HSK_BENCH_PROFILE_TOP (functions listed per case, 12),
# HSK_BENCH_STACKS (the STACK:COOKIES flood cases, comma-separated: all).

RX_CPU=1
GEN_CPU=0
if [ -z "${HSK_BENCH_PINNED:-}" ]; then
	HSK_BENCH_PINNED=1 exec taskset -c "$GEN_CPU" "$0" "$@"
fi

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

SECS=${HSK_BENCH_SECONDS:-4}
REPEAT=${HSK_BENCH_REPEAT:-3}
RATES=$(echo "${HSK_BENCH_RATES:-1000,10000}" | tr , " ")
ROUNDS=${HSK_BENCH_ROUNDS:-5}
ROUND_SECS=${HSK_BENCH_ROUND_SECONDS:-3}
BURST=${HSK_BENCH_BURST:-200}
PARTS=",${HSK_BENCH_PARTS:-flood,sweep,profile,calm,handshake,memory,burst},"
VERDICT=${HSK_VERDICT:-/dev/null}
# Legitimate clients beside a flood: that many dialing, each pausing
# LEGIT_GAP_MS after each connection (40 connections a second at most,
# little next to the flood), each connection given LEGIT_TIMEOUT seconds
# (its SYN retransmitted at 1 and 3 s).
LEGIT_JOBS=4
LEGIT_GAP_MS=100
LEGIT_TIMEOUT=5
# The calm case: connections in all (4 at a time) and how long each client
# waits for the server's hello; a SYN-ACK retransmitted after 1 s is well
# inside it.
CALM_CONNS=12
CALM_TIMEOUT=4
# /proc/stat counts in USER_HZ, 100 on x86.
USER_HZ=100

# cols TABLE: the column names of a table of raw numbers.
cols() {
	case $1 in
	flood)
		echo run,stack,cookies,rate,seconds,offered_per_s,syns_per_s,rx_cpu_pct,us_per_syn,synacks_per_s,legit_ok,legit_failed,connect_p50_ms,connect_p99_ms,rx_cpu_tick_pct,us_per_syn_tick,gen_cpu_pct,gen_us_per_syn,early_pct
		;;
	handshake) echo round,stack,seconds,handshakes,per_s ;;
	memory) echo entry,hsk_bytes,kernel_bytes ;;
	burst) echo case,ok,failed,connect_p50_ms,connect_p90_ms,connect_p99_ms,connect_max_ms ;;
	calm) echo stack,cookies,ok,failed,hello_p50_ms,hello_p90_ms,hello_p99_ms,hello_max_ms,acks_dropped,synack_retrans ;;
	profile) echo stack,cookies,kind,name,pct ;;
	esac
}

T0=$(now_ms)
progress() {
	echo "# [$((($(now_ms) - T0) / 1000))s] $*"
}

csv() {
	echo "HSK-CSV $1 $2" >>"$VERDICT"
}

# record TABLE ROW: one row of raw numbers, to the host and the console.
record() {
	csv "$1" "$2"
	printf '%s\n%s\n' "$(cols "$1")" "$2" | awk -F, '
		NR == 1 { split($0, name); next }
		{ for (i = 1; i <= NF; i++) printf " %s=%s", name[i], $i; print "" }'
}

# use_stack STACK [COOKIES]: who answers the port (kernel, hsk,
# hsk-late: hsk without its early SYN path; kernel-ct, hsk-ct: behind the
# conntrack firewall), and its cookie mode; hsk is loaded afresh each
# time, the kernel cases run without it.
use_stack() {
	local tracked

	hsk_loaded && hsk_unload
	srv "$NFT" delete table inet hskct 2>/dev/null
	# A conntrack case leaves a full table that expires, and is reaped,
	# during the cases after it.
	if [ -d /sys/module/nf_conntrack ]; then
		tracked=$(srv cat /proc/sys/net/netfilter/nf_conntrack_count)
		srv "$PKT" ctflush || fail "conntrack table flush"
		[ "$tracked" = 0 ] || progress "$tracked conntrack entries flushed"
	fi
	case $1 in
	*-ct) ct_ruleset drop ;;
	esac
	if [ "${1%%-*}" = hsk ]; then
		hsk_load
		hsk_set ports "$PORT"
		hsk_set syncookies "${2:-1}"
		[ "$1" != hsk-late ] || hsk_set early_syn 0
	else
		srv sh -c "echo ${2:-1} > /proc/sys/net/ipv4/tcp_syncookies" ||
			fail "tcp_syncookies=${2:-1} refused"
	fi
}

stop_server() {
	kill "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null
}

# steer NS DEV CPU: the receive processing of DEV on that CPU only.
steer() {
	$IP netns exec "$1" sh -c "for q in /sys/class/net/$2/queues/rx-*/rps_cpus; do
		echo $((1 << $3)) > \$q || exit 1; done" || fail "RPS on $2"
}

# The server answers flood SYNs from random sources through a dummy
# device, which counts and discards them: the generator's vCPU is spared
# receiving them, so the flood gets faster. Legitimate clients' replies
# go back over the veth, whose client side is processed on $GEN_CPU.
# The generator writes frames to the server's veth0 MAC address.
setup_flood_pair() {
	srv_cli
	$IP -n "$SRV" link add sink type dummy || fail "dummy device"
	$IP -n "$SRV" link set sink up
	# Through a gateway, as a server's replies go: one neighbour entry
	# for all sources, not one created per random source.
	$IP -n "$SRV" addr add 10.99.0.1/24 dev sink
	$IP -n "$SRV" route add default via 10.99.0.2 dev sink || fail "default route"
	steer "$SRV" veth0 "$RX_CPU"
	steer "$CLI" veth1 "$GEN_CPU"
	# ARP shares the flooded receive backlog too: one lost probe and
	# every client's packets wait on a failed neighbour entry at once.
	# What is measured is the listener, so the neighbours stay put.
	$IP -n "$SRV" neigh replace "$CADDR" dev veth0 nud permanent lladdr \
		"$($IP netns exec "$CLI" cat /sys/class/net/veth1/address)" &&
		$IP -n "$CLI" neigh replace "$SADDR" dev veth1 nud permanent lladdr \
			"$($IP netns exec "$SRV" cat /sys/class/net/veth0/address)" ||
		fail "permanent neighbours"
	# Several thousand handshakes per no-flood round, each leaving a
	# client TIME_WAIT: room for all of them.
	cli sh -c 'echo 1024 65535 > /proc/sys/net/ipv4/ip_local_port_range'
	cli sh -c 'echo 1 > /proc/sys/net/ipv4/tcp_tw_reuse'
	SRV_MAC=$($IP netns exec "$SRV" cat /sys/class/net/veth0/address)
}

# cpu_times CPU: a vCPU's /proc/stat times, in USER_HZ ticks: "busy idle".
# Busy (user nice system irq softirq) is sampled by the tick, which
# stops while the vCPU idles: woken thousands of times a second, the vCPU
# looks far busier than it is. Idle (with iowait) is measured exactly, so
# the bench takes the elapsed time minus idle, and keeps the tick's view
# beside it.
cpu_times() {
	awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat
}

dev_stat() {
	$IP netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
}

# hsk_syns: "SYNs hsk took SYNs it took early", 0 0 without hsk.
hsk_syns() {
	if [ -e "$SRVNET/hsk/stat" ]; then
		echo "$(counter SynReceived) $(counter EarlySyns)"
	else
		echo 0 0
	fi
}

# snapshot: "ms busy_ticks idle_ticks syns_received syns_offered synacks
# gen_busy_ticks gen_idle_ticks hsk_syns early_syns", the ticks of the
# receive vCPU, then of the generator's; offered counts what the veth
# dropped for a full receive backlog too.
snapshot() {
	echo "$(now_ms) $(cpu_times "$RX_CPU") $(dev_stat "$SRV" veth0 rx_packets)" \
		"$(($(dev_stat "$CLI" veth1 tx_packets) + $(dev_stat "$CLI" veth1 tx_dropped)))" \
		"$(dev_stat "$SRV" sink tx_packets) $(cpu_times "$GEN_CPU") $(hsk_syns)"
}

# connect_stats FILE [KEY]: "ok failed p50 p90 p99 max" of a burst -l
# output, connect() times in ms (or those of KEY), "-" when no connection
# got through.
connect_stats() {
	sed -n "s/^${2:-connect_ms} //p" "$1" | sort -n | awk -v r="$(grep '^ok ' "$1")" '
		function pct(p, i) { i = int(NR * p) + 1; return v[i > NR ? NR : i] }
		{ v[NR] = $1 }
		END {
			split(r, f)
			if (!NR) { print f[2] + 0, f[4] + 0, "- - - -"; exit }
			print f[2], f[4], pct(0.5), pct(0.9), pct(0.99), v[NR]
		}'
}

# flood_case STACK COOKIES RATE RUN: RATE is SYNs per second or "flood",
# as fast as the generator goes. One second to fill queues, then $SECS
# measured seconds while legitimate clients dial; the flood lasts until
# the last of them ends.
flood_case() {
	local a b legit

	use_stack "$1" "$2"
	serve -n 100000000 -b 4096 -T 3 -j $LEGIT_JOBS
	start_flood "$3"
	a=$(snapshot)
	cli "$CONN" burst "$SADDR" "$PORT" -D "$SECS" -j $LEGIT_JOBS \
		-i $LEGIT_GAP_MS -t $LEGIT_TIMEOUT -l >"$OUT/legit" 2>&1 &
	legit=$!
	sleep "$SECS"
	b=$(snapshot)
	wait "$legit"
	stop_flood
	stop_server
	if [ "${1%%-*}" = hsk ] && [ "$(counter SynReceived)" = 0 ]; then
		fail "hsk saw no SYN ($(nonzero_stats))"
	fi
	# Where the legitimate clients that failed gave up, and why.
	sed -n 's/^failed at \([a-z]*\) after \([0-9]*\) ms: \(.*\)/\1: \3,\2/p' \
		"$OUT/legit" | awk -F, '
		{ n[$1]++; lo[$1] = n[$1] == 1 || $2 < lo[$1] ? $2 : lo[$1]
		  hi[$1] = $2 > hi[$1] ? $2 : hi[$1] }
		END { for (w in n) print n[w], w, "(" lo[w] " to " hi[w] " ms)" }' |
		while read -r line; do
		progress "legit failures, $1 cookies=$2: ${line%% *} at ${line#* }"
	done
	record flood "$(echo "$a $b $(connect_stats "$OUT/legit")" | awk \
		-v id="$4,$1,$2,$3" -v hz=$USER_HZ '{
		for (i = 1; i <= 10; i++) {
			a[i] = $i
			b[i] = $(i + 10)
		}
		s = (b[1] - a[1]) / 1000; syns = b[4] - a[4]; offered = b[5] - a[5]
		busy = s * 1e6 - (b[3] - a[3]) * 1e6 / hz; ticks = (b[2] - a[2]) * 1e6 / hz
		gen = s * 1e6 - (b[8] - a[8]) * 1e6 / hz; taken = b[9] - a[9]
		printf "%s,%.1f,%d,%d,%.1f,%.2f,%d,%s,%s,%s,%s,%.1f,%.2f,%.1f,%.2f,%s\n", id, s,
		       offered / s, syns / s, busy / s / 1e4, syns ? busy / syns : 0,
		       (b[6] - a[6]) / s, $21, $22, $23, $25, ticks / s / 1e4,
		       syns ? ticks / syns : 0, gen / s / 1e4, offered ? gen / offered : 0,
		       taken ? sprintf("%.1f", 100 * (b[10] - a[10]) / taken) : "-"
	}')"
}

# start_flood RATE: the generator module's kernel thread, on $GEN_CPU at
# nice 19, against the server: RATE SYNs per second or "flood" (as fast
# as it goes); after a second of filling queues. Loaded in the client
# netns, where veth1 is.
start_flood() {
	local rate=0

	[ "$1" = flood ] || rate=$1
	$IP netns exec "$CLI" insmod /hsk/hsk_synflood.ko dev=veth1 \
		mac="$SRV_MAC" dst="$SADDR" dport="$PORT" cpu="$GEN_CPU" \
		rate="$rate" || fail "synflood generator: $(dmesg | tail -n 3)"
	sleep 1
}

stop_flood() {
	rmmod hsk_synflood || fail "synflood generator would not unload"
}

# Where receive time goes, by the first pattern a symbol matches; hsk's
# own functions are those /proc/kallsyms names for the module (perf has no
# module file to tell them apart).
PROFILE_PARTS='
idle		default_idle|safe_halt|cpuidle|do_idle|^mwait|poll_idle
alloc/free	kmem_cache|kfree|kmalloc|slab|alloc_skb|skb_release|consume_skb|skb_free|memset|memcpy|__build_skb|page_frag|skb_clone|skb_copy|skb_put|skb_push
hash		siphash|sha1|jhash|cookie_hash|net_hash_mix
route		fib_|ip_route_|rt_|dst_|__ip_dev_find|inet_lookup_ifaddr|fib4_|l3mdev|ip_mc_
netfilter	^nf_|^__nf_|nft_|ipv4_conntrack|conntrack|ipv4_confirm|ipv4_defrag|nf_hook
tcp listener	^tcp_|^__tcp_|^inet_|^__inet_|cookie_v4|reqsk|syn_flood|secure_tcp|^sk_|^__sk_|sock_
ip		^ip_|^__ip_|ip_local|raw_|icmp_
device		veth_|dev_|netif_|napi_|net_rx_action|process_backlog|dummy_|qdisc|pfifo|eth_|neigh_|skb_|rps_|__do_softirq|do_softirq|handle_softirqs|irq_|packet_
'

# profile_case STACK COOKIES: perf samples of the receive vCPU during a
# full flood; the top functions and the share of each part of the stack.
profile_case() {
	local report

	use_stack "$1" "$2"
	serve -n 100000000 -b 4096 -T 3
	start_flood flood
	perf record -q -C "$RX_CPU" -e cpu-clock -F 997 -o "$OUT/perf.data" \
		-- sleep "$SECS" >"$OUT/perf.log" 2>&1 ||
		fail "perf record: $(cat "$OUT/perf.log")"
	stop_flood
	stop_server
	awk '$4 == "[hsk]" { print $3 }' /proc/kallsyms >"$OUT/hsk.syms"
	report=$(perf report -i "$OUT/perf.data" --stdio -q --sort sym \
		--percent-limit 0 2>/dev/null | awk -v syms="$OUT/hsk.syms" '
		BEGIN { while ((getline s <syms) > 0) hsk[s] = 1 }
		$1 ~ /%$/ && $2 == "[k]" {
			sub(/%$/, "", $1); print $1, ($3 in hsk) ? "hsk" : "kernel", $3
		}')
	[ -n "$report" ] || fail "perf report found no samples"
	echo "$report" | head -n "${HSK_BENCH_PROFILE_TOP:-12}" | while read -r pct dso sym; do
		[ "$dso" = hsk ] && sym="$sym [hsk]"
		record profile "$1,$2,function,$sym,$pct"
	done
	echo "$report" | awk -v parts="$PROFILE_PARTS" -v id="$1,$2" '
		BEGIN {
			n = split(parts, line, "\n")
			for (i = 1; i <= n; i++)
				if (split(line[i], f, "\t+") == 2) {
					name[++np] = f[1]; re[np] = f[2]
				}
		}
		{
			part = "other"
			if ($2 == "hsk")
				part = "hsk"
			else
				for (i = 1; i <= np; i++)
					if ($3 ~ re[i]) {
						part = name[i]
						break
					}
			share[part] += $1
		}
		END {
			for (p in share)
				printf "%s,part,%s,%.1f\n", id, p, share[p]
		}' | sort -t, -k5 -rn | while read -r row; do
		record profile "$row"
	done
}

# calm_case STACK COOKIES: no flood; a server that speaks first, and a
# client netns whose conntrack drops each connection's first final ACK
# (its second packet). A stateful listener retransmits the SYN-ACK, the
# repeated ACK gets through and the hello follows; a stateless one never
# hears of the connection and its client waits for the hello in vain.
calm_case() {
	local r0 r1 dropped

	use_stack "$1" "$2"
	serve -H -n 100000 -b 4096 -T 3
	cli sh -c 'echo 1 > /proc/sys/net/netfilter/nf_conntrack_acct' ||
		fail "nf_conntrack_acct"
	cli "$NFT" -f - <<EOT || fail "calm: client ruleset"
table inet hskcalm {
	chain out {
		type filter hook output priority 0;
		tcp dport $PORT tcp flags == ack ct original packets 2 counter drop
	}
}
EOT
	r0=$(synack_retrans "$1")
	cli "$CONN" burst "$SADDR" "$PORT" -H -n "$CALM_CONNS" -j 4 \
		-t "$CALM_TIMEOUT" -l >"$OUT/calm" 2>&1
	r1=$(synack_retrans "$1")
	stop_server
	dropped=$(cli "$NFT" list table inet hskcalm | sed -n 's/.*packets \([0-9]*\).*/\1/p')
	cli "$NFT" delete table inet hskcalm
	record calm "$1,$2,$(connect_stats "$OUT/calm" hello_ms | tr ' ' ,),${dropped:-0},$((r1 - r0))"
}

# synack_retrans STACK: SYN-ACK retransmissions the server has counted.
synack_retrans() {
	if [ "${1%%-*}" = hsk ]; then
		counter SynAckRetrans
	else
		kernel_mibs | awk '$1 == "TcpExtTCPSynRetrans" { print $2 }'
	fi
}

# handshake_round N STACK: handshakes per second, no flood.
handshake_round() {
	local t0 t1 ok

	use_stack "$2"
	t0=$(now_ms)
	cli "$CONN" burst "$SADDR" "$PORT" -D "$ROUND_SECS" -j 4 >"$OUT/burst"
	t1=$(now_ms)
	ok=$(sed -n 's/^ok \([0-9]*\) .*/\1/p' "$OUT/burst")
	[ -n "$ok" ] || fail "burst: $(cat "$OUT/burst")"
	if [ "$2" = hsk ] && [ "$(counter Handoffs)" -lt "$ok" ]; then
		fail "hsk rounds were not all handoffs ($(nonzero_stats))"
	fi
	record handshake "$(awk -v ms=$((t1 - t0)) -v ok="$ok" -v id="$1,$2" \
		'BEGIN { printf "%s,%.1f,%d,%d\n", id, ms / 1000, ok, ok * 1000 / ms }')"
}

# burst_latency CASE: $BURST clients at once against listen(fd, 4), the
# server accepting from 3 s on.
burst_latency() {
	local b

	rm -f "$OUT/gate"
	serve -b 4 -n 100000 -g "$OUT/gate"
	cli "$CONN" burst "$SADDR" "$PORT" -n "$BURST" -j "$BURST" -l >"$OUT/lat" 2>&1 &
	b=$!
	sleep 3
	touch "$OUT/gate"
	wait "$b"
	stop_server
	record burst "$1,$(connect_stats "$OUT/lat" | tr ' ' ,)"
}

# entry_bytes WHAT SLAB: hsk's entry size (its load message) and the
# kernel's object size for the same state.
entry_bytes() {
	local hsk kernel

	hsk=$(dmesg | sed -n "s/.*hsk: $1 entry size \([0-9]*\) bytes.*/\1/p" | tail -n1)
	kernel=$(awk -v s="$2" '$1 == s { print $4 }' /proc/slabinfo)
	record memory "$1,${hsk:--},${kernel:--}"
}

# part NAME: whether HSK_BENCH_PARTS asks for that part.
part() {
	case "$PARTS" in
	*,"$1",*) return 0 ;;
	esac
	return 1
}

need_module veth dummy
command -v perf >/dev/null || fail "no perf in the guest (scripts/initramfs.sh)"
# perf names kernel and module functions from /proc/kallsyms.
echo 0 >/proc/sys/kernel/kptr_restrict
grep -q "^cpu$RX_CPU " /proc/stat || fail "one vCPU only: the bench needs two"
for t in flood handshake memory burst calm profile; do
	csv $t "$(cols $t)"
done
setup_flood_pair


# Adaptive cookies (3) only where the module has them.
STACKS="kernel:1 kernel:2 hsk:1 hsk:2 hsk-late:2 kernel-ct:1 kernel-ct:2 hsk-ct:1 hsk-ct:2"
SWEEP="kernel:1 hsk:1"
use_stack hsk
if srv sh -c 'echo 3 > /proc/sys/net/hsk/syncookies' 2>/dev/null; then
	STACKS="$STACKS hsk:3"
	SWEEP="$SWEEP hsk:3"
else
	progress "hsk has no syncookies=3: adaptive cases left out"
fi
FLOOD_STACKS=$(echo "${HSK_BENCH_STACKS:-$STACKS}" | tr , " ")

# flood_cases RATE STACK:COOKIES...: $REPEAT runs of each, interleaved.
flood_cases() {
	local rate="$1" run=1 sc

	shift
	while [ $run -le "$REPEAT" ]; do
		for sc in "$@"; do
			progress "flood ${sc%:*} cookies=${sc#*:} at $rate, run $run"
			flood_case "${sc%:*}" "${sc#*:}" "$rate" $run
		done
		run=$((run + 1))
	done
}

PROFILE=$(echo "${HSK_BENCH_PROFILE:-kernel:2,hsk:2,hsk-late:2}" | tr , " ")
[ -n "${HSK_BENCH_PROFILE:-}" ] || PROFILE="$PROFILE $(echo "$STACKS" | grep -o 'hsk:3')"

# The plain server first, while nf_conntrack is not loaded.
NOCT_STACKS="kernel-noct:1 kernel-noct:2 hsk-noct:1 hsk-noct:2"
if part flood && [ -z "${HSK_BENCH_STACKS:-}" ]; then
	[ -d /sys/module/nf_conntrack ] &&
		fail "nf_conntrack loaded before the bench: no plain-server cases"
	progress "flood on a plain server (no nf_conntrack): $REPEAT runs of $SECS s per case"
	# shellcheck disable=SC2086 # a list of words
	flood_cases flood $NOCT_STACKS
fi
need_module nf_tables nft_ct nf_conntrack nf_conntrack_netlink

if part flood; then
	progress "flood: $REPEAT runs of $SECS s per case; rates in SYN/s"
	# shellcheck disable=SC2086 # lists of words
	flood_cases flood $FLOOD_STACKS
fi
if part sweep; then
	for rate in $RATES; do
		# shellcheck disable=SC2086
		flood_cases "$rate" $SWEEP
	done
fi

if part profile; then
	progress "profile of the receive vCPU, $SECS s of flood each"
	for sc in $PROFILE; do
		profile_case "${sc%:*}" "${sc#*:}"
	done
fi

if part calm; then
	progress "calm: server speaks first, each client's first final ACK lost"
	for sc in kernel:1 hsk:1 hsk:2 $(echo "$STACKS" | grep -o 'hsk:3'); do
		calm_case "${sc%:*}" "${sc#*:}"
	done
fi

if part handshake; then
	progress "no flood: $ROUNDS rounds of $ROUND_SECS s per stack, 4 clients"
	serve -n 100000000 -b 4096
	i=1
	while [ $i -le "$ROUNDS" ]; do
		# Alternate which stack goes first, so a trend favours neither.
		if [ $((i % 2)) = 1 ]; then
			order="kernel hsk"
		else
			order="hsk kernel"
		fi
		for s in $order; do
			handshake_round $i "$s"
		done
		i=$((i + 1))
	done
	stop_server
fi

if part memory; then
	entry_bytes half-open request_sock_TCP
	entry_bytes TIME_WAIT tw_sock_TCP
fi

if part burst; then
	progress "burst of $BURST connections, listen(fd, 4), accept() from 3 s on"
	use_stack kernel
	burst_latency kernel
	use_stack hsk
	burst_latency "hsk parking off"
	hsk_set accept_backlog 1024
	burst_latency "hsk accept_backlog=1024"
fi
progress "done"
exit 0
