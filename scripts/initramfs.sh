#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test VM initramfs for one kernel (see scripts/kernel.sh):
#   /init                   scripts/guest-init
#   /hsk/hsk.ko             built against that kernel
#   /hsk/hsk_synflood.ko    the bench's SYN generator, same kernel
#   /hsk/demo.sh, /hsk/kernel (the kernel's name)
#   /hsk/selftests/         selftests/*.sh and the static C tests
#   busybox applets, plus host ip/tc/nft/ss/bash/kmod at their host paths
#   kernel modules the tests need (distro) with a depmod'ed index
# Prints the path of the gzip'ed cpio archive as the last line.
#
# The kernel is described by HSK_KVER/HSK_KDIR/HSK_KMODS (see kernel.sh);
# when unset they are resolved here.
set -eu

K=${1:?usage: initramfs.sh 6.1|6.12|distro|debug}
cd "$(dirname "$0")/.."
TOP=$PWD

if [ -z "${HSK_KDIR:-}" ]; then
	eval "$(scripts/kernel.sh "$K")"
fi
: "${HSK_KMODS:=}"

OUT=$TOP/build/$K
ROOT=$OUT/root
MOD=$OUT/mod

# Host tools the tests call, by absolute path; kmod so that modprobe
# resolves aliases and dependencies like on a normal system.
HOST_BINS="/usr/sbin/ip /usr/sbin/tc /usr/sbin/nft /usr/bin/ss /usr/bin/bash
/usr/bin/kmod ${HSK_EXTRA_BINS:-}"

# Modules the distro kernel needs for veth/netem/nftables/ss based tests;
# their dependencies are added by modprobe --show-depends.
GUEST_MODULES="veth dummy ifb sch_netem sch_tbf sch_htb sch_prio sch_ingress
cls_u32 cls_matchall act_mirred act_gact nf_tables nft_reject_inet nft_ct
nft_limit nft_log nft_quota nft_numgen nft_chain_nat nft_nat nft_masq
nft_redir nft_fib_inet nft_socket nft_synproxy nf_conntrack
nf_conntrack_netlink inet_diag
tcp_diag udp_diag raw_diag tcp_bbr xfrm_user ${HSK_EXTRA_MODULES:-}"

# --- hsk.ko: built in a copy, so each kernel has its own objects and the
# developer's in-tree build is left alone (6.1 kbuild has no MO=).
srcs="Kbuild module"
[ -d include ] && srcs="$srcs include"
rm -rf "$MOD"
mkdir -p "$MOD"
# shellcheck disable=SC2086 # a list of paths without spaces
tar -C "$TOP" -c --exclude='*.o' --exclude='*.ko' --exclude='*.cmd' \
	--exclude='*.mod' --exclude='*.mod.c' --exclude='*.order' \
	--exclude='*.symvers' $srcs | tar -C "$MOD" -x
echo "  MODULE  hsk.ko for $K ($HSK_KVER)" >&2
make -s -C "$HSK_KDIR" M="$MOD" modules >&2

