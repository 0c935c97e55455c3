#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building hsk and running its test VMs needs on Debian
# bookworm.  Idempotent: when everything is present it only reads the
# dpkg database, so make targets can call it on every run.
set -eu

PKGS="qemu-system-x86 busybox-static cpio kmod iproute2 nftables gcc make
libc6-dev linux-source-6.1 sparse bc flex bison libelf-dev libssl-dev
dwarves xz-utils perl gnuplot-nox linux-perf dkms"
# The kernel lines the suite runs on, each as the meta-package that names
# its newest cloud image and the release glob of that line.
LINES="linux-image-cloud-amd64:6.1.0-* linux-image-6.12-cloud-amd64:6.12.*"

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

# The ABI version (e.g. 6.1.0-56-cloud-amd64) a cloud meta-package
# currently points at; empty when the apt lists do not know it yet.
cloud_ver() {
	apt-cache depends "$1" 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9].*-cloud-amd64\)$/\1/p' |
		head -n1
}

# Any image+headers pair of the same version of line $1 installed?
have_cloud_pair() {
	local v

	for v in $(dpkg-query -W -f='${Package}\n' "linux-image-$1-cloud-amd64" \
			2>/dev/null | sed -n 's/^linux-image-\([0-9].*\)$/\1/p'); do
		installed "linux-image-$v" && installed "linux-headers-$v" && return 0
	done
	return 1
}

missing_pkgs() {
	local p v line

	for p in $PKGS; do
		installed "$p" || echo "$p"
	done
	for line in $LINES; do
		v=$(cloud_ver "${line%%:*}")
		if [ -n "$v" ]; then
			installed "linux-image-$v" || echo "linux-image-$v"
			installed "linux-headers-$v" || echo "linux-headers-$v"
		elif ! have_cloud_pair "${line#*:}"; then
			# Unknown until the lists are fetched: ask for the
			# meta-package, re-resolved to an explicit pair after
			# the update.
			echo "${line%%:*}"
		fi
	done
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
for line in $LINES; do
	meta=${line%%:*}
	echo "$missing" | grep -qx "$meta" || continue
	v=$(cloud_ver "$meta")
	[ -n "$v" ] || { echo "deps.sh: cannot resolve $meta" >&2; exit 1; }
	missing="$(echo "$missing" | grep -vx "$meta" || true)
linux-image-$v
linux-headers-$v"
done
echo "deps.sh: installing:" $missing
# shellcheck disable=SC2086 # word splitting is wanted
apt-get install -y -q --no-install-recommends $missing
