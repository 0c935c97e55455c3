#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# test_handshake, test_cookies, test_retrans and test_data_ack again,
# each behind the stateful firewall of test_conntrack (ct_ruleset in
# hsk_lib.sh with HSK_CT_RULES=drop: conntrack, input policy drop, and
# output dropping what conntrack calls invalid), so every kind of
# handshake they make is seen to get through one. test_cookies forges
# fewer ACKs here: what is tested is the firewall, not the MAC. The
# debug kernel runs it too, for hsk's conntrack re-entry path (the final
# ACK handed to conntrack) under KASAN and lockdep.
#
# hsk-timeout: 600

. "$(dirname "$0")/lib.sh"

FORGED=20000
debug_kernel && FORGED=2000

need_module nf_tables nft_ct nf_conntrack
for t in test_handshake test_cookies test_retrans test_data_ack; do
	log "$t behind the firewall"
	HSK_CT_RULES=drop HSK_FORGED_ACKS=${HSK_FORGED_ACKS:-$FORGED} \
		"$(dirname "$0")/$t.sh"
	rc=$?
	[ "$rc" = "$ksft_skip" ] && exit "$ksft_skip"
	[ "$rc" = 0 ] || fail "$t behind the firewall: exit code $rc"
done
exit "$ksft_pass"
