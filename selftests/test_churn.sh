#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Churn under a SYN flood, with legitimate clients connecting throughout
# and one connection established through hsk before it all starts:
#  1. hsk unloaded and loaded again HSK_CHURN_CYCLES times (default 8,
#     2 on the debug kernel, make stress: 100), each instance answering
#     the flood for 0 to 1.5 s;
#  2. HSK_CHURN_NETNS (default 5, 1 on the debug kernel, make stress:
#     100) pairs of namespaces
#     created, given a hsk port, a server, a flood and clients, and
#     deleted the moment that traffic stops;
#  3. sysctl writes (ports, queue sizes, cookie mode, retries, timeouts,
#     parking, the early path, TIME_WAIT length and limit)
#     racing the packet path for a few seconds.
# Nothing may hang or splat (on the debug kernel DEBUG_OBJECTS_TIMERS
# catches an hrtimer freed while queued, kmemleak runs after the suite),
# the early connection must still carry data afterwards, and clients
# must connect again once the churn is over.  Churn runs under
# single-threaded TCG, see Documentation/testing.rst.
#
# hsk-timeout: 1500

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

CYCLES=${HSK_CHURN_CYCLES:-8}
NETNS=${HSK_CHURN_NETNS:-5}
FLOOD_RATE=
# The debug guest is several times slower: make check's share of its
# time goes to the other tests, make stress runs the full size there too.
# It spends about 2 ms on a segment, so its floods are paced, still a SYN
# every 33 ms through every unload, and the kernel's listener, which
# answers the flood while rmmod waits out its grace periods, retransmits
# its SYN-ACKs once, not 5 times (hsk's own retransmission timers, which
# are under test, keep their default). At 100 SYN/s and 5 retransmissions
# the guest had no idle time left and a cycle took 30 to 50 s (see
# testing.rst for that and for an unpaced flood); now a cycle takes about
# 15 s, a namespace pair 30 s and a final client about a second.
KERNEL_SYNACK_RETRIES=
if debug_kernel; then
	CYCLES=${HSK_CHURN_CYCLES:-2}
	NETNS=${HSK_CHURN_NETNS:-1}
	FINAL=10
	FLOOD_RATE="-r 30"
	KERNEL_SYNACK_RETRIES=1
fi
FINAL=${FINAL:-50}
SYSCTL_SECS=8
LONG_PORT=8081

# Guest uptime, and the seconds since an earlier reading of it: every
# step of the churn logs its duration, so that a slow run and a stuck one
# can be told apart from the console.
now() {
	cut -d' ' -f1 /proc/uptime
}

since() {
	awk -v t="$1" -v n="$(now)" 'BEGIN { printf "%.1f", n - t }'
}

# rates: what the guest did per second over about one: softirqs raised
# by kind, the server veth's packets each way. Divided by the time the
# readings really lie apart: on a crawling guest one ip netns exec takes
# seconds.
rates() {
	local a b

	a=$(rate_sample)
	sleep 1
	b=$(rate_sample)
	echo "$a
$b" | awk 'NR == 1 { for (i = 1; i < NF; i += 2) v[i] = $(i + 1); next }
		{
			dt = $2 - v[1]
			printf "over %.1fs:", dt
			for (i = 3; i < NF; i += 2)
				printf " %s %d", $i, ($(i + 1) - v[i]) / dt
		}'
}

rate_sample() {
	echo "up $(now)" \
		"$(tail -n +2 /proc/softirqs | awk '{ s = 0; for (i = 2; i <= NF; i++) s += $i; printf "%s %d ", $1, s }')" \
		"$($IP netns exec "$SRV" sh -c 'cd /sys/class/net/veth0/statistics && echo rx $(cat rx_packets) tx $(cat tx_packets)')"
}

