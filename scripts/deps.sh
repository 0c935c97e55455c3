#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building hsk and running its test VMs needs on Debian
# bookworm.  Idempotent: when everything is present it only reads the
# dpkg database, so make targets can call it on every run.
set -eu

PKGS="qemu-system-x86 busybox-static cpio kmod iproute2 nftables gcc make
libc6-dev linux-source-6.1 sparse bc flex bison libelf-dev libssl-dev
dwarves xz-utils perl gnuplot-nox linux-perf"
META=linux-image-cloud-amd64

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

# The ABI version (e.g. 6.1.0-56-cloud-amd64) the cloud meta-package
# currently points at; empty when the apt lists do not know it yet.
cloud_ver() {
	apt-cache depends "$META" 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9].*-cloud-amd64\)$/\1/p' |
		head -n1
}

# Any image+headers pair of the same version already installed?
have_cloud_pair() {
	local v

	for v in $(dpkg-query -W -f='${Package}\n' 'linux-image-*-cloud-amd64' \
			2>/dev/null | sed -n 's/^linux-image-\([0-9].*\)$/\1/p'); do
		installed "linux-image-$v" && installed "linux-headers-$v" && return 0
	done
	return 1
}

missing_pkgs() {
	local p v

	for p in $PKGS; do
		installed "$p" || echo "$p"
	done
	v=$(cloud_ver)
	if [ -n "$v" ]; then
		installed "linux-image-$v" || echo "linux-image-$v"
		installed "linux-headers-$v" || echo "linux-headers-$v"
	elif ! have_cloud_pair; then
		# Unknown until the lists are fetched: ask for the meta-package,
		# it is re-resolved to an explicit pair after the update.
		echo "$META"
	fi
}

missing=$(missing_pkgs)
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages, run as root:" $missing >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# The lists may now point at a newer kernel ABI: resolve again.
missing=$(missing_pkgs)
if echo "$missing" | grep -qx "$META"; then
	v=$(cloud_ver)
	[ -n "$v" ] || { echo "deps.sh: cannot resolve $META" >&2; exit 1; }
	missing="$(echo "$missing" | grep -vx "$META" || true)
linux-image-$v
linux-headers-$v"
fi
echo "deps.sh: installing:" $missing
# shellcheck disable=SC2086 # word splitting is wanted
apt-get install -y -q --no-install-recommends $missing
