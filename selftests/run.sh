#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In-guest selftest runner: runs every executable test_* next to it in
# sorted order, prints TAP and ends with "N passed, N failed, N skipped".
#
# A test passes with exit 0, skips with 4, fails otherwise, and also fails
# when it times out, leaves hsk impossible to unload, or the kernel logged
# a splat while it ran.  A name in HSK_TESTS that matches no test is a
# failure of its own, and so is a run that selected no test at all, or
# one where no test passed (all skipped): the checks after the last test
# then vouch for nothing and fail or skip instead of passing.
# Before the first test the boot log gets a row of its own ("boot log"):
# a splat at boot, or lockdep or kmemleak turned off, fails it.  After
# the last test the runner waits, 90 s at most, for the namespaces the
# tests deleted to be cleaned up, with the hung task timeout lowered to
# 60 s, and the kernel log gets one more look (a device whose namespace
# is gone but which is still referenced is reported there, late); a
# cleanup still running then is a failure too.  Where the kernel has
# lockdep, it must still be on at the end ("lockdep"); the last TAP
# entry is a kmemleak scan when the kernel has kmemleak.  The debug
# kernel must have both.
#
# Environment (set from the QEMU command line by scripts/vm.sh):
#   HSK_TESTS        comma separated test names to run, or "all"; by
#                    default all but, on the debug kernel, the tests
#                    marked "# hsk-debug-check: off, REASON" (reported
#                    as skipped, with the reason)
#   HSK_TIMEOUT      default per-test timeout in seconds (300; TCG is slow)
#   HSK_TIMEOUT_<t>  timeout of test t, non-alphanumerics as "_", e.g.
#                    HSK_TIMEOUT_test_load_sh=60; beats "# hsk-timeout: N"
#   HSK_VERBOSE=1    print every test's output as it is written, so a
#                    long run shows where it is (make stress)
#   HSK_VERDICT      file that also gets the TAP lines (the verdict port)

# It deletes namespaces, flushes nftables and unloads hsk: guest only.
if [ ! -e /hsk/kernel ]; then
	echo "run.sh: runs inside the test VM only (make check)" >&2
	exit 2
fi

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/lib.sh"

VERDICT=${HSK_VERDICT:-/dev/null}
LOGS=/tmp/hsk-selftests
KMEMLEAK=/sys/kernel/debug/kmemleak
LOCKDEP_STATS=/proc/lockdep_stats
HUNG_TASK=/proc/sys/kernel/hung_task_timeout_secs
HUNG_TASK_CHECK=/proc/sys/kernel/hung_task_check_interval_secs
mkdir -p "$LOGS"

# TAP goes to the console and to the verdict channel.
emit() {
	echo "$*"
	echo "$*" >>"$VERDICT"
}

selected() {
	local name=$1

	[ -z "${HSK_TESTS:-}" ] || [ "$HSK_TESTS" = all ] && return 0
	case ",$HSK_TESTS," in
	*",$name,"* | *",${name%.*},"*) return 0 ;;
	esac
	return 1
}

timeout_for() {
	local t=$1 var val

	var=HSK_TIMEOUT_$(basename "$t" | tr -c 'A-Za-z0-9\n' '_')
	eval "val=\${$var:-}"
	[ -n "$val" ] || val=$(grep -m1 -o '# hsk-timeout: *[0-9]*' "$t" | tr -dc 0-9)
	echo "${val:-${HSK_TIMEOUT:-300}}"
}

# Leave the next test a clean slate: hsk unloaded, no stray namespaces
# or nftables rules in the initial namespace.
reset_state() {
	local ns

	for ns in $($IP netns list 2>/dev/null | cut -d' ' -f1); do
		log "runner: deleting leftover netns $ns"
		$IP netns del "$ns"
	done
	if [ -n "$($NFT list tables 2>/dev/null)" ]; then
		log "runner: flushing leftover nftables ruleset"
		$NFT flush ruleset
	fi
	if hsk_loaded; then
		log "runner: unloading hsk"
		$RMMOD hsk || return 1
	fi
	return 0
}

# first_bad FILE: the first line of a kernel log that fails the run.
first_bad() {
	grep -E "$HSK_DMESG_BAD" "$1" | grep -Ev "$HSK_DMESG_OK" | head -n1
}

# debug_locks: 1 while lockdep checks, 0 once a report or an overflow
# of its tables turned it off for good; nothing without lockdep.
debug_locks() {
	sed -n 's/^ *debug_locks: *//p' "$LOCKDEP_STATS" 2>/dev/null
}

