#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A security module refusing connections (security_inet_conn_request())
# must refuse them through hsk exactly as through the kernel: at the SYN,
# silently, with no SYN-ACK ever sent. A BPF LSM program (hsk_lsm, loaded
# with the raw bpf() syscall) refuses every request; a client's connect()
# then times out against the kernel's own listener and against hsk in
# stateful (syncookies=1) and cookie (=2) modes, the client's nftables
# counters see no SYN-ACK, the server accepts nothing, ListenDrops moves
# in every round and hsk's LsmRefused in its rounds. Once the program is
# detached the same connections succeed.
#
# Then the check when the handshake completes: a program refusing only
# requests without a listener passes hsk's stateful SYN (its request
# sock names the listener) and refuses the final ACK's (made as the
# kernel's cookie_v4_check() makes it): the ACK must be dropped without
# a RST and without a connection, counted in LsmRefused, not
# HandoffFailed.
#
# The BPF LSM needs vmlinux BTF and "bpf" among the active LSMs: the
# distro kernel has both, the debug kernel neither (no BTF, no LSM).
#
# hsk-timeout: 120

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

LSM=$HSK_DIR/hsk_lsm

[ -r /sys/kernel/btf/vmlinux ] ||
	skip "no /sys/kernel/btf/vmlinux: kernel built without CONFIG_DEBUG_INFO_BTF"
grep -qw bpf /sys/kernel/security/lsm 2>/dev/null ||
	skip "BPF LSM not active (CONFIG_BPF_LSM, \"bpf\" in lsm=): $(cat /sys/kernel/security/lsm 2>&1)"

hsk_pair
serve -p -n 100
# The client counts what it receives from the server; hsk_pkt owns no
# socket, so its kernel's RSTs are dropped.
cli "$NFT" -f - <<EOT || fail "nft rules in $CLI"
table inet hsklsm {
	chain in {
		type filter hook input priority 0;
		tcp sport $PORT tcp flags & (syn | ack) == (syn | ack) counter comment "synack"
		tcp sport $PORT tcp flags & rst == rst counter comment "rst"
	}
	chain out {
		type filter hook output priority 0;
		tcp flags & rst == rst drop
	}
}
EOT

# nft_count VAR synack|rst: the packets of that kind the client received
# go to $VAR (not to stdout: a fail inside a command substitution would
# not end the test).
nft_count() {
	local _nc

	_nc=$(cli "$NFT" list chain inet hsklsm in | awk -v c="\"$2\"" '
	$NF == c { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }')
	case "$_nc" in
	'' | *[!0-9]*) fail "no nft counter $2: $(cli "$NFT" list chain inet hsklsm in)" ;;
	esac
	eval "$1=\$_nc"
}

listen_drops() {
	kernel_mibs | awk '$1 == "TcpExtListenDrops" { print $2 }'
}

accepted() {
	grep -c '^peer ' "$OUT/server.log"
}

# attach MODE: hsk_lsm MODE holds its program until stopped by detach.
attach() {
	"$LSM" "$1" >"$OUT/lsm.log" 2>&1 &
	LSM_PID=$!
	hsk_defer "kill $LSM_PID 2>/dev/null"
	wait_for "grep -q '^attached' $OUT/lsm.log" 10 ||
		fail "hsk_lsm $1: $(cat "$OUT/lsm.log")"
}

detach() {
	kill "$LSM_PID"
	wait "$LSM_PID" || fail "hsk_lsm: $(cat "$OUT/lsm.log")"
	grep -q '^detached' "$OUT/lsm.log" || fail "hsk_lsm did not detach"
}

# refused WHAT: a connect() with a 2 s timeout (its SYN and one
# retransmission) must fail, no SYN-ACK reaching the client, no
# connection accepted, the listener's drops counted.
refused() {
	local synack rst drops acc out n

	nft_count synack synack
	nft_count rst rst
	drops=$(listen_drops)
	acc=$(accepted)
	out=$(cli "$CONN" connect "$SADDR" "$PORT" -t 2 -d refused 2>&1) &&
		fail "$1: connected although refused: $out"
	sleep 0.5
	nft_count n synack
	[ "$n" = "$synack" ] || fail "$1: the client got a SYN-ACK ($synack -> $n)"
	nft_count n rst
	[ "$n" = "$rst" ] || fail "$1: the client got a RST"
	[ "$(accepted)" = "$acc" ] || fail "$1: the server accepted a connection"
	[ "$(listen_drops)" -gt "$drops" ] ||
		fail "$1: TcpExtListenDrops did not move ($drops)"
	log "$1: refused, no SYN-ACK: ${out##*: }"
}

# admitted WHAT: the same connection succeeds and is accepted.
admitted() {
	local acc out

	acc=$(accepted)
	out=$(cli "$CONN" connect "$SADDR" "$PORT" -t 10 -d admitted 2>&1) ||
		fail "$1: connect failed: $out"
	wait_for "[ \$(accepted) -gt $acc ]" 10 || fail "$1: the server accepted nothing"
}

attach all

hsk_set ports ""
refused "kernel listener"
expect_stat SynReceived 0

hsk_set ports "$PORT"
for mode in 1 2; do
	hsk_set syncookies "$mode"
	before=$(counter LsmRefused)
	refused "hsk, syncookies=$mode"
	[ "$(counter LsmRefused)" -gt "$before" ] ||
		fail "syncookies=$mode: LsmRefused did not move ($(nonzero_stats))"
done
expect_stat SynAckSent 0
expect_stat HalfOpen 0

detach
for mode in 2 1; do
	hsk_set syncookies "$mode"
	admitted "hsk, syncookies=$mode, detached"
done
hsk_set ports ""
admitted "kernel listener, detached"
hsk_set ports "$PORT"
settle

# When the handshake completes.
attach cookie
refused_before=$(counter LsmRefused)
handoffs=$(counter Handoffs)
nft_count rst rst
nft_count synack synack
acc=$(accepted)
cli "$PKT" connect "$CADDR" 40001 "$SADDR" "$PORT" -d "final ACK" >"$OUT/pkt" 2>&1 ||
	fail "stateful SYN refused by the ACK-time program: $(cat "$OUT/pkt")"
wait_stat LsmRefused $((refused_before + 1))
sleep 1
nft_count n rst
[ "$n" = "$rst" ] || fail "ACK time: the refused client got a RST"
nft_count n synack
[ "$n" = $((synack + 1)) ] || fail "ACK time: $((n - synack)) SYN-ACKs, expected 1"
[ "$(accepted)" = "$acc" ] || fail "ACK time: the server accepted the refused connection"
expect_stat Handoffs "$handoffs"
expect_stat HandoffFailed 0
expect_stat HalfOpen 0
log "ACK time: refused silently ($(nonzero_stats))"
detach

check_dmesg_clean
exit "$ksft_pass"
