#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the hsk test VM:   scripts/vm.sh 6.1|6.12|distro|debug check|run|shell|bench
#
# QEMU emulates (TCG, never KVM) and has no network device at all.
# ttyS0 is the console, shown on stdout and saved to build/console-K.log;
# ttyS1 is the verdict channel, saved to build/verdict-K.txt.  For check
# the verdict's TAP lines are printed prefixed with the kernel, and a
# missing or unterminated verdict (crash, panic, hang) counts as failure.
# build/summary-K.txt gets "PASSED FAILED SKIPPED" for scripts/check.sh.
#
# Environment: VM_TIMEOUT (host side, seconds; 0 = none), HSK_TESTS,
# HSK_VERBOSE, HSK_TIMEOUT, HSK_TIMEOUT_<test> (passed to the guest, see
# selftests/run.sh), HSK_APPEND (extra kernel command line).
set -eu

K=${1:?usage: vm.sh 6.1|6.12|distro|debug check|run|shell|bench}
MODE=${2:?usage: vm.sh 6.1|6.12|distro|debug check|run|shell|bench}
cd "$(dirname "$0")/.."

case "$MODE" in
# The debug kernel runs the suite several times slower than the others.
check) [ "$K" = debug ] && : "${VM_TIMEOUT:=3600}"; : "${VM_TIMEOUT:=1200}" ;;
run) : "${VM_TIMEOUT:=600}" ;;
bench) : "${VM_TIMEOUT:=900}" ;;
shell) VM_TIMEOUT=0 ;;
*) echo "vm.sh: unknown mode $MODE" >&2; exit 2 ;;
esac

if [ -z "${HSK_KDIR:-}" ]; then
	kenv=$(scripts/kernel.sh "$K")
	eval "$kenv"
	export HSK_KVER HSK_KDIR HSK_KIMAGE HSK_KMODS
fi
TAG="[$K $HSK_KVER]"

console=build/console-$K.log
verdict=build/verdict-$K.txt
summary=build/summary-$K.txt
rm -f "$console" "$verdict" "$summary"
set -o pipefail
# The bench profiles the receive vCPU with perf.
[ "$MODE" = bench ] && export HSK_EXTRA_BINS="${HSK_EXTRA_BINS:-} /usr/bin/perf"
if ! initrd=$(scripts/initramfs.sh "$K" | tail -n1); then
	echo "$TAG not ok - building hsk.ko, the selftests or the initramfs failed"
	echo "0 1 0" >"$summary"
	echo "$TAG 0 passed, 1 failed, 0 skipped"
	exit 1
fi

# Readable console: loglevel=5 still shows KERN_WARNING, which WARN(),
# lockdep and the KASAN/UBSAN reports use.  A WARN panics, the panic
# reboots, -no-reboot then ends QEMU at once.
append="console=ttyS0 loglevel=5 panic_on_warn=1 oops=panic panic=-1"
append="$append hsk_mode=$MODE"
# Fault injection (selftests/test_faults.sh) aims failslab at these caches
# only: slub_debug's "A" flag is what failslab's cache-filter selects.
if grep -qs '^CONFIG_FAILSLAB=y' "$HSK_KDIR/.config"; then
	append="$append slub_debug=A,hsk_req,TCP,request_sock_TCP"
fi
if grep -qs '^CONFIG_DEBUG_KMEMLEAK_DEFAULT_OFF=y' "$HSK_KDIR/.config"; then
	append="$append kmemleak=on"
fi
# Test knobs reach the guest's /init as environment variables.
for v in $(compgen -v | grep -E '^HSK_(TESTS|VERBOSE|TIMEOUT.*|FUZZ_.*|CHURN_.*|TW_.*|BENCH_.*|FORGED_ACKS|CT_RULES)$' || true); do
	[ -n "${!v}" ] && append="$append $v=${!v}"
done
append="$append ${HSK_APPEND:-}"

# One host thread for both vCPUs (see Documentation/testing.rst), except
# for bench: it measures the busy time of one vCPU while the other
# floods it, and on a shared thread a vCPU waiting for its turn counts
# as busy. It flips no static key while a flood runs.
tcg_thread=single
[ "$MODE" = bench ] && tcg_thread=multi
qemu=(qemu-system-x86_64 -accel tcg,thread=$tcg_thread -cpu max -smp 2 -m 2G
	-nodefaults -no-user-config -nic none -no-reboot -display none
	-kernel "$HSK_KIMAGE" -initrd "$initrd" -append "$append")