# pending: what the kernel still does for the tests, or false.  A
# namespace deleted by the last test is cleaned up by a kworker running
# the "netns" workqueue, which then shows as "kworker/...+netns".
pending() {
	local ns

	ns=$($IP netns list 2>/dev/null | cut -d' ' -f1 | tr '\n' ' ')
	if [ -n "$ns" ]; then
		echo "namespaces still listed: ${ns% }"
	elif grep -qs -- '+netns$' /proc/[0-9]*/comm; then
		echo "namespace cleanup (cleanup_net) still running"
	else
		return 1
	fi
}

# Skip reason: the last "SKIP" line of the output, without its prefix.
skip_reason() {
	grep 'SKIP' "$1" | tail -n1 | sed 's/.*SKIP[: ]*//'
}

# Print a failure with its output and kernel log, between markers that
# scripts/vm.sh looks for in the console log.
report() {
	local name=$1 why=$2 out=$3 klog=$4 first

	echo "# ---- hsk failure: $name: $why ----"
	echo "# -- output (last 100 lines):"
	tail -n 100 "$out" | sed 's/^/#   /'
	if [ -s "$klog" ]; then
		first=$(grep -n -E "$HSK_DMESG_BAD" "$klog" | grep -Ev "$HSK_DMESG_OK" |
			head -n1 | cut -d: -f1)
		echo "# -- kernel log${first:+ from the first splat} (100 lines max):"
		tail -n +"${first:-1}" "$klog" | head -n 100 | sed 's/^/#   /'
	fi
	echo "# ---- end hsk failure: $name ----"
}

# The kmemleak report blocks of objects allocated at jiffies >= $1.
new_leaks() {
	awk -v start="$1" '
	function flush() { if (blk != "" && keep) print blk; blk = "" }
	/^unreferenced object/ { flush(); blk = $0; keep = 0; next }
	{ blk = blk "\n" $0 }
	/^  comm .* jiffies [0-9]+$/ { if ($NF + 0 >= start + 0) keep = 1 }
	END { flush() }'
}

# debug_leaves_out TEST: the reason given by a "# hsk-debug-check: off,
# REASON" line when the default run on the debug kernel leaves TEST to
# the distro kernel; nothing, and false, for a test that runs.
debug_leaves_out() {
	[ -z "${HSK_TESTS:-}" ] && debug_kernel &&
		sed -n 's/^# hsk-debug-check: off, //p' "$1" | grep -m1 .
}

# The names in HSK_TESTS that match no test.
unknown_tests() {
	local name

	[ "${HSK_TESTS:-}" = all ] && return
	for name in $(echo "${HSK_TESTS:-}" | tr ',' ' '); do
		[ -x "$DIR/$name" ] || [ -x "$DIR/$name.sh" ] || echo "$name"
	done
}

# Run one test in its own session so a timeout kills all it started.
run_one() {
	local t=$1 to=$2 out=$3 pid wd rc live=

	rm -f "$LOGS/timed-out"
	(cd /tmp && exec setsid "$t") >"$out" 2>&1 </dev/null &
	pid=$!
	if [ -n "${HSK_VERBOSE:-}" ]; then
		setsid sh -c 'tail -f "$1" | sed "s/^/#   /"' live "$out" &
		live=$!
	fi
	setsid sh -c 'sleep "$1"; touch "$3"; kill -TERM -"$2"; sleep 10;
		kill -KILL -"$2"' watchdog "$to" "$pid" "$LOGS/timed-out" \
		>/dev/null 2>&1 &
	wd=$!
	wait "$pid"
	rc=$?
	kill -KILL -"$wd" 2>/dev/null
	# Background helpers the test forgot to stop.
	kill -KILL -"$pid" 2>/dev/null
	if [ -n "$live" ]; then
		# What the test wrote last reaches the console first.
		sleep 1
		kill -TERM -"$live" 2>/dev/null
		wait "$live" 2>/dev/null
	fi
	return "$rc"
}

tests=
for t in "$DIR"/test_*; do
	[ -f "$t" ] && [ -x "$t" ] && selected "$(basename "$t")" &&
		tests="$tests $t"
done
unknown=$(unknown_tests | tr '\n' ' ')
[ -z "$tests" ] && [ -z "$unknown" ] && unknown="(HSK_TESTS='${HSK_TESTS:-}' selected nothing)"
n=$(($(echo $tests | wc -w) + 1))
[ -n "$unknown" ] && n=$((n + 1))
# The boot log, the kernel log after the tests, lockdep, kmemleak.
n=$((n + 1))
[ -r "$LOCKDEP_STATS" ] || debug_kernel && n=$((n + 1))
[ -e "$KMEMLEAK" ] || debug_kernel && n=$((n + 1))

pass=0
fail=0
skipped=0
i=0
# Tests that passed, as opposed to the checks around them.
tests_passed=0

emit "TAP version 13"
emit "1..$n"
if [ -n "$unknown" ]; then
	i=$((i + 1))
	fail=$((fail + 1))
	emit "not ok $i HSK_TESTS # no such test: $unknown"
