#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Listener features real servers use must behave with hsk exactly as
# without it. Every scenario runs twice, first with the port left to the
# kernel (not in net.hsk.ports), then with hsk taking it, and what the
# clients and servers saw must be the same:
#  - a classic BPF socket filter on the listener (SO_ATTACH_FILTER): one
#    dropping all of a client's segments (no SYN-ACK: the connect times
#    out), one dropping its segments with ACK set (the final ACK: the
#    server never accepts), other clients unaffected;
#  - an SO_REUSEPORT group of two servers: each connection, from fixed
#    4-tuples, lands on the same member as with the kernel; after one
#    member closes every connection goes to the other;
#  - TCP_DEFER_ACCEPT: accept() returns only once data came;
#  - TCP_FASTOPEN on the listener: clients with a cookie from the kernel
#    round send data in the SYN; hsk acknowledges only the SYN and they
#    fall back, data intact;
#  - a listener bound to an address and a device, with SO_RCVBUF and
#    TCP_MAXSEG: both ends negotiate the same options, MSS and window
#    scale; listeners bound elsewhere leave the client refused;
#  - a listener with a 4 MB SO_RCVBUF: the initial receive window hsk
#    computes (its copy of tcp_select_initial_window(), which 6.1 and
#    6.12 differ in) shows in the server's rcv_ssthresh and in the
#    window the client was offered (snd_wnd), which must be the kernel's.
#
# hsk-timeout: 400

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

hsk_pair
# The reuseport rounds reuse their 4-tuples: no TIME_WAIT in between.
cli sysctl -qw net.ipv4.tcp_max_tw_buckets=0 || fail "tcp_max_tw_buckets"
srv sysctl -qw net.ipv4.tcp_fastopen=3 || fail "tcp_fastopen"

# client LABEL [hsk_conn connect options]: one connection, its outcome
# (reply or error, TCP_INFO without the RTT) appended to $RES.
client() {
	local label=$1 out

	shift
	out=$(cli "$CONN" connect "$SADDR" "$PORT" -t 3 "$@" 2>&1) ||
		out="failed: $(echo "$out" | tail -n1)"
	echo "$label: $(echo "$out" | sed 's/ rtt_us=[0-9]*//' | tr '\n' ' ')" >>"$RES"
}

# server_done WHAT: the test server must end by itself (it accepts a
# fixed number of connections, then closes its listener) within 20 s.
server_done() {
	wait_for "! grep -q ':$PORT_HEX [0-9A-F]*:0000 0A' $SRVNET/tcp" 20 ||
		fail "$1: the server is still waiting: $(tr '\n' ' ' <"$OUT/server.log")"
	wait "$SERVER_PID"
}

# stop_server: end the test server, wait for its listener to go.
stop_server() {
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	wait_for "! grep -q ':$PORT_HEX [0-9A-F]*:0000 0A' $SRVNET/tcp" 10 ||
		fail "listener still there"
}

# member NAME: start a member of an SO_REUSEPORT group, logging to
# $OUT/NAME, its pid in $MEMBER.
member() {
	local before

	before=$(grep -c ":$PORT_HEX 00000000:0000 0A" "$SRVNET/tcp")
	$IP netns exec "$SRV" "$CONN" serve "$PORT" -r -p -n 1000 >"$OUT/$1" 2>&1 &
	MEMBER=$!
	hsk_defer "kill $MEMBER 2>/dev/null"
	wait_for "[ \$(grep -c ':$PORT_HEX 00000000:0000 0A' $SRVNET/tcp) -gt $before ]" 10 ||
		fail "reuseport member $1 did not listen"
}

