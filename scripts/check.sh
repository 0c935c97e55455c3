#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make check": the selftest suite in a VM per kernel of $KERNELS
# (default "6.1 6.12 debug"), then one combined line, always the last:
#   N passed, N failed, N skipped
# A kernel whose build or boot failed before any verdict counts as one
# failure.  Exits non-zero on any failure.
set -eu

cd "$(dirname "$0")/.."
# Set but empty is no kernel (a failure), not the default: make turns
# KERNELS=" " into an empty variable.
KERNELS=${KERNELS-6.1 6.12 debug}
pass=0
fail=0
skip=0

mkdir -p build
rm -f build/summary.txt
if ! scripts/deps.sh; then
	echo "check: scripts/deps.sh failed"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

# The debug kernel, when not cached yet, is built at low priority while
# the other kernels' suites run: QEMU's one TCG thread leaves a core
# idle, and the build is most of the debug run's setup time. vm.sh finds
# it done, or waits on the build's lock.
others=$(echo " $KERNELS " | sed 's/ debug / /g')
case " $KERNELS " in
*" debug "*)
	if [[ $others =~ [^[:space:]] ]]; then
		nice -n 19 scripts/debug-kernel.sh >build/debug-kernel.log 2>&1 &
	fi
	;;
esac

# A run on no kernel tests nothing: that is a failure, not a pass.
if ! [[ $KERNELS =~ [^[:space:]] ]]; then
	echo "check: KERNELS='$KERNELS' names no kernel (6.1, 6.12, distro, debug)"
	fail=1
fi

# The DKMS package builds for every installed kernel: one verdict, host
# side, in the full suite (not for a chosen few HSK_TESTS).
if [ -z "${HSK_TESTS:-}" ]; then
	if scripts/dkms.sh check; then
		echo "[host] ok - dkms builds hsk for every installed kernel"
		pass=$((pass + 1))
	else
		echo "[host] not ok - dkms build"
		fail=$((fail + 1))
	fi
fi

# The results of kernel $1's run, added to the totals.
count() {
	local p f s

	if [ -r "build/summary-$1.txt" ]; then
		read -r p f s <"build/summary-$1.txt"
	else
		echo "[$1] not ok - no result: building or booting the VM failed"
		p=0 f=1 s=0
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
}

# The debug suite takes longest and leaves a core idle (one TCG thread):
# with HSK_CHECK_PARALLEL=1 (the default) the last other kernel's suite
# runs beside it, on that core, its output held until both are done.
# Each of the two VMs keeps its own lock; anything else still waits.
list=
for k in $KERNELS; do
	case "$k" in
	6.1 | 6.12 | distro | debug) list="$list $k" ;;
	*)
		echo "check: unknown kernel '$k' (6.1, 6.12, distro or debug)"
		fail=$((fail + 1))
		;;
	esac
done
beside=
if [ "${HSK_CHECK_PARALLEL:-1}" = 1 ] && [[ " $list " == *" debug "* ]]; then
	beside=$(echo "$list" | tr ' ' '\n' | grep -vx debug | grep . | tail -n1 || true)
fi

for k in $list; do
	[ "$k" = "$beside" ] && continue
	rm -f "build/summary-$k.txt"
	if [ "$k" = debug ] && [ -n "$beside" ]; then
		rm -f "build/summary-$beside.txt"
		HSK_VM_LOCK=/tmp/hsk-vm-beside.lock scripts/vm.sh "$beside" check \
			>"build/check-$beside.log" 2>&1 &
		bpid=$!
		scripts/vm.sh debug check || true
		wait "$bpid" || true
		cat "build/check-$beside.log"
		count "$beside"
	else
		scripts/vm.sh "$k" check || true
	fi
	count "$k"
done

# Kept in a file too: .ci/run repeats it after make's own error line.
echo "$pass passed, $fail failed, $skip skipped" | tee build/summary.txt
[ "$fail" = 0 ]
