#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hsk.ko loads and unloads cleanly: it shows up in lsmod and sysfs, goes
# away on rmmod, survives 20 load/unload cycles, and the kernel logs no
# splat meanwhile.
#
# hsk-timeout: 300

. "$(dirname "$0")/lib.sh"

CYCLES=20

hsk_load
lsmod | grep -q '^hsk ' || fail "hsk missing from lsmod after insmod"
[ -d /sys/module/hsk ] || fail "/sys/module/hsk missing after insmod"

hsk_unload
! lsmod | grep -q '^hsk ' || fail "hsk still in lsmod after rmmod"
[ ! -d /sys/module/hsk ] || fail "/sys/module/hsk still present after rmmod"

for _ in $(seq "$CYCLES"); do
	hsk_load
	hsk_unload
done
log "$CYCLES load/unload cycles done"

check_dmesg_clean
exit "$ksft_pass"
