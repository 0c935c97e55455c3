#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The options hsk negotiates in its SYN-ACK become the options of the
# child socket: for every variant (all on, no timestamps, no window
# scaling, no SACK, a small MSS, ECN asked for), stateful and with cookies
# only, TCP_INFO of the client and of the accepted socket must agree with
# each other and with what the client offered. hsk does not negotiate
# ECN: a client asking for it gets a working connection without.
#
# hsk-timeout: 300
# hsk-debug-check: off, SYN-ACK options against the kernel's; all handshakes build them

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

# field NAME FILE: the value of NAME=... on the TCP_INFO line in FILE.
field() {
	grep -o " $1=[0-9]*" "$2" | head -n1 | cut -d= -f2
}

# same A_FIELD A_FILE B_FIELD B_FILE: the two must match.
same() {
	local a b

	a=$(field "$1" "$2")
	b=$(field "$3" "$4")
	[ -n "$a" ] && [ "$a" = "$b" ] ||
		fail "$variant: client $1=$a but server $3=$b"
}

# expect NAME VALUE FILE
expect() {
	local v

	v=$(field "$1" "$3")
	[ "$v" = "$2" ] || fail "$variant: $1=$v in $3, expected $2"
}

# variant NAME SYSCTL VALUE [client options]: one connection with the
# client netns sysctl changed; checks both ends.
variant() {
	local sysctl=$2 value=$3 n

	variant=$1
	shift 3
	cli sysctl -qw net.ipv4.tcp_timestamps=1 net.ipv4.tcp_sack=1 \
		net.ipv4.tcp_window_scaling=1 net.ipv4.tcp_ecn=2
	[ -n "$sysctl" ] && cli sysctl -qw "net.ipv4.$sysctl=$value"
	n=$(counter Handoffs)
	serve -n 1 -i
	cli "$CONN" connect "$SADDR" "$PORT" -i "$@" >"$OUT/client" ||
		fail "$variant: connect: $(cat "$OUT/client")"
	wait_for "grep -q '^server ' $OUT/server.log" 10 ||
		fail "$variant: no server TCP_INFO"
	wait_stat Handoffs $((n + 1))
	grep '^server ' "$OUT/server.log" >"$OUT/server"
	log "$variant: $(cat "$OUT/server")"

	same ts "$OUT/client" ts "$OUT/server"
	same sack "$OUT/client" sack "$OUT/server"
	same wscale "$OUT/client" wscale "$OUT/server"
	same ecn "$OUT/client" ecn "$OUT/server"
	same snd_wscale "$OUT/client" rcv_wscale "$OUT/server"
	same rcv_wscale "$OUT/client" snd_wscale "$OUT/server"
	expect ts "$EXP_TS" "$OUT/server"
	expect sack "$EXP_SACK" "$OUT/server"
	expect wscale "$EXP_WS" "$OUT/server"
	expect snd_mss "$EXP_MSS" "$OUT/server"
	expect ecn 0 "$OUT/server"
}

hsk_pair
for mode in 1 2; do
	hsk_set syncookies $mode
	EXP_TS=1 EXP_SACK=1 EXP_WS=1 EXP_MSS=1448
	variant "mode $mode, all options" ""
	EXP_TS=0 EXP_MSS=1460
	variant "mode $mode, no timestamps" tcp_timestamps 0
	EXP_TS=1 EXP_WS=0 EXP_MSS=1448
	variant "mode $mode, no window scaling" tcp_window_scaling 0
	EXP_WS=1 EXP_SACK=0
	variant "mode $mode, no SACK" tcp_sack 0
	EXP_SACK=1 EXP_MSS=524
	variant "mode $mode, MSS 536" "" "" -m 536
	EXP_MSS=1448
	variant "mode $mode, ECN asked for" tcp_ecn 1
done
expect_stat CookiesValid 6
expect_stat CookiesInvalid 0

check_dmesg_clean
exit "$ksft_pass"