# The bench's SYN generator, a module of its own, built the same way.
GEN=$OUT/synflood
rm -rf "$GEN"
mkdir -p "$GEN"
cp selftests/synflood/Kbuild selftests/synflood/*.c "$GEN/"
echo "  MODULE  hsk_synflood.ko for $K" >&2
make -s -C "$HSK_KDIR" M="$GEN" modules >&2

make -s -C "$TOP/selftests" >&2

# --- skeleton: merged /usr like the host, so /sbin/x == /usr/sbin/x.
rm -rf "$ROOT"
mkdir -p "$ROOT"/usr/bin "$ROOT"/usr/sbin "$ROOT"/usr/lib "$ROOT"/usr/lib64
ln -s usr/bin "$ROOT/bin"
ln -s usr/sbin "$ROOT/sbin"
ln -s usr/lib "$ROOT/lib"
ln -s usr/lib64 "$ROOT/lib64"
mkdir -p "$ROOT"/dev "$ROOT"/proc "$ROOT"/sys "$ROOT"/tmp "$ROOT"/run \
	"$ROOT"/root "$ROOT"/etc "$ROOT"/var "$ROOT"/hsk/selftests
ln -s ../run "$ROOT/var/run"
# The kernel opens /dev/console for init before devtmpfs is mounted.
if [ "$(id -u)" = 0 ]; then
	mknod -m 600 "$ROOT/dev/console" c 5 1
fi

# Copy a file to the same absolute path inside the image.
put() {
	mkdir -p "$ROOT$(dirname "$1")"
	cp -L "$1" "$ROOT$1"
}

# Copy an ELF binary with the libraries and interpreter ldd names.  A
# symlinked path (/usr/sbin/ip -> /usr/bin/ip) is kept as a symlink.
put_bin() {
	local real lib

	real=$(readlink -f "$1")
	put "$real"
	if [ "$real" != "$1" ] && [ ! -e "$ROOT$1" ]; then
		mkdir -p "$ROOT$(dirname "$1")"
		ln -s "$real" "$ROOT$1"
	fi
	for lib in $(ldd "$real" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
		[ -e "$ROOT$lib" ] || put "$lib"
	done
}

for b in $HOST_BINS; do
	put_bin "$b"
done
for t in modprobe insmod rmmod lsmod modinfo depmod; do
	ln -s ../bin/kmod "$ROOT/usr/sbin/$t"
done
# netem delay distributions; iproute2 tables.
tcdir=$(ls -d /usr/lib/*/tc 2>/dev/null | head -n1)
[ -n "$tcdir" ] && mkdir -p "$ROOT$tcdir" && cp "$tcdir"/*.dist "$ROOT$tcdir/"
[ -d /etc/iproute2 ] && cp -r /etc/iproute2 "$ROOT/etc/"
for f in /etc/services /etc/protocols; do
	[ -r "$f" ] && cp "$f" "$ROOT/etc/"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$ROOT/etc/passwd"
echo 'root:x:0:' > "$ROOT/etc/group"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost\n' > "$ROOT/etc/hosts"

# busybox last: an applet link is only made where no real tool sits, so
# /usr/sbin/ip stays iproute2's.  (ash still prefers its own applet for a
# bare "ip": tests use $IP and friends from lib.sh.)
cp /bin/busybox "$ROOT/usr/bin/busybox"
for a in $(/bin/busybox --list-full); do
	[ -e "$ROOT/$a" ] || [ -L "$ROOT/$a" ] || ln -s /usr/bin/busybox "$ROOT/$a"
done

# --- kernel modules
mdir=$ROOT/lib/modules/$HSK_KVER
mkdir -p "$mdir/extra"
if [ -n "$HSK_KMODS" ]; then
	for m in $GUEST_MODULES; do
		deps=$(modprobe -S "$HSK_KVER" --show-depends "$m" 2>/dev/null) || {
			echo "initramfs.sh: no module $m in $HSK_KVER, skipped" >&2
			continue
		}
		for ko in $(echo "$deps" | sed -n 's/^insmod \([^ ]*\).*/\1/p'); do
			[ -e "$ROOT$ko" ] || put "$ko"
		done
	done
	src=$HSK_KMODS
else
	# A self-built kernel: install its modules, if it has any.
	if [ -s "$HSK_KDIR/modules.order" ]; then
		make -s -C "$HSK_KDIR" modules_install INSTALL_MOD_PATH="$ROOT" \
			INSTALL_MOD_STRIP=1 DEPMOD=true >&2
		rm -f "$mdir/build" "$mdir/source"
	fi
	src=$HSK_KDIR
fi
# modprobe of a built-in module must succeed, so keep these indexes.
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ -r "$src/$f" ] && cp "$src/$f" "$mdir/"
done
cp "$MOD/hsk.ko" "$ROOT/hsk/hsk.ko"
cp "$MOD/hsk.ko" "$mdir/extra/hsk.ko"
cp "$GEN/hsk_synflood.ko" "$ROOT/hsk/hsk_synflood.ko"
depmod -b "$ROOT" "$HSK_KVER"

# --- hsk payload
install -m 755 scripts/guest-init "$ROOT/init"
install -m 755 scripts/demo.sh "$ROOT/hsk/demo.sh"
echo "$K" > "$ROOT/hsk/kernel"
# What the tests may rely on (selftests/lib.sh need_module): built in or
# shipped above, whichever kernel this is.
# shellcheck disable=SC2086 # a list of names
printf '%s\n' $GUEST_MODULES > "$ROOT/hsk/modules"
for f in selftests/*.sh; do
	install -m 644 "$f" "$ROOT/hsk/selftests/"
done
cp build/selftests/* "$ROOT/hsk/selftests/" 2>/dev/null || true
# Every test_* runs, whatever its mode in git; lib.sh is only sourced.
chmod 755 "$ROOT"/hsk/selftests/test_* "$ROOT"/hsk/selftests/run.sh
[ -e "$ROOT/hsk/selftests/bench.sh" ] && chmod 755 "$ROOT/hsk/selftests/bench.sh"

img=$OUT/initramfs.cpio.gz
(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -6 > "$img.tmp"
mv "$img.tmp" "$img"
echo "  INITRD  $img ($(du -h "$img" | cut -f1))" >&2
echo "$img"
