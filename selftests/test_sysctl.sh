#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The control surface of hsk: the net.hsk.* sysctls and /proc/net/hsk.
#
# Every integer sysctl reads its default, takes its minimum and maximum,
# and refuses with EINVAL, keeping the old value, everything else: out of
# range, negative, too big for an int, non-numeric, empty, overlong (also
# a zero-padded number in range), two values, trailing garbage.
# net.hsk.ports parses lists with ranges and spaces and reads back in
# canonical form (sorted, merged); bad lists are refused and leave the old
# set.  A mistake here silently changes which ports hsk steals or how it
# behaves, so each case is checked by reading the value back.
#
# All of it is per netns: values set in one netns leave the initial one,
# a sibling and a netns created afterwards at their defaults, and the other
# way round.  /proc/net/hsk/stat lists exactly the documented counters, in
# order, numeric and zero in a fresh netns; /proc/net/hsk/conns is just its
# header when nothing is half-open.
#
# hsk-timeout: 240

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hsk_lib.sh"

SYS=/proc/sys/net/hsk

# nsx NS CMD...: run CMD in netns NS, or in the initial netns for "init".
nsx() {
	local ns="$1"

	shift
	if [ "$ns" = init ]; then
		"$@"
	else
		in_ns "$ns" "$@"
	fi
}

# short TEXT: TEXT, cut for error messages.
short() {
	local n="${#1}"

	if [ "$n" -gt 40 ]; then
		echo "$(echo "$1" | cut -c1-40)... ($n chars)"
	else
		echo "'$1'"
	fi
}

rd() {
	nsx "$1" cat "$SYS/$2"
}

# wr NS NAME VALUE: "echo VALUE > net.hsk.NAME" in NS and read it back,
# in one process (the debug kernel is slow to start them).  Returns the
# write's status; the value read is in $VAL, the write's error in $ERR.
wr() {
	local rc

	nsx "$1" sh -c 'echo "$1" > "$2"; rc=$?; cat "$2" || exit 99; exit $rc' \
		sh "$3" "$SYS/$2" >"$OUT/val" 2>"$OUT/err"
	rc=$?
	[ "$rc" != 99 ] || fail "$1: cannot read net.hsk.$2: $(cat "$OUT/err")"
	VAL=
	ERR=
	IFS= read -r VAL <"$OUT/val"
	IFS= read -r ERR <"$OUT/err"
	return "$rc"
}

# expect_val NS NAME WANT WHEN
expect_val() {
	local v

	v=$(rd "$1" "$2") || fail "$1: cannot read net.hsk.$2"
	[ "$v" = "$3" ] ||
		fail "$1: net.hsk.$2 reads $(short "$v") $4, expected $(short "$3")"
}

# accept NS NAME VALUE READBACK
accept() {
	wr "$1" "$2" "$3" ||
		fail "$1: net.hsk.$2 refused $(short "$3"): $ERR"
	[ "$VAL" = "$4" ] ||
		fail "$1: net.hsk.$2 reads $(short "$VAL") after writing" \
			"$(short "$3"), expected $(short "$4")"
}

# refuse NS NAME VALUE OLD: the write fails with EINVAL and net.hsk.NAME
# still reads OLD, the value it had before.
refuse() {
	wr "$1" "$2" "$3" &&
		fail "$1: net.hsk.$2 accepted $(short "$3"), now $(short "$VAL")"
	case $ERR in
	*"Invalid argument"*) ;;
	*) fail "$1: net.hsk.$2 refused $(short "$3") without EINVAL: $ERR" ;;
	esac
	[ "$VAL" = "$4" ] ||
		fail "$1: net.hsk.$2 reads $(short "$VAL") after the refused" \
			"$(short "$3"), expected the old $(short "$4")"
}

# 5000 digits: far past any int and any sysctl's buffer.
SEVENS=$(awk 'BEGIN { while (n++ < 5000) printf "7" }')

