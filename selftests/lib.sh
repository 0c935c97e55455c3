# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Helpers for hsk shell selftests, after tools/testing/selftests/net/lib.sh.
# Source it from a test:   . "$(dirname "$0")/lib.sh"
# Plain POSIX sh plus "local", so it works under bash and busybox ash.
#
# Exit codes: 0 pass, $ksft_skip (4) skip, anything else fail.

ksft_pass=0
ksft_fail=1
ksft_skip=4

# Absolute paths: busybox ash would run its own applets for bare names.
IP=/usr/sbin/ip
TC=/usr/sbin/tc
NFT=/usr/sbin/nft
SS=/usr/bin/ss
MODPROBE=/usr/sbin/modprobe
INSMOD=/usr/sbin/insmod
RMMOD=/usr/sbin/rmmod

HSK_KO=${HSK_KO:-/hsk/hsk.ko}

# Kernel log lines that fail a test (run.sh applies them after every test,
# to the boot log and after the last test), lockdep or kmemleak turning
# itself off among them, and the expected taint notices of an unsigned
# out-of-tree module.
HSK_DMESG_BAD='WARNING:|BUG:|Oops|KASAN|UBSAN|possible circular locking|suspicious RCU usage|possible recursive locking|inconsistent lock state|lock held when returning|DEBUG_LOCKS_WARN_ON|general protection|Call Trace|Kernel panic|soft lockup|hard LOCKUP|blocked for more than|detected stall|list_(add|del) corruption|refcount_t:|unregister_netdevice: waiting for|INFO: lockdep is turned off|INFO: trying to register non-static key|turning off the locking correctness validator|Kernel memory leak detector disabled'
HSK_DMESG_OK='module verification failed|loading out-of-tree module taints kernel'

log() {
	echo "# $*"
}

# in_ns NS CMD...: run CMD in network namespace NS (a name of "ip netns").
# Only the network namespace is entered: /sys stays the initial one's,
# so what reads /sys/class/net of NS uses "ip netns exec", which mounts
# it. nsenter costs a fifth of that (65 against 325 ms on the debug
# kernel), and tests spend much of their time entering namespaces.
# A function: "in_ns ... &" makes $! a subshell, so a background command
# that is signalled or killed by pid is started with "$IP netns exec".
in_ns() {
	local ns=$1

	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# debug_kernel: true in the debug kernel's VM, where KASAN, lockdep and
# kmemleak make every packet and every process many times dearer; tests
# that count in thousands send fewer there (the sanitizers need every
# path, not every repetition).
debug_kernel() {
	[ "$(cat /hsk/kernel)" = debug ]
}

fail() {
	echo "FAIL: $*" >&2
	exit "$ksft_fail"
}

skip() {
	echo "SKIP: $*"
	exit "$ksft_skip"
}

# Cleanup: commands queued with hsk_defer run in reverse order on exit,
# also when run.sh stops the test with SIGTERM at its timeout.
HSK_DEFERRED=
hsk_defer() {
	if [ -z "$HSK_DEFERRED" ]; then
		trap hsk_cleanup EXIT
		trap 'exit 143' TERM
		trap 'exit 130' INT
	fi
	HSK_DEFERRED="$*
$HSK_DEFERRED"
}

hsk_cleanup() {
	local rc=$? cmds=$HSK_DEFERRED line

	HSK_DEFERRED=
	while IFS= read -r line; do
		[ -n "$line" ] && eval "$line"
	done <<EOT
$cmds
EOT
	return $rc
}

# now_ms: the guest's uptime in ms; busybox date has no sub-second
# format, /proc/uptime has centiseconds.
now_ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# Poll COND (a shell command string) every 0.1 s for up to TIMEOUT seconds.
wait_for() {
	local cond=$1 tries=$((${2:-10} * 10))

	while ! eval "$cond" >/dev/null 2>&1; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

hsk_loaded() {
	[ -d /sys/module/hsk ]
}

# hsk_load [param=value ...]: insmod hsk.ko; it is unloaded at exit.
HSK_UNLOAD_DEFERRED=
hsk_load() {
	$INSMOD "$HSK_KO" "$@" || fail "insmod $HSK_KO $* failed"
	if [ -z "$HSK_UNLOAD_DEFERRED" ]; then
		HSK_UNLOAD_DEFERRED=1
		hsk_defer 'hsk_loaded && hsk_unload'
	fi
}

hsk_unload() {
	$RMMOD hsk || fail "rmmod hsk failed"
	wait_for '! hsk_loaded' 10 || fail "/sys/module/hsk still present"
}

# Modules the harness puts in every guest (scripts/initramfs.sh), one a
# line: a test cannot skip for want of one of them.
HSK_SHIPPED_MODULES=${HSK_SHIPPED_MODULES:-/hsk/modules}

# need_module MOD...: modprobe each, skip the test when one is missing,
# fail when the harness should have provided it.
need_module() {
	local m

	for m in "$@"; do
		$MODPROBE -q "$m" && continue
		grep -qx "$m" "$HSK_SHIPPED_MODULES" 2>/dev/null &&
			fail "kernel module $m, which the harness ships, does not load"
		skip "kernel module $m not available"
	done
}

# setup_ns VAR...: create a netns per name, with a random suffix so tests
# never collide, store its name in $VAR and delete it at exit.
setup_ns() {
	local var ns

	for var in "$@"; do
		ns="$var-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
		$IP netns add "$ns" || fail "ip netns add $ns"
		hsk_defer "$IP netns del $ns"
		$IP -n "$ns" link set lo up || fail "lo up in $ns"
		eval "$var=\$ns"
	done
}

# setup_veth NS_A NS_B N: veth pair veth0 (in NS_A, 10.N.0.1/24,
# fd00:N::1/64) <-> veth1 (in NS_B, 10.N.0.2/24, fd00:N::2/64).  These
# addresses exist only between the two namespaces inside the guest.
setup_veth() {
	local a=$1 b=$2 n=$3

	$IP link add veth0 netns "$a" type veth peer name veth1 netns "$b" ||
		fail "veth $a <-> $b"
	$IP -n "$a" addr add "10.$n.0.1/24" dev veth0
	$IP -n "$b" addr add "10.$n.0.2/24" dev veth1
	$IP -n "$a" -6 addr add "fd00:$n::1/64" dev veth0 nodad
	$IP -n "$b" -6 addr add "fd00:$n::2/64" dev veth1 nodad
	$IP -n "$a" link set veth0 up
	$IP -n "$b" link set veth1 up
	wait_for "$IP -n $a link show veth0 | grep -q LOWER_UP" 10 ||
		fail "veth0 in $a not up"
	wait_for "$IP -n $b link show veth1 | grep -q LOWER_UP" 10 ||
		fail "veth1 in $b not up"
}

# Fail if the kernel logged a splat since the test started (run.sh clears
# the ring buffer before each test).
check_dmesg_clean() {
	local bad

	bad=$(dmesg | grep -E "$HSK_DMESG_BAD" | grep -Ev "$HSK_DMESG_OK")
	[ -z "$bad" ] || fail "kernel log: $bad"
}