if [ "$MODE" = shell ]; then
	# Interactive: Ctrl-A X quits QEMU, Ctrl-A C is its monitor.
	exec "${qemu[@]}" -serial mon:stdio -serial "file:$verdict"
fi

# One VM at a time: two TCG guests on two cores slow each other down
# enough to upset the timing of the tests.
exec 9>"${HSK_VM_LOCK:-/tmp/hsk-vm.lock}"
if ! flock -n 9; then
	echo "$TAG waiting for another test VM to finish"
	flock 9
fi
echo "$TAG booting ($MODE, host timeout ${VM_TIMEOUT}s)"
rc=0
timeout -k 10 "$VM_TIMEOUT" "${qemu[@]}" -monitor none \
	-chardev "stdio,id=con,signal=on,logfile=$console" -serial chardev:con \
	-serial "file:$verdict" </dev/null || rc=$?
touch "$console" "$verdict"
if [ "$rc" = 124 ]; then
	echo "$TAG host timeout: VM killed after ${VM_TIMEOUT}s"
elif [ "$rc" != 0 ]; then
	echo "$TAG qemu exited with $rc"
fi

# The tail of the console: what the guest said last (panic, hang...).
console_tail() {
	local from

	from=$(grep -n '^# hsk: running' "$console" | tail -n1 | cut -d: -f1 || true)
	echo "$TAG ---- console from the last test started (150 lines max) ----"
	tail -n +"${from:-1}" "$console" | tr -d '\r' | tail -n 150
	echo "$TAG ---- end of console ----"
}

v=$(tr -d '\r' 2>/dev/null <"$verdict" || true)
finished=$(echo "$v" | sed -n 's/^HSK-VERDICT-END rc=\([0-9]*\)$/\1/p')
guest_kver=$(echo "$v" | sed -n 's/^HSK-VERDICT-BEGIN //p')

if [ "$MODE" != check ]; then
	if [ -z "$finished" ]; then
		echo "$TAG the guest did not finish"
		console_tail
		exit 1
	fi
	echo "$TAG $MODE exited with $finished"
	[ "$MODE" = bench ] && HSK_BENCH_OUT=build/bench/$K scripts/bench-report.sh "$verdict"
	exit "$finished"
fi

echo "$v" | grep -E '^(not )?ok [0-9]+ ' | sed "s/^/$TAG /" || true
pass=$(echo "$v" | grep -E '^ok [0-9]+ ' | grep -vc '# SKIP' || true)
skip=$(echo "$v" | grep -E '^ok [0-9]+ .*# SKIP' | grep -c . || true)
fail=$(echo "$v" | grep -cE '^not ok [0-9]+ ' || true)

if [ -z "$finished" ]; then
	fail=$((fail + 1))
	last=$(tr -d '\r' <"$console" | sed -n 's/^# hsk: running \([^ ]*\).*/\1/p' | tail -n1)
	splat=$(tr -d '\r' <"$console" | sed -n "${last:+/^# hsk: running $last/,\$}p" |
		grep -m1 -E 'WARNING:|BUG:|Oops|general protection|UBSAN:|Kernel panic' |
		sed 's/^\[ *[0-9.]*\] //' || true)
	echo "$TAG not ok - no complete verdict, ${last:-boot} did not finish: ${splat:-guest hung, timed out or died}"
	console_tail
elif [ "$guest_kver" != "$HSK_KVER" ]; then
	fail=$((fail + 1))
	echo "$TAG not ok - guest ran kernel '$guest_kver', expected $HSK_KVER"
elif [ "$finished" != 0 ] && [ "$fail" = 0 ]; then
	fail=1
	echo "$TAG not ok - runner exited with $finished"
fi

# The runner's failure reports: test output and kernel log.
if [ "$fail" != 0 ]; then
	tr -d '\r' <"$console" |
		sed -n '/^# ---- hsk failure: /,/^# ---- end hsk failure: /p' |
		sed "s/^/$TAG /"
fi

echo "$pass $fail $skip" >"$summary"
echo "$TAG $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