fi

# A device still referenced when its namespace goes is reported after 3 s
# instead of 10, and again every 3 s, so the test that leaked it (or the
# check after the last test) sees it; shorter would risk slow RCU on the
# debug kernel.
echo 3 >/proc/sys/net/core/netdev_unregister_timeout_secs

reset_state || echo "# runner: cannot unload hsk before the first test"
# Why kmemleak cannot vouch for the run: the file is there but refuses
# commands once kmemleak turned itself off, and then reads empty.
kmemleak_err=
if [ -e "$KMEMLEAK" ]; then
	# Scan on demand only, and forget what boot left behind.
	for cmd in scan=off scan clear; do
		echo "$cmd" 2>/dev/null >"$KMEMLEAK" && continue
		kmemleak_err="writing '$cmd' to $KMEMLEAK failed (kmemleak off?)"
		break
	done
	# Boot-time objects can still turn "unreferenced" later (ACPI caches
	# do): only objects allocated from here on count as leaks.
	start_jiffies=$(sed -n 's/^jiffies: //p' /proc/timer_list 2>/dev/null | head -n1)
elif debug_kernel; then
	kmemleak_err="no $KMEMLEAK on the debug kernel"
fi

# The boot log, with the runner's setup: nothing in it may be bad, and
# the debug kernel's checkers must be on.
i=$((i + 1))
dmesg -c >"$LOGS/boot.dmesg"
why=
bad=$(first_bad "$LOGS/boot.dmesg")
[ -n "$bad" ] && why="kernel log: $bad"
if [ -r "$LOCKDEP_STATS" ]; then
	locks=$(debug_locks)
	[ "$locks" = 1 ] || why="${why:+$why; }lockdep off at boot (debug_locks '$locks')"
elif debug_kernel; then
	why="${why:+$why; }no $LOCKDEP_STATS on the debug kernel"
fi
[ -n "$kmemleak_err" ] && why="${why:+$why; }$kmemleak_err"
if [ -n "$why" ]; then
	fail=$((fail + 1))
	report "boot log" "$why" /dev/null "$LOGS/boot.dmesg"
	emit "not ok $i boot log # $why"
else
	pass=$((pass + 1))
	emit "ok $i boot log"
fi

for t in $tests; do
	i=$((i + 1))
	name=$(basename "$t")
	out=$LOGS/$name.out
	klog=$LOGS/$name.dmesg
	if why=$(debug_leaves_out "$t"); then
		skipped=$((skipped + 1))
		emit "ok $i $name # SKIP debug kernel, make check: $why (run it with HSK_TESTS=$name or HSK_TESTS=all)"
		continue
	fi
	to=$(timeout_for "$t")
	# Whatever was logged since the last look belongs to this test.
	dmesg -c >"$klog"
	locks=$(debug_locks)
	echo "# hsk: running $name (timeout ${to}s)"
	start=$(date +%s)
	run_one "$t" "$to" "$out"
	rc=$?
	why=
	[ -e "$LOGS/timed-out" ] && why="timed out after ${to}s"
	reset_state || why="${why:+$why; }hsk still loaded and rmmod failed"
	dmesg -c >>"$klog"
	bad=$(first_bad "$klog")
	[ -n "$bad" ] && why="${why:+$why; }kernel log: $bad"
	[ "$locks" = 1 ] && [ "$(debug_locks)" != 1 ] &&
		why="${why:+$why; }lockdep turned itself off (debug_locks $(debug_locks))"
	[ -z "$why" ] && [ "$rc" != 0 ] && [ "$rc" != "$ksft_skip" ] &&
		why="exit code $rc"
	echo "# hsk: $name took $(($(date +%s) - start))s, exit code $rc"

	# A harness binary whose tests all skipped still exits 0 on 6.1.
	if [ "$rc" = 0 ] && grep -q '^# Totals: pass:0 .*skip:[1-9]' "$out"; then
		rc=$ksft_skip
	fi

	if [ -n "$why" ]; then
		fail=$((fail + 1))
		report "$name" "$why" "$out" "$klog"
		emit "not ok $i $name # $why"
	elif [ "$rc" = "$ksft_skip" ]; then
		skipped=$((skipped + 1))
		emit "ok $i $name # SKIP $(skip_reason "$out")"
	else
		pass=$((pass + 1))
		tests_passed=$((tests_passed + 1))
		emit "ok $i $name"
	fi
done
# What the rows after the last test say when no test passed.
none_passed=
if [ "$tests_passed" = 0 ]; then
	ntests=$(echo $tests | wc -w)
	none_passed="no test passed: $ntests selected, $skipped skipped, $((ntests - skipped)) failed"
fi

