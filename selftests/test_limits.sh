#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What a namespace costs, and who may raise it.
#  - Memory: hsk's tables of a new netns (half-open buckets, TIME_WAIT
#    table, counters) are charged to the memory cgroup of the process
#    that creates the netns. 16 netns made from a cgroup of their own,
#    once with hsk loaded and once without: the difference in the
#    cgroup's memory.current must be at least 16 x 512 KiB (the TIME_WAIT
#    table alone is more than that at the default max_tw).
#  - Limits: in a netns owned by a user namespace other than the initial
#    one (which an unprivileged user may create), max_syn_backlog,
#    accept_backlog, accept_backlog_max and max_tw start at no more than
#    the initial netns' values and cannot be written past them (EINVAL);
#    lower values are taken. A netns of the initial user namespace may
#    still go past them.
# Both need kernel features the debug kernel is built without (memory
# cgroups, user namespaces): there the test skips, naming them.
#
# hsk-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

CG=/sys/fs/cgroup
N=16
SYS=/proc/sys/net/hsk

[ -e /proc/self/ns/user ] || skip "kernel without user namespaces (CONFIG_USER_NS)"
if ! grep -q cgroup2 /proc/mounts; then
	mkdir -p "$CG"
	mount -t cgroup2 none "$CG" || fail "cannot mount cgroup2"
	hsk_defer "umount $CG"
fi
grep -qw memory "$CG/cgroup.controllers" ||
	skip "kernel without the memory controller (CONFIG_MEMCG)"
echo +memory >"$CG/cgroup.subtree_control" || fail "memory controller not enabled"
# A cgroup for each round: what the first round's netns free later is
# not counted in the second's.
for c in a b; do
	mkdir "$CG/hsk-limits-$c" || fail "cgroup"
	hsk_defer "rmdir $CG/hsk-limits-$c"
done

# charged CGROUP: bytes memory.current grows by while a process in
# CGROUP creates $N netns (each held by a sleeping process).
charged() {
	rm -rf "$OUT/up"
	mkdir "$OUT/up"
	sh -c '
		cg=$1 n=$2 up=$3 pids=
		echo $$ >"$cg/cgroup.procs" || exit 1
		before=$(cat "$cg/memory.current")
		i=0
		while [ $i -lt $n ]; do
			unshare -n sh -c "touch $up/$i; exec sleep 30" &
			pids="$pids $!"
			i=$((i + 1))
		done
		while [ $(ls "$up" | wc -l) -lt $n ]; do
			sleep 0.1
		done
		after=$(cat "$cg/memory.current")
		kill $pids
		wait
		echo $((after - before))' sh "$CG/$1" "$N" "$OUT/up"
}

plain=$(charged hsk-limits-a) || fail "cgroup run without hsk"
hsk_load
with=$(charged hsk-limits-b) || fail "cgroup run with hsk"
diff=$((with - plain))
log "$N netns charged $plain bytes without hsk, $with with it"
[ "$diff" -ge $((N * 512 * 1024)) ] ||
	fail "hsk's tables of $N netns charged $diff bytes, expected at least $((N * 512 * 1024))"

log "limits in a netns of another user namespace"
for kv in max_syn_backlog=2048 accept_backlog=4 accept_backlog_max=1000 max_tw=5000; do
	old=$(cat "$SYS/${kv%%=*}")
	hsk_defer "echo $old > $SYS/${kv%%=*}"
	echo "${kv#*=}" >"$SYS/${kv%%=*}" || fail "init netns: ${kv%%=*}"
done
unshare -r -n sh -c '
	s=/proc/sys/net/hsk
	for n in max_syn_backlog accept_backlog_max max_tw; do
		echo "start $n $(cat $s/$n)"
	done
	for kv in max_syn_backlog=2049 accept_backlog=5 accept_backlog_max=1001 \
		  max_tw=5001; do
		if echo "${kv#*=}" 2>/dev/null >$s/${kv%%=*}; then
			echo "raised ${kv%%=*}"
		fi
	done
	for kv in max_syn_backlog=1000 accept_backlog=4 accept_backlog_max=10 max_tw=100; do
		echo "${kv#*=}" >$s/${kv%%=*} || echo "refused ${kv%%=*}"
	done
	echo "end $(cat $s/max_tw)"' >"$OUT/userns" 2>&1 || fail "unshare: $(cat "$OUT/userns")"
grep -q 'raised\|refused' "$OUT/userns" && fail "userns netns: $(tr '\n' ' ' <"$OUT/userns")"
for want in "start max_syn_backlog 2048" "start accept_backlog_max 1000" \
	    "start max_tw 5000" "end 100"; do
	grep -qx "$want" "$OUT/userns" ||
		fail "userns netns: no '$want' in: $(tr '\n' ' ' <"$OUT/userns")"
done
srv_cli
hsk_set max_tw 6000
hsk_set accept_backlog 16
log "userns netns: $(tr '\n' ' ' <"$OUT/userns")"

check_dmesg_clean
exit "$ksft_pass"
