#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Resolve a test kernel by name and print shell assignments for eval:
#   HSK_KVER   kernel release (uname -r inside the guest)
#   HSK_KDIR   build tree hsk.ko is compiled against
#   HSK_KIMAGE bzImage given to QEMU
#   HSK_KMODS  installed module tree to copy from (distro only)
#
#   6.1     newest Debian 12 cloud kernel (6.1.0-N) with its headers
#   6.12    newest 6.12 cloud kernel (Debian 13's line, 6.12.N+deb12)
#   distro  newest cloud kernel of any line with its headers
#   debug   the KASAN/lockdep/kmemleak kernel of scripts/debug-kernel.sh
set -eu

cd "$(dirname "$0")/.."

# The newest installed cloud release matching glob $1 with its headers.
newest_cloud() {
	local h v ver=

	for h in $(ls -d /usr/src/linux-headers-$1-cloud-amd64 2>/dev/null | sort -V); do
		v=${h#/usr/src/linux-headers-}
		[ -r "/boot/vmlinuz-$v" ] && [ -d "/lib/modules/$v" ] && ver=$v
	done
	echo "$ver"
}

case "${1:-}" in
6.1 | 6.12 | distro)
	case "$1" in
	6.1) ver=$(newest_cloud '6.1.0-*') ;;
	6.12) ver=$(newest_cloud '6.12.*') ;;
	*) ver=$(newest_cloud '*') ;;
	esac
	if [ -z "$ver" ]; then
		echo "kernel.sh: no $1 cloud kernel with headers, run scripts/deps.sh" >&2
		exit 1
	fi
	echo "HSK_KVER=$ver"
	echo "HSK_KDIR=/usr/src/linux-headers-$ver"
	echo "HSK_KIMAGE=/boot/vmlinuz-$ver"
	echo "HSK_KMODS=/lib/modules/$ver"
	;;
debug)
	if [ ! -x scripts/debug-kernel.sh ]; then
		echo "kernel.sh: scripts/debug-kernel.sh is missing" >&2
		exit 1
	fi
	# Progress goes to stderr, the build dir is its last stdout line.
	set -o pipefail
	kdir=$(scripts/debug-kernel.sh | tail -n1) || {
		echo "kernel.sh: scripts/debug-kernel.sh failed" >&2
		exit 1
	}
	img=$kdir/arch/x86/boot/bzImage
	rel=$kdir/include/config/kernel.release
	if [ ! -r "$img" ] || [ ! -r "$rel" ]; then
		echo "kernel.sh: '$kdir' is not a built kernel tree" >&2
		exit 1
	fi
	echo "HSK_KVER=$(cat "$rel")"
	echo "HSK_KDIR=$kdir"
	echo "HSK_KIMAGE=$img"
	echo "HSK_KMODS="
	;;
*)
	echo "usage: $0 6.1|6.12|distro|debug" >&2
	exit 2
	;;
esac