# check_int NS NAME DEFAULT MIN MAX ALT: ALT is a valid value other than
# DEFAULT, kept in place while the bad writes are tried.  The refused
# values built from DEFAULT would read back as DEFAULT if half-parsed.
check_int() {
	local ns="$1" name="$2" def="$3" min="$4" max="$5" alt="$6"

	expect_val "$ns" "$name" "$def" "by default"
	accept "$ns" "$name" "$min" "$min"
	accept "$ns" "$name" "$max" "$max"
	accept "$ns" "$name" "$alt" "$alt"
	refuse "$ns" "$name" "$((min - 1))" "$alt"
	refuse "$ns" "$name" "$((max + 1))" "$alt"
	refuse "$ns" "$name" "-$alt" "$alt"
	refuse "$ns" "$name" 2147483648 "$alt"
	refuse "$ns" "$name" 99999999999999999999 "$alt"
	refuse "$ns" "$name" abc "$alt"
	refuse "$ns" "$name" "" "$alt"
	refuse "$ns" "$name" "$def $def" "$alt"
	refuse "$ns" "$name" "${def}x" "$alt"
	refuse "$ns" "$name" "$(printf '%030d' 0)$def" "$alt"
	refuse "$ns" "$name" "$SEVENS" "$alt"
	log "net.hsk.$name: default $def, $min..$max, bad writes refused"
}

# odd_ports MAX: "1,3,5,...,MAX", all single ports.
odd_ports() {
	awk -v max="$1" 'BEGIN {
		for (i = 1; i <= max; i += 2)
			printf "%s%d", (i > 1 ? "," : ""), i
	}'
}

# Defaults of all sysctls; "ports" first.
DEFAULTS="ports=
max_syn_backlog=4096
synack_rto_ms=1000
synack_retries=5
syncookies=1
abort_on_overflow=0
tw_remote_ports=
msl_ms=30000
max_tw=262144
rfc1337=1
early_syn=1
accept_backlog=0
accept_backlog_max=65536
park_timeout_ms=60000
adaptive_syn_high=10000
adaptive_syn_low=5000
adaptive_fill_high=50
adaptive_fill_low=25
adaptive_hold_ms=10000"

# expect_defaults NS WHEN
expect_defaults() {
	local ns="$1" when="$2" kv

	for kv in $DEFAULTS; do
		expect_val "$ns" "${kv%%=*}" "${kv#*=}" "$when"
	done
}

STAT_NAMES="SynReceived SynAckSent SynAckRetrans DupSyns HalfOpenTimeouts
HalfOpenFull HalfOpenResets CookiesSent CookiesValid CookiesInvalid
CookiesInvalidData StrayAcks BadAcks Handoffs HandoffFailed AcceptOverflows ResetsSent
RstsIgnored NoListener FilterDrops LsmRefused MalformedChecksum MalformedHeader
MalformedFlags MalformedFragment MalformedIpOptions HalfOpenNoMem SendFailed
Parked ParkedHandedOver ParkedDropped ParkedReset ParkedExpired TwEntered TwReaped
TwRecycled TwFinReacked TwFinWait2Fin TwRstIgnored TwSynReused TwLocalReused TwLeftToKernel
TwPawsDropped TwAckRateLimited TwAllocFailed CookieModeStateless
CookieModeStateful CtStoreFailed EarlySyns FastRoutes CtFinAcks LateHookDefers
KernelDefers Malformed HalfOpen
ParkedNow TimeWait StatelessNow"

# check_proc NS: stat and conns of a netns without any hsk traffic.
check_proc() {
	local ns="$1" names want bad

	nsx "$ns" cat /proc/net/hsk/stat >"$OUT/stat" ||
		fail "$ns: cannot read /proc/net/hsk/stat"
	names=$(awk '{ print $1 }' "$OUT/stat" | tr '\n' ' ')
	want=$(echo $STAT_NAMES) # on one line
	[ "$names" = "$want " ] ||
		fail "$ns: /proc/net/hsk/stat lists '$names', expected '$want'"
	bad=$(awk 'NF != 2 || $2 !~ /^[0-9]+$/' "$OUT/stat")
	[ -z "$bad" ] || fail "$ns: stat lines not 'Name number': $bad"
	bad=$(awk '$2 != 0' "$OUT/stat")
	[ -z "$bad" ] || fail "$ns: counters not zero without traffic: $bad"

	nsx "$ns" cat /proc/net/hsk/conns >"$OUT/conns" ||
		fail "$ns: cannot read /proc/net/hsk/conns"
	want="sl local_address rem_address st retrnsmt timeout_ms"
	[ "$(awk 'NR == 1 { $1 = $1; print }' "$OUT/conns")" = "$want" ] ||
		fail "$ns: /proc/net/hsk/conns header: $(head -n1 "$OUT/conns")"
	[ "$(wc -l <"$OUT/conns")" = 1 ] ||
		fail "$ns: /proc/net/hsk/conns has entries: $(cat "$OUT/conns")"
}

hsk_load
setup_ns NSA NSB

# The sysctl directory holds exactly the documented knobs.
names=$(nsx "$NSA" ls $SYS | sort | tr '\n' ' ')
want=$(for kv in $DEFAULTS; do echo "${kv%%=*}"; done | sort | tr '\n' ' ')
[ "$names" = "$want" ] || fail "$SYS holds '$names', expected '$want'"

