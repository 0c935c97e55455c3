#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The third packet of the handshake may carry data: a hand-made final ACK
# with a payload becomes a connection whose first read() returns that
# payload, through a stored entry and through a cookie (mode 2).
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

hsk_set syncookies 2
send_data 40002 "cookie payload"
expect_stat Handoffs 2
expect_stat CookiesValid 1

check_dmesg_clean
exit "$ksft_pass"
