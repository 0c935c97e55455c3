#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the first cookie period (64 s) the period before it never existed,
# so no key was ever drawn for its slot. An ACK whose cookie names that
# slot must not be checked at all: checked against the slot's unset key
# (all zeros), anyone could forge it. hsk is loaded with its cookie clock
# starting at load (cookie_clock_from_load=1), so the test is in period 0
# whatever the uptime. In cookie-only mode, where every ACK without an
# entry is checked as a cookie:
#  - a real client connects (cookies work in period 0);
#  - a bare ACK carrying the cookie a zero key gives (hsk_pkt zerocookie)
#    is answered with a RST, as any invalid cookie, and the server never
#    accepts it; the same with data on the ACK is dropped, not accepted.
#
# hsk-timeout: 120

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

hsk_load cookie_clock_from_load=1
loaded=$(date +%s)
srv_cli
hsk_set ports "$PORT"
hsk_set syncookies 2
serve -p -n 2 -T 3
cli "$NFT" -f - <<EOT || fail "nft rules in $CLI"
table inet hsktest {
	chain out {
		type filter hook output priority 0;
		tcp flags & rst == rst drop
	}
}
EOT

out=$(cli "$CONN" connect "$SADDR" "$PORT" -t 5 -d real 2>&1) ||
	fail "a real client failed in period 0: $out"
[ "$out" = "reply: got 4" ] || fail "real client: '$out'"

# forge SPORT [hsk_pkt send options]: a final ACK from SPORT for ISN 5000
# whose cookie the zero key makes; prints what came back.
forge() {
	local sport=$1 cookie

	shift
	cookie=$(cli "$PKT" zerocookie "$CADDR" "$sport" "$SADDR" "$PORT" 5000 4294967295)
	[ -n "$cookie" ] || fail "hsk_pkt zerocookie printed nothing"
	cli "$PKT" recv "$PORT" -p "$sport" -c 1 -t 3000 >"$OUT/reply" &
	wait_for "cli grep -q ' 00000000:0000 07' /proc/net/raw" 10 ||
		fail "capture socket not open"
	cli "$PKT" send "$CADDR" "$sport" "$SADDR" "$PORT" -f A -q 5001 \
		-a $(((cookie + 1) % 4294967296)) "$@"
	wait $!
}

forge 40001
grep -Eq ' [A-Z]*R[A-Z]* ' "$OUT/reply" ||
	fail "forged bare ACK not reset: '$(cat "$OUT/reply")' ($(nonzero_stats))"
forge 40002 -f AP -d forged
[ ! -s "$OUT/reply" ] || grep -Eq ' [A-Z]*R[A-Z]* ' "$OUT/reply" ||
	fail "forged ACK with data answered: '$(cat "$OUT/reply")'"
sleep 1
grep -Eq 'peer 4000[12]' "$OUT/server.log" &&
	fail "the server accepted a forged connection: $(tr '\n' ' ' <"$OUT/server.log")"
[ "$(counter CookiesInvalid)" -ge 2 ] ||
	fail "CookiesInvalid is $(counter CookiesInvalid), expected 2 ($(nonzero_stats))"
[ $(($(date +%s) - loaded)) -lt 60 ] ||
	fail "the checks ran past period 0 ($(($(date +%s) - loaded)) s after load): nothing shown"
log "forged cookies refused in period 0: $(nonzero_stats)"

check_dmesg_clean
exit "$ksft_pass"
