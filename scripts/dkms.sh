#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hsk as a DKMS package, so each installed kernel gets its own hsk.ko:
#   dkms.sh install   copy the source to /usr/src/hsk-VERSION, then
#                     dkms add, build and install it (root)
#   dkms.sh remove    dkms remove --all and drop the copied source (root)
#   dkms.sh check     build it with dkms for every installed cloud kernel
#                     with headers, in a scratch tree: nothing installed
set -eu

cd "$(dirname "$0")/.."
VER=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)

# The files a DKMS source tree needs: the build and the module only.
copy_source() {
	rm -rf "$1"
	mkdir -p "$1"
	tar -c --exclude='*.o' --exclude='*.cmd' --exclude='*.mod*' \
		--exclude='*.ko' dkms.conf Kbuild module | tar -C "$1" -x
}

case "${1:-}" in
install)
	copy_source "/usr/src/hsk-$VER"
	dkms add -m hsk -v "$VER"
	dkms build -m hsk -v "$VER"
	dkms install -m hsk -v "$VER"
	;;
remove)
	dkms remove -m hsk -v "$VER" --all || true
	rm -rf "/usr/src/hsk-$VER"
	;;
check)
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	copy_source "$tmp/src/hsk-$VER"
	mkdir -p "$tmp/tree" "$tmp/install"
	opts=(--dkmstree "$tmp/tree" --sourcetree "$tmp/src" --installtree "$tmp/install")
	dkms add "${opts[@]}" -m hsk -v "$VER" >/dev/null
	n=0
	for h in $(ls -d /usr/src/linux-headers-*-cloud-amd64 | sort -V); do
		k=${h#/usr/src/linux-headers-}
		if ! dkms build "${opts[@]}" -m hsk -v "$VER" -k "$k" >"$tmp/log" 2>&1; then
			cat "$tmp/log"
			echo "dkms: hsk $VER does not build for $k"
			exit 1
		fi
		ko=$(find "$tmp/tree/hsk/$VER/$k" -name 'hsk.ko*' | head -n1)
		if [ -z "$ko" ] || ! modinfo -F vermagic "$ko" | grep -q "^$k "; then
			echo "dkms: no hsk.ko for $k"
			exit 1
		fi
		echo "dkms: hsk $VER builds for $k"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || { echo "dkms: no kernel headers installed"; exit 1; }
	;;
*)
	echo "usage: $0 install|remove|check" >&2
	exit 2
	;;
esac