# round: all scenarios, client ports from $BASE.
round() {
	local p a b

	# A socket filter dropping all of a client's segments.
	serve -n 1 -A $((BASE + 1))
	client filtered -b $((BASE + 1))
	client unfiltered -b $((BASE + 2)) -d through
	server_done "filter"
	echo "filter server: $(tr '\n' ' ' <"$OUT/server.log")" >>"$RES"

	# SO_REUSEPORT: same 4-tuples in both rounds.
	member A
	a=$MEMBER
	member B
	b=$MEMBER
	for p in $(seq 45001 45016); do
		client "reuseport $p" -b "$p" -d x
	done
	kill "$b"
	wait "$b" 2>/dev/null
	for p in $(seq 45101 45108); do
		client "reuseport after close $p" -b "$p" -d x
	done
	kill "$a"
	wait "$a" 2>/dev/null
	for p in $(seq 45001 45016) $(seq 45101 45108); do
		if grep -qx "peer $p" "$OUT/A"; then
			echo "port $p: A" >>"$RES"
		elif grep -qx "peer $p" "$OUT/B"; then
			echo "port $p: B" >>"$RES"
		else
			echo "port $p: nobody" >>"$RES"
		fi
	done
	grep -Eq 'port 450[01][0-9]: A' "$RES" && grep -Eq 'port 450[01][0-9]: B' "$RES" ||
		fail "16 connections did not spread over the group: $(grep '^port' "$RES" | tr '\n' ' ')"

	# TCP_FASTOPEN.
	serve -n 2 -F 16
	client fastopen -F -d "first data"
	client fastopen -F -d "second data"
	server_done "fastopen"
	echo "fastopen server: $(tr '\n' ' ' <"$OUT/server.log")" >>"$RES"

	# TCP_DEFER_ACCEPT: the client's data comes 1.5 s after its ACK,
	# before the deferral (2 s, two SYN-ACK timeouts) ends: accept()
	# must return only then, with the data already there.
	serve -n 1 -e -D 2
	client deferred -s 1500 -d deferred
	server_done "defer accept"
	echo "defer server: $(tr '\n' ' ' <"$OUT/server.log")" >>"$RES"

	# Bound listener with buffer and MSS set.
	serve -n 1 -i -B "$SADDR" -I veth0 -R 8192 -M 1000
	client options -i -d options
	server_done "options"
	echo "options server: $(sed 's/ rtt_us=[0-9]*//' "$OUT/server.log" | tr '\n' ' ')" >>"$RES"

	serve -n 1 -i -R 4194304
	client "big buffer" -i -d window
	server_done "big buffer"
	echo "big buffer server: $(sed 's/ rtt_us=[0-9]*//' "$OUT/server.log" | tr '\n' ' ')" >>"$RES"

	# Listeners bound elsewhere: no listener for the client.
	$IP netns exec "$SRV" "$CONN" serve "$PORT" -B 127.0.0.1 >/dev/null 2>&1 &
	SERVER_PID=$!
	wait_for "grep -q ':$PORT_HEX 00000000:0000 0A' $SRVNET/tcp" 10 ||
		fail "server on 127.0.0.1 did not listen"
	client "bound to 127.0.0.1"
	stop_server
	serve -I lo
	client "bound to lo"
	stop_server

	# A filter dropping a client's final ACK (and all it sends after).
	# Last: with hsk the entry outlives the listener.
	serve -n 1 -K $((BASE + 3))
	client acks-filtered -b $((BASE + 3)) -d lost
	client unfiltered -b $((BASE + 4)) -d through
	server_done "ACK filter"
	echo "ack filter server: $(tr '\n' ' ' <"$OUT/server.log")" >>"$RES"
}

log "round 1: the kernel alone"
hsk_set ports ""
RES=$OUT/kernel
BASE=41000
tfo_before=$(kernel_mibs | awk '$1 == "TcpExtTCPFastOpenPassive" { print $2 }')
round
tfo=$(kernel_mibs | awk '$1 == "TcpExtTCPFastOpenPassive" { print $2 }')
[ "$tfo" -gt "$tfo_before" ] || fail "the kernel round made no Fast Open connection"
expect_stat SynReceived 0

log "round 2: hsk"
hsk_set ports "$PORT"
RES=$OUT/hsk
BASE=43000
fail_before=$(cli cat /proc/net/netstat | awk '
	/^TcpExt:/ { if (!n++) { for (i = 2; i <= NF; i++) if ($i == "TCPFastOpenActiveFail") c = i; next } print $c }')
round
fails=$(cli cat /proc/net/netstat | awk '
	/^TcpExt:/ { if (!n++) { for (i = 2; i <= NF; i++) if ($i == "TCPFastOpenActiveFail") c = i; next } print $c }')
log "windows offered, kernel: $(grep -o 'snd_wnd=[0-9]* rcv_ssthresh=[0-9]*' "$OUT/kernel" | tail -n2 | tr '\n' ' ')"
log "windows offered, hsk:    $(grep -o 'snd_wnd=[0-9]* rcv_ssthresh=[0-9]*' "$OUT/hsk" | tail -n2 | tr '\n' ' ')"
if ! cmp -s "$OUT/kernel" "$OUT/hsk"; then
	log "kernel alone:"
	sed 's/^/#   /' "$OUT/kernel"
	log "with hsk:"
	sed 's/^/#   /' "$OUT/hsk"
	fail "hsk's listeners behaved differently: $(awk 'NR == FNR { k[FNR] = $0; next }
		$0 != k[FNR] { print "line " FNR ": kernel \"" k[FNR] "\" hsk \"" $0 "\""; exit }' \
		"$OUT/kernel" "$OUT/hsk")"
fi
log "$(wc -l <"$OUT/hsk") outcomes identical with and without hsk"
[ "$fails" -gt "$fail_before" ] ||
	fail "no Fast Open client sent data in its SYN to hsk ($fail_before -> $fails)"
[ "$(counter FilterDrops)" -gt 0 ] || fail "hsk counted no filter drop ($(nonzero_stats))"
[ "$(counter Handoffs)" -gt 0 ] || fail "hsk handed nothing off ($(nonzero_stats))"
defers=$(kernel_mibs | awk '$1 == "TcpExtTCPDeferAcceptDrop" { print $2 }')
[ "$defers" -ge 2 ] || fail "TcpExtTCPDeferAcceptDrop is $defers: the kernel round and hsk each drop one bare ACK"
log "hsk: $(nonzero_stats)"

check_dmesg_clean
exit "$ksft_pass"