# unload CYCLE: rmmod hsk; when that takes more than 10 s, rmmod's kernel
# stack then and every 20 s after, so a slow unload shows where it waits.
unload() {
	local pid t next=10

	t=$(now)
	$RMMOD hsk &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 0.2
		[ "$(since "$t" | cut -d. -f1)" -ge "$next" ] || continue
		log "cycle $1: rmmod for ${next}s, in" \
			"$(sed 's/^\[<[0-9a-f]*>\] //; s/+0x.*//' "/proc/$pid/stack" 2>/dev/null |
			head -n 12 | tr '\n' ' ')"
		log "cycle $1: per second $(rates)"
		log "cycle $1: busiest tasks:" \
			"$(top -b -d 1 -n 2 | awk '/^CPU:/ { n++ } n == 2' | awk '
				/^CPU:/ { print; next }
				$1 ~ /^[0-9]+$/ && $7 + 0 > 0 { print $7 "% " $8 }' |
			head -n 7 | tr '\n' ' ')"
		next=$((next + 20))
	done
	wait "$pid"
}

# rand N: a random number in 0 .. N-1.
rand() {
	echo $(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % $1))
}

need_module nf_tables
hsk_pair
[ -z "$KERNEL_SYNACK_RETRIES" ] ||
	srv sh -c "echo $KERNEL_SYNACK_RETRIES > /proc/sys/net/ipv4/tcp_synack_retries" ||
	fail "tcp_synack_retries"
# Every segment the floods send reaches the hooks: on a slow guest the
# receive backlog would otherwise drop legitimate SYNs and SYN-ACKs among
# the flood's, before hsk or the kernel's listener sees them.
backlog=$(cat /proc/sys/net/core/netdev_max_backlog)
hsk_defer "echo $backlog > /proc/sys/net/core/netdev_max_backlog"
echo 100000 >/proc/sys/net/core/netdev_max_backlog
hsk_set ports "$PORT,$LONG_PORT"
# A firewall chain on the same hook, as real servers have: it keeps the
# LOCAL_IN static key on while hsk comes and goes, so unregistering hsk's
# hook patches no code and sends no IPI that would let a packet still in
# the hook on the other cpu finish first, hiding teardown races.
srv "$NFT" -f - <<EOT || fail "server firewall"
table inet hskfw {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport $PORT counter
	}
}
EOT
# Legitimate clients below the flood's source ports, whose SYN-ACKs the
# client netns must not reset (hsk's entries would go at once).
nft_cli "ip saddr $CADDR tcp sport 40000-65535 tcp flags & rst == rst drop"
cli sh -c 'echo 20000 39999 > /proc/sys/net/ipv4/ip_local_port_range'
# A client reset by the kernel's listener in the instant between one hsk
# instance and the next leaves a connection the server would wait on
# forever: the server gives up on silent ones.
serve -n 1000000 -T 5

$IP netns exec "$SRV" "$CONN" serve "$LONG_PORT" -n 1 >"$OUT/long-server" 2>&1 &
hsk_defer "kill $! 2>/dev/null"
wait_for "grep -q ':1F91 00000000:0000 0A' $SRVNET/tcp" 10 ||
	fail "second server did not listen"
# Sends its line after 20 s, in the middle of the churn.
cli "$CONN" connect "$SADDR" "$LONG_PORT" -s 20000 -d survivor -t 600 \
	>"$OUT/long" 2>&1 &
LONG=$!
hsk_defer "kill $LONG 2>/dev/null"
wait_stat Handoffs 1 10

# Not the cli function, whose $! is a subshell: killing that would leave
# the flood running through the rest of the test.
# shellcheck disable=SC2086 # $FLOOD_RATE is no word or two
$IP netns exec "$CLI" "$PKT" flood "$CADDR" "$SADDR" "$PORT" -f S -t 3600 -p 40000-65535 \
	$FLOOD_RATE >/dev/null 2>&1 &
FLOOD=$!
hsk_defer "kill $FLOOD 2>/dev/null"
(
	while [ ! -e "$OUT/stop" ]; do
		cli "$CONN" burst "$SADDR" "$PORT" -n 10 -j 2
	done
) >"$OUT/legit" 2>&1 &
LEGIT=$!
hsk_defer "touch $OUT/stop; kill $LEGIT 2>/dev/null"

