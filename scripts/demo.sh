#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Placeholder demo for "make run", run inside the guest: load hsk and
# show its counters.  To be replaced by the real demo.
[ -d /sys/module/hsk ] || insmod /hsk/hsk.ko || exit 1
cat /proc/net/hsk/stat 2>/dev/null
exit 0
