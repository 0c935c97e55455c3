#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Client side: a client that closes first towards a port in
# net.hsk.tw_remote_ports leaves its TIME_WAIT to hsk, so connect() can
# pick the same local port again at once. With 10 ephemeral ports, 40
# connect/close rounds to one server all succeed, every reply is the
# right one and neither side ever sends an RST (no segment of an old
# connection reached a new one). Without hsk the same loop runs out of
# ports after 10 (EADDRNOTAVAIL).
#
# hsk-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"
. "$(dirname "$0")/tw_lib.sh"

ROUNDS=40

hsk_load
srv_cli

cli_set() {
	cli sh -c "echo '$2' > /proc/sys/net/hsk/$1" || fail "net.hsk.$1=$2 refused in $CLI"
}

cli_counter() {
	cli cat /proc/net/hsk/stat | awk -v n="$1" '$1 == n { print $2 }'
}

# out_rsts NS: Tcp OutRsts of the netns.
out_rsts() {
	in_ns "$1" cat /proc/net/snmp | awk '
		$1 == "Tcp:" && !h { for (i = 2; i <= NF; i++) c[i] = $i; h = 1; next }
		$1 == "Tcp:" { for (i = 2; i <= NF; i++) if (c[i] == "OutRsts") print $i }'
}

serve -n 1000
cli_set tw_remote_ports "$PORT"
cli sysctl -qw net.ipv4.ip_local_port_range="40000 40009" || fail "port range"
tw0=$(tcpext TW "$CLI")

cli "$CONN" burst "$SADDR" "$PORT" -n $ROUNDS -j 1 >"$OUT/b" 2>&1 ||
	fail "with hsk: $(cat "$OUT/b")"
grep -q "^ok $ROUNDS failed 0$" "$OUT/b" || fail "with hsk: $(cat "$OUT/b")"
no_kernel_tw "$CLI"
[ "$(tcpext TW "$CLI")" = "$tw0" ] || fail "TcpExt:TW moved in the client"
[ "$(cli_counter TwEntered)" = $ROUNDS ] ||
	fail "TwEntered $(cli_counter TwEntered), expected $ROUNDS"
reused=$(cli_counter TwLocalReused)
[ "$reused" -ge $((ROUNDS - 10)) ] || fail "only $reused tuples reused"
[ "$(tw_count "$CLI")" -le 10 ] || fail "more entries than ports: $(tw_entries "$CLI")"
[ "$(out_rsts "$CLI")" = 0 ] || fail "client sent $(out_rsts "$CLI") RSTs"
[ "$(out_rsts "$SRV")" = 0 ] || fail "server sent $(out_rsts "$SRV") RSTs"
log "$ROUNDS rounds on 10 ports, $reused entries ended by a new connect(), no RST"

# Control: the same loop without hsk on other ports runs out of them.
cli_set tw_remote_ports ""
cli sysctl -qw net.ipv4.ip_local_port_range="40010 40019" || fail "port range"
cli "$CONN" burst "$SADDR" "$PORT" -n 15 -j 1 >"$OUT/b2" 2>&1
grep -q "^ok 10 failed 5$" "$OUT/b2" || fail "without hsk: $(cat "$OUT/b2")"
[ "$(kernel_tw "$CLI")" = 10 ] || fail "kernel timewait socks: $(kernel_tw "$CLI")"
log "without hsk: $(cat "$OUT/b2")"

check_dmesg_clean
exit "$ksft_pass"
