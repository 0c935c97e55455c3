# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Helpers of the TIME_WAIT tests, after hsk_lib.sh. Entries are read from
# /proc/net/hsk/timewait: $2 local, $3 remote, $4 state, $5 ms left,
# $6 rcv_nxt, $7 snd_nxt, $8 ts_recent (hex).

# tw_entries [NS]: the entry lines of the netns (default $SRV).
tw_entries() {
	in_ns "${1:-$SRV}" cat /proc/net/hsk/timewait | tail -n +2
}

tw_count() {
	tw_entries "$@" | wc -l
}

# kernel_tw [NS]: the kernel's own timewait socks in the netns.
kernel_tw() {
	in_ns "${1:-$SRV}" $SS -Htan state time-wait | wc -l
}

# no_kernel_tw [NS]: the kernel holds no timewait sock in the netns (by
# default $SRV). hsk takes each over about a millisecond after the
# segment that made it, so the last one may still be there at first.
no_kernel_tw() {
	wait_for "[ \"\$(kernel_tw ${1:-})\" = 0 ]" 5 ||
		fail "kernel timewait socks${1:+ in $1}: $(in_ns "${1:-$SRV}" $SS -Htan state time-wait | tr '\n' ' ') ($(nonzero_stats))"
}

# tcpext NAME [NS]: one TcpExt counter of the netns.
tcpext() {
	in_ns "${2:-$SRV}" cat /proc/net/netstat | awk -v n="$1" '
		$1 == "TcpExt:" && !h { for (i = 2; i <= NF; i++) c[i] = $i; h = 1; next }
		$1 == "TcpExt:" { for (i = 2; i <= NF; i++) if (c[i] == n) print $i }'
}

# tw_new: the entries not in $OUT/tw_before.
tw_new() {
	tw_entries | awk -v f="$OUT/tw_before" '
		BEGIN { while ((getline l < f) > 0) { split(l, a, " "); s[a[3]] = 1 } }
		!($3 in s) { print }'
}

# tw_conn VAR [connect options]: one connection to the close-first
# server, which must be running; the hsk entry it left behind goes to
# $VAR, not to stdout: a fail inside $(...) would end only the subshell.
tw_conn() {
	local var=$1 entry

	shift
	tw_entries >"$OUT/tw_before"
	cli "$CONN" connect "$SADDR" "$PORT" -e "$@" >"$OUT/tw_conn" ||
		fail "connection: $(cat "$OUT/tw_conn")"
	grep -q '^reply: got' "$OUT/tw_conn" || fail "reply: $(cat "$OUT/tw_conn")"
	wait_for '[ -n "$(tw_new_tw)" ]' 10 || fail "no new TIME_WAIT entry"
	entry=$(tw_new_tw | head -n 1)
	[ -n "$entry" ] || fail "the new TIME_WAIT entry went away"
	eval "$var=\$entry"
}

tw_new_tw() {
	tw_new | awk '$4 == "06"'
}

# tw_field LINE N: field N of an entry line; ports and numbers in decimal.
tw_field() {
	echo "$1" | awk -v n="$2" '{ print $n }'
}

tw_rport() {
	local r

	r=$(tw_field "$1" 3)
	echo $((0x${r#*:}))
}

tw_hex() {
	echo $((0x$(tw_field "$1" "$2")))
}

# tw_has RPORT: is there an entry for the client port?
tw_has() {
	tw_entries | awk -v p="$(printf ':%04X' "$1")" '
		substr($3, length($3) - 4) == p { f = 1 } END { exit !f }'
}

# u32 N: N modulo 2^32 (sequence arithmetic in the shell).
u32() {
	echo $((($1) & 0xffffffff))
}