log "phase 1 at $(now)s: $CYCLES unload/load cycles under the flood"
i=0
while [ "$i" -lt "$CYCLES" ]; do
	i=$((i + 1))
	t=$(now)
	unload "$i" || fail "cycle $i: rmmod failed"
	t_rmmod=$(since "$t")
	t=$(now)
	$INSMOD "$HSK_KO" || fail "cycle $i: insmod failed"
	hsk_set ports "$PORT,$LONG_PORT"
	t_insmod=$(since "$t")
	t=$(now)
	wait_for "[ \$(counter SynReceived) -gt 0 ]" 10 ||
		fail "cycle $i: the flood never reached hsk"
	d=$(rand 16)
	d="$((d / 10)).$((d % 10))"
	log "cycle $i/$CYCLES: rmmod ${t_rmmod}s, insmod ${t_insmod}s," \
		"first SYN $(since "$t")s, up ${d}s more"
	sleep "$d"
done
ok=$(awk '{ s += $2 } END { print s + 0 }' "$OUT/legit")
log "legitimate handshakes completed so far: $ok"
[ "$CYCLES" = 0 ] || [ "$ok" -gt 0 ] ||
	fail "no legitimate client connected during the cycles"

# Each pair gets its own flood: the first one stops, so that on a slow
# guest the namespaces' cleanup is not starved for minutes.
kill "$FLOOD"
wait "$FLOOD" 2>/dev/null
log "phase 2 at $(now)s: $NETNS namespace pairs created and deleted under traffic"
j=0
while [ "$j" -lt "$NETNS" ]; do
	j=$((j + 1))
	a=churn-s-$j
	b=churn-c-$j
	t=$(now)
	$IP netns add "$a" || fail "netns $a"
	$IP netns add "$b" || fail "netns $b"
	$IP -n "$a" link set lo up
	$IP -n "$b" link set lo up
	setup_veth "$a" "$b" 20
	in_ns "$b" sh -c 'echo 20000 39999 > /proc/sys/net/ipv4/ip_local_port_range'
	in_ns "$a" sh -c "echo $PORT > /proc/sys/net/hsk/ports" ||
		fail "ports in $a"
	$IP netns exec "$a" "$CONN" serve "$PORT" -n 1000 >/dev/null 2>&1 &
	s=$!
	wait_for "in_ns $a grep -q ':$PORT_HEX 00000000:0000 0A' /proc/net/tcp" 10 ||
		fail "server in $a did not listen"
	t_setup=$(since "$t")
	t=$(now)
	# shellcheck disable=SC2086
	$IP netns exec "$b" "$PKT" flood 10.20.0.2 10.20.0.1 "$PORT" -f S -t 60 \
		-p 40000-65535 $FLOOD_RATE >/dev/null 2>&1 &
	f=$!
	in_ns "$b" "$CONN" burst 10.20.0.1 "$PORT" -n 5 -j 1 >"$OUT/ns" 2>&1
	# Some must get through; on the debug guest 1 of 5 has been seen to
	# time out beside the flood (not understood yet, see testing.rst).
	grep -q "^ok [1-5] failed" "$OUT/ns" || fail "clients in $b: $(cat "$OUT/ns")"
	grep -qx "ok 5 failed 0" "$OUT/ns" || log "clients in $b: $(cat "$OUT/ns")"
	in_ns "$a" grep -q '^SynReceived [1-9]' /proc/net/hsk/stat ||
		fail "hsk did not see the flood in $a"
	# The traffic stops just before the pair goes: on the debug guest a
	# flood still running inside a namespace being deleted kept
	# cleanup_net() in default_device_exit_batch() for minutes (not
	# understood yet, see testing.rst).
	t_traffic=$(since "$t")
	t=$(now)
	kill "$s" "$f" 2>/dev/null
	wait "$s" "$f" 2>/dev/null
	$IP netns del "$a"
	$IP netns del "$b"
	log "pair $j/$NETNS: setup ${t_setup}s, traffic ${t_traffic}s," \
		"deletion $(since "$t")s, clients $(sed -n 's/^ok //p' "$OUT/ns")"
done

# Not the cli function, whose $! is a subshell: killing that would leave
# the flood running through the rest of the test.
# shellcheck disable=SC2086 # $FLOOD_RATE is no word or two
$IP netns exec "$CLI" "$PKT" flood "$CADDR" "$SADDR" "$PORT" -f S -t 3600 -p 40000-65535 \
	$FLOOD_RATE >/dev/null 2>&1 &