# Namespaces deleted by the last test are cleaned up asynchronously: wait
# 5 s (a leaked device is reported after 3), and while a cleanup is still
# running, up to 90 s, time enough for a task blocked since the last test
# to be reported with the hung task timeout at 60 s (600 s while the
# tests run, see scripts/guest-init).
i=$((i + 1))
hung=$(cat "$HUNG_TASK" 2>/dev/null)
hung_check=$(cat "$HUNG_TASK_CHECK" 2>/dev/null)
if [ -n "$hung" ]; then
	echo 60 >"$HUNG_TASK"
	echo 10 >"$HUNG_TASK_CHECK"
fi
start=$(date +%s)
sleep 5
while still=$(pending) && [ $(($(date +%s) - start)) -lt 90 ] &&
	! dmesg | grep -q 'blocked for more than'; do
	sleep 1
done
late=
: >"$LOGS/pending.stacks"
if [ -n "$still" ]; then
	late="$still after $(($(date +%s) - start))s"
	# The stacks of the cleanup and of every blocked task, for the report.
	for f in $(grep -ls -- '+netns$' /proc/[0-9]*/comm); do
		echo "stack of $(cat "$f" 2>/dev/null):"
		cat "${f%/comm}/stack" 2>/dev/null
	done >"$LOGS/pending.stacks"
	echo w >/proc/sysrq-trigger 2>/dev/null
fi
if [ -n "$hung" ]; then
	echo "$hung" >"$HUNG_TASK"
	echo "$hung_check" >"$HUNG_TASK_CHECK"
fi
dmesg -c >"$LOGS/after-tests.dmesg"
bad=$(first_bad "$LOGS/after-tests.dmesg")
why=$late
[ -n "$bad" ] && why="${why:+$why; }kernel log: $bad"
if [ -n "$why" ]; then
	fail=$((fail + 1))
	report "kernel log after the tests" "$why" "$LOGS/pending.stacks" \
		"$LOGS/after-tests.dmesg"
	emit "not ok $i kernel log after the tests # $why"
elif [ -n "$none_passed" ]; then
	fail=$((fail + 1))
	emit "not ok $i kernel log after the tests # $none_passed"
else
	pass=$((pass + 1))
	emit "ok $i kernel log after the tests"
fi

if [ -r "$LOCKDEP_STATS" ] || debug_kernel; then
	i=$((i + 1))
	locks=$(debug_locks)
	if [ "$locks" != 1 ]; then
		fail=$((fail + 1))
		emit "not ok $i lockdep # debug_locks '$locks': lockdep is off, what ran after it turned off went unchecked"
	elif [ -n "$none_passed" ]; then
		skipped=$((skipped + 1))
		emit "ok $i lockdep # SKIP $none_passed"
	else
		pass=$((pass + 1))
		emit "ok $i lockdep"
	fi
fi

if [ -e "$KMEMLEAK" ] || debug_kernel; then
	i=$((i + 1))
	echo "# hsk: running kmemleak scan"
	# Objects younger than 5 s are not reported: scan, wait, scan again.
	# A command refused or a read failing is no clean result.
	if [ -z "$kmemleak_err" ]; then
		echo scan 2>/dev/null >"$KMEMLEAK" &&
			sleep 6 &&
			echo scan 2>/dev/null >"$KMEMLEAK" ||
			kmemleak_err="writing 'scan' to $KMEMLEAK failed (kmemleak off?)"
	fi
	if [ -z "$kmemleak_err" ]; then
		cat "$KMEMLEAK" >"$LOGS/kmemleak.all" ||
			kmemleak_err="reading $KMEMLEAK failed"
	fi
	: >"$LOGS/kmemleak"
	if [ -z "$kmemleak_err" ]; then
		new_leaks "${start_jiffies:-0}" <"$LOGS/kmemleak.all" >"$LOGS/kmemleak"
		log "kmemleak: $(grep -c '^unreferenced object' "$LOGS/kmemleak.all") reported, older ones ignored"
	fi
	if [ -n "$kmemleak_err" ]; then
		fail=$((fail + 1))
		emit "not ok $i kmemleak # $kmemleak_err"
	elif [ -s "$LOGS/kmemleak" ]; then
		fail=$((fail + 1))
		leaks=$(grep -c '^unreferenced object' "$LOGS/kmemleak")
		echo "# ---- hsk failure: kmemleak: $leaks suspected leaks ----"
		head -n 200 "$LOGS/kmemleak" | sed 's/^/#   /'
		echo "# ---- end hsk failure: kmemleak ----"
		emit "not ok $i kmemleak # $leaks suspected memory leaks"
	elif [ -n "$none_passed" ]; then
		skipped=$((skipped + 1))
		emit "ok $i kmemleak # SKIP $none_passed"
	else
		pass=$((pass + 1))
		emit "ok $i kmemleak"
	fi
fi

emit "$pass passed, $fail failed, $skipped skipped"
[ "$fail" = 0 ]
