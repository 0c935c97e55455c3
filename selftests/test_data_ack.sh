#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The third packet of the handshake may carry data: a hand-made final ACK
# with a payload becomes a connection whose first read() returns that
# payload, through a stored entry and through a cookie (mode 2). Behind
# test_firewall's ruleset the cookie case is the one conntrack alone would
# call invalid (a FIN without an entry): hsk shows conntrack the final ACK
# first (CtFinAcks), and only then. The kernel's listener must serve the
# same handshake alike.
#
# hsk-timeout: 240

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

need_module nf_tables
hsk_pair
# hsk_pkt owns no socket: keep the client kernel from resetting.
nft_cli 'tcp flags & rst == rst drop'
serve -n 2

# send_data SPORT TEXT [hsk_pkt options]: handshake by hand, TEXT and FIN
# on the final ACK; the server must read exactly TEXT, then EOF.
send_data() {
	local sport=$1 text=$2

	shift 2
	cli "$PKT" connect "$CADDR" "$sport" "$SADDR" "$PORT" -d "$text" -E "$@" \
		>"$OUT/pkt" 2>&1 || fail "hand-made handshake: $(cat "$OUT/pkt")"
	wait_for "grep -q 'received ${#text}: $text\$' $OUT/server.log" 10 ||
		fail "server did not read '$text': $(cat "$OUT/server.log")"
}

send_data 40001 "payload on the third packet" -T 12345
expect_stat Handoffs 1
expect_stat HalfOpen 0
expect_stat CtFinAcks 0

hsk_set syncookies 2
[ -z "${HSK_CT_RULES:-}" ] || invalid=$(ct_invalid in)
send_data 40002 "cookie payload"
expect_stat Handoffs 2
expect_stat CookiesValid 1
if [ -n "${HSK_CT_RULES:-}" ]; then
	expect_stat CtFinAcks 1
	[ "$(ct_invalid in)" = "$invalid" ] ||
		fail "conntrack called $(($(ct_invalid in) - invalid)) segments invalid"
	[ "$(ct_entries '[A-Z_]*' 40002 40002)" = 1 ] ||
		fail "cookie connection not tracked: $(cat "$SRVNET/nf_conntrack")"
else
	expect_stat CtFinAcks 0
fi

# The kernel's listener, answering with cookies too, serves the same.
hsk_set ports ""
srv sysctl -qw net.ipv4.tcp_syncookies=2
serve -n 1
send_data 40003 "kernel cookie payload"
expect_stat Handoffs 2

check_dmesg_clean
exit "$ksft_pass"