FLOOD=$!
hsk_defer "kill $FLOOD 2>/dev/null"
log "phase 3 at $(now)s: sysctl writes racing the packet path for ${SYSCTL_SECS}s"
# One shell in the server netns makes every write, with builtins only
# but for a clock read every 16 writes and one od for hundreds of them:
# on the debug guest under the flood a netns entered per write, or a fork,
# takes a good part of a second, and left 3 to 5 writes in 8 s.
srv sh -s "$SYSCTL_SECS" "$PORT" "$LONG_PORT" >"$OUT/sysctl" 2>&1 <<'EOT' || fail "sysctl writes: $(cat "$OUT/sysctl")"
end=$(($(date +%s) + $1))
port=$2
long=$3
writes=0
set_hsk() {
	echo "$2" >"/proc/sys/net/hsk/$1" || { echo "net.hsk.$1=$2 refused"; exit 1; }
}
# pick R CHOICE...: one of the choices, by R, in $v.
pick() {
	shift $(($1 % ($# - 1) + 1))
	v=$1
}
while [ "$(date +%s)" -lt "$end" ]; do
	# shellcheck disable=SC2046 # a list of numbers, split on purpose
	set -- $(od -An -tu2 -N1024 /dev/urandom)
	while [ $# -ge 2 ]; do
		r=$2
		case $(($1 % 10)) in
		0) pick "$r" "$port,$long" 8000-9000 "$port" 1-65535; set_hsk ports "$v" ;;
		1) pick "$r" 1 64 4096; set_hsk max_syn_backlog "$v" ;;
		2) set_hsk syncookies $((r % 4)) ;;
		3) set_hsk synack_retries $((r % 6)) ;;
		4) pick "$r" 100 1000 3000; set_hsk synack_rto_ms "$v" ;;
		5) set_hsk abort_on_overflow $((r % 2)) ;;
		6) pick "$r" 0 4 1024; set_hsk accept_backlog "$v" ;;
		7) set_hsk early_syn $((r % 2)) ;;
		8) pick "$r" 10 1000 30000; set_hsk msl_ms "$v" ;;
		9) pick "$r" 1 64 262144; set_hsk max_tw "$v" ;;
		esac
		shift 2
		writes=$((writes + 1))
		[ $((writes % 16)) != 0 ] || [ "$(date +%s)" -lt "$end" ] || break
	done
done
echo "$writes sysctl writes"
EOT
log "$(cat "$OUT/sysctl")"
hsk_set ports "$PORT,$LONG_PORT"
hsk_set max_syn_backlog 4096
hsk_set syncookies 1
hsk_set synack_retries 5
hsk_set synack_rto_ms 1000
hsk_set abort_on_overflow 0
hsk_set accept_backlog 0
hsk_set early_syn 1
hsk_set msl_ms 30000
hsk_set max_tw 262144

touch "$OUT/stop"
wait "$LEGIT"
kill "$FLOOD"
wait "$FLOOD" 2>/dev/null
log "at $(now)s, legitimate handshakes in all: $(awk '{ s += $2 } END { print s + 0 }' "$OUT/legit")"

wait "$LONG" || fail "the early connection failed: $(cat "$OUT/long")"
grep -q "got 8" "$OUT/long" ||
	fail "the early connection's data did not arrive: $(cat "$OUT/long")"
# Connections whose clients were reset in an unload's instant (see the
# admin guide) wait in the accept queue until the server gives up on them.
wait_for "! srv $SS -Htn state established '( sport = :$PORT )' | grep -q ." 120 ||
	fail "the server kept connections on port $PORT"
log "at $(now)s, the server's connections are gone"
cli "$CONN" burst "$SADDR" "$PORT" -n "$FINAL" -j 2 >"$OUT/after" 2>&1
grep -qx "ok $FINAL failed 0" "$OUT/after" ||
	fail "clients after the churn: $(cat "$OUT/after")"
log "at $(now)s, the final clients are done"
check_dmesg_clean
exit "$ksft_pass"