check_proc "$NSA"
check_proc init
log "/proc/net/hsk/stat and conns as documented"

# --- integer sysctls in NSA: name default min max alt
check_int "$NSA" max_syn_backlog 4096 1 1048576 128
check_int "$NSA" synack_rto_ms 1000 10 60000 250
check_int "$NSA" synack_retries 5 0 15 3
check_int "$NSA" syncookies 1 0 3 2
check_int "$NSA" adaptive_syn_high 10000 1 100000000 300
check_int "$NSA" adaptive_syn_low 5000 0 100000000 50
check_int "$NSA" adaptive_fill_high 50 1 100 90
check_int "$NSA" adaptive_fill_low 25 0 100 10
check_int "$NSA" adaptive_hold_ms 10000 0 600000 3000
check_int "$NSA" abort_on_overflow 0 0 1 1
check_int "$NSA" msl_ms 30000 10 300000 1000
check_int "$NSA" max_tw 262144 1 16777216 1024
check_int "$NSA" rfc1337 1 0 1 1
check_int "$NSA" early_syn 1 0 1 1
check_int "$NSA" park_timeout_ms 60000 100 3600000 5000

# --- ports: valid lists and their canonical form
expect_val "$NSA" ports "" "by default"
accept "$NSA" ports "80" "80"
accept "$NSA" ports "80,443,8000-8100" "80,443,8000-8100"
accept "$NSA" ports "8081,8080,8082" "8080-8082"
accept "$NSA" ports " 80 , 443 " "80,443"
accept "$NSA" ports "8000 - 8100, 22" "22,8000-8100"
accept "$NSA" ports "443,80,80" "80,443"
accept "$NSA" ports "100-200,150-250,251" "100-251"
accept "$NSA" ports "9,10" "9-10"
accept "$NSA" ports "5-5" "5"
accept "$NSA" ports "1,65535" "1,65535"
accept "$NSA" ports "1-65535" "1-65535"
accept "$NSA" ports "" ""
accept "$NSA" ports "   " ""
# A long list of single ports, just under the 4096-byte limit.
long=$(odd_ports 1499)
if [ "${#long}" -lt 3000 ] || [ "${#long}" -ge 4095 ]; then
	fail "test bug: long port list is ${#long} chars"
fi
accept "$NSA" ports "$long" "$long"
log "net.hsk.ports: valid lists read back canonical"

# --- ports: bad lists leave the old set
accept "$NSA" ports "80,443,8000-8100" "80,443,8000-8100"
for bad in 0 65536 70000 90-80 0-10 a "80," "," ",80" 80,,90 80--90 80- -80 \
	80-90-100 80:90 "80 90" "80, 90 443"; do
	refuse "$NSA" ports "$bad" "80,443,8000-8100"
done
# Valid syntax, but past the 4096-byte limit.
long=$(odd_ports 1999)
[ "${#long}" -gt 4096 ] || fail "test bug: overlong port list is ${#long} chars"
refuse "$NSA" ports "$long" "80,443,8000-8100"
log "net.hsk.ports: bad lists refused"

# --- per netns: NSA's settings reach no other netns
ALT_A="ports=80,443,8000-8100
max_syn_backlog=128
synack_rto_ms=250
synack_retries=3
syncookies=2
abort_on_overflow=1
adaptive_syn_high=300
adaptive_hold_ms=3000"
expect_defaults "$NSB" "in a sibling netns after NSA was set"
expect_defaults init "in the initial netns after NSA was set"
setup_ns NSC
expect_defaults "$NSC" "in a netns created after NSA was set"
check_proc "$NSC"

# ... and the other way round: NSB's writes leave NSA as it was.
accept "$NSB" ports "9000" "9000"
accept "$NSB" max_syn_backlog 77 77
accept "$NSB" synack_rto_ms 20 20
accept "$NSB" synack_retries 0 0
accept "$NSB" syncookies 0 0
accept "$NSB" abort_on_overflow 1 1
accept "$NSB" syncookies 3 3
accept "$NSB" adaptive_syn_high 7 7
accept "$NSB" adaptive_hold_ms 0 0
for kv in $ALT_A; do
	expect_val "$NSA" "${kv%%=*}" "${kv#*=}" "after NSB was set"
done
expect_defaults "$NSC" "after NSB was set"
expect_defaults init "after NSB was set"
log "sysctls are per netns"

check_dmesg_clean
exit "$ksft_pass"
