#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The TIME_WAIT knobs: every sysctl's bounds (a refused value keeps the
# old one), net.hsk.msl_ms applying to new entries only, net.hsk.max_tw
# full recycling the oldest entry, and rmmod with many live entries.
#
# hsk-timeout: 900

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"
. "$(dirname "$0")/tw_lib.sh"

# 10^4 live entries at rmmod; the debug guest makes connections several
# times slower, so make check asks it for fewer (make stress: 10^4 on both).
ENTRIES=10000
debug_kernel && ENTRIES=500
ENTRIES=${HSK_TW_ENTRIES:-$ENTRIES}

hsk_pair

# refused NAME VALUE: the write fails and NAME keeps its value.
refused() {
	local old

	old=$(srv cat "/proc/sys/net/hsk/$1")
	srv sh -c "echo '$2' > /proc/sys/net/hsk/$1" 2>/dev/null &&
		fail "net.hsk.$1=$2 accepted"
	[ "$(srv cat "/proc/sys/net/hsk/$1")" = "$old" ] ||
		fail "net.hsk.$1 changed by the refused $2"
}

# accepted NAME VALUE [SHOWN]
accepted() {
	hsk_set "$1" "$2"
	[ "$(srv cat "/proc/sys/net/hsk/$1")" = "${3:-$2}" ] ||
		fail "net.hsk.$1 reads $(srv cat "/proc/sys/net/hsk/$1") after $2"
}

[ "$(srv cat /proc/sys/net/hsk/msl_ms)" = 30000 ] || fail "msl_ms default"
[ "$(srv cat /proc/sys/net/hsk/rfc1337)" = 1 ] || fail "rfc1337 default"
[ -z "$(srv cat /proc/sys/net/hsk/tw_remote_ports)" ] || fail "tw_remote_ports default"
for v in 9 300001 -1 0 abc "" "10 20" 1e3; do refused msl_ms "$v"; done
accepted msl_ms 10
accepted msl_ms 300000
for v in 0 -1 16777217 x; do refused max_tw "$v"; done
accepted max_tw 1
accepted max_tw 16777216
for v in -1 2 x; do refused rfc1337 "$v"; done
accepted rfc1337 0
accepted rfc1337 1
for v in 0 65536 "80-" "90-80" "a" "80,"; do refused tw_remote_ports "$v"; done
accepted tw_remote_ports "443, 80,8000-8002" "80,443,8000-8002"
accepted tw_remote_ports ""
log "sysctl bounds hold"

# msl_ms applies to entries made after the change.
serve -n 100000 -c
hsk_set max_tw 262144
hsk_set msl_ms 60000
tw_conn e_long
hsk_set msl_ms 1000
tw_conn e_short
p_long=$(tw_rport "$e_long")
p_short=$(tw_rport "$e_short")
wait_for "! tw_has $p_short" 10 || fail "the 2 s entry did not expire"
tw_has "$p_long" || fail "the 120 s entry expired with the 2 s one"
log "msl_ms change: new entry gone, old one kept"

# max_tw full: the oldest goes first.
hsk_set msl_ms 60000
hsk_set max_tw 3
recycled=$(counter TwRecycled)
[ "$(tw_count)" = 1 ] || fail "entries: $(tw_entries)"
tw_conn e
first=$(tw_rport "$e")
tw_conn e
[ "$(counter TwRecycled)" = "$recycled" ] || fail "recycled below max_tw"
tw_conn e
[ "$(tw_count)" = 3 ] || fail "$(tw_count) entries with max_tw 3"
[ "$(counter TwRecycled)" = $((recycled + 1)) ] ||
	fail "TwRecycled $(counter TwRecycled), expected $((recycled + 1))"
tw_has "$p_long" && fail "the oldest entry survived"
tw_has "$first" || fail "a newer entry was recycled before the oldest"
expect_stat TimeWait 3
log "max_tw 3: $(counter TwRecycled) recycled, oldest first"

# rmmod with many live entries.
# connect() may pick a port again whose tuple hsk holds (the client has
# no TIME_WAIT of its own here); that new SYN ends the entry, so rounds
# go on until enough are live.
hsk_set max_tw 262144
cli sysctl -qw net.ipv4.ip_local_port_range="1024 65535" || fail "port range"
round=0
while [ "$(counter TimeWait)" -lt "$ENTRIES" ]; do
	round=$((round + 1))
	[ $round -le 10 ] || fail "only $(counter TimeWait) entries"
	cli "$CONN" burst "$SADDR" "$PORT" -n $((ENTRIES / 2)) -j 4 -e >"$OUT/b" 2>&1 ||
		fail "burst: $(cat "$OUT/b")"
done
# Under this churn the takeover may give up on a closing (its list full,
# or the socket still closing after 16 looks): the kernel keeps those
# timewait socks, and each is counted.
wait_for '[ "$(kernel_tw)" -le "$(counter TwLeftToKernel)" ]' 5 ||
	fail "$(kernel_tw) kernel timewait socks, $(counter TwLeftToKernel) left to the kernel ($(nonzero_stats))"
log "left to the kernel: $(kernel_tw) timewait socks, $(counter TwLeftToKernel) closings given up"
log "unloading with $(counter TimeWait) live entries"
hsk_unload
check_dmesg_clean
cli "$CONN" connect "$SADDR" "$PORT" -e >"$OUT/c" ||
	fail "server unreachable after rmmod: $(cat "$OUT/c")"
hsk_load
check_dmesg_clean
exit "$ksft_pass"
