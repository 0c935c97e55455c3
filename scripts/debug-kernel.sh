#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, once, the KASAN/lockdep/kmemleak debug kernel the harness boots
# under QEMU, from Debian's linux-source-6.1 and scripts/debug.config.
#
# The tree is cached under ${HSK_CACHE:-/var/cache/hsk}/debug-kernel/, keyed
# by the source package version and the hash of the config fragment, so a
# second run is instant.  The build directory is printed as the last line
# of stdout and doubles as KDIR for out-of-tree module builds:
#
#	KDIR=$(scripts/debug-kernel.sh | tail -n1)
#	qemu-system-x86_64 ... -kernel "$KDIR/arch/x86/boot/bzImage"
#	make -C "$KDIR" M="$PWD" modules
#
# Build output goes to a log file next to the tree; its tail is shown on
# failure.  Nothing is installed here: see scripts/deps.sh for that.

set -euo pipefail

readonly PKG=linux-source-6.1
readonly TARBALL=/usr/src/$PKG.tar.xz
readonly ARCH=x86_64

# Keep stdout for the result alone; everything else goes to stderr.
exec 3>&1 1>&2

prog=${0##*/}
scripts_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragment=$scripts_dir/debug.config
cache=${HSK_CACHE:-/var/cache/hsk}/debug-kernel
log=
tmp=

die()
{
	echo "$prog: error: $*" >&2
	exit 1
}

info()
{
	echo "$prog: $*" >&2
}

cleanup()
{
	if [[ -n $tmp ]]; then
		rm -rf -- "$tmp"
	fi
}
trap cleanup EXIT

# Run a build step with its output in the log; on failure show the tail.
run()
{
	echo "+ $*" >>"$log"
	if ! "$@" >>"$log" 2>&1; then
		echo "---- last 40 lines of $log ----" >&2
		tail -n 40 "$log" >&2
		die "'$*' failed (full log: $log)"
	fi
}

check_deps()
{
	local missing=() tool

	[[ -r $TARBALL ]] || missing+=("$TARBALL (package $PKG)")
	for tool in dpkg-query sha256sum flock tar xz make gcc ld bc flex \
		    bison awk sed nproc; do
		command -v "$tool" >/dev/null || missing+=("$tool")
	done
	# objtool (needed for the ORC unwinder) builds against libelf.
	if command -v gcc >/dev/null &&
	   ! echo '#include <gelf.h>' | gcc -E -x c - >/dev/null 2>&1; then
		missing+=("gelf.h (libelf-dev)")
	fi
	[[ -r $fragment ]] || missing+=("$fragment")

	if ((${#missing[@]})); then
		echo "$prog: missing:" >&2
		printf '  %s\n' "${missing[@]}" >&2
		die "install the build dependencies first: scripts/deps.sh"
	fi
}

# Kconfig silently drops symbols whose dependencies are unmet, so check
# that every line of the fragment survived olddefconfig.
verify_config()
{
	local config=$1 bad=() line sym got

	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$config" && continue
			sym=${line%%=*}
			got=$(grep -E "^(# )?${sym}[= ]" "$config" || echo "absent")
			bad+=("$line (got: $got)")
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			got=$(grep -E "^$sym=" "$config") || continue
			bad+=("$line (got: $got)")
			;;
		esac
	done <"$fragment"

	if ((${#bad[@]})); then
		echo "$prog: not in the final .config:" >&2
		printf '  %s\n' "${bad[@]}" >&2
		die "$fragment asks for options Kconfig dropped (missing dependencies?)"
	fi
}

check_deps

version=$(dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null) ||
	die "$PKG is not installed; run scripts/deps.sh"
# Epochs (':') and the like must not end up in a path.
version=${version//[^A-Za-z0-9.+~-]/_}
sum=$(sha256sum "$fragment")
key=$version-${sum:0:12}

mkdir -p -- "$cache" || die "cannot create $cache (set HSK_CACHE?)"
# Callers use the printed path from anywhere: make it absolute.
cache=$(cd -- "$cache" && pwd)
kdir=$cache/$key
log=$cache/$key.log
built=$kdir/.hsk-built
configured=$kdir/.hsk-configured

if [[ ! -e $built ]]; then
	# Serialise concurrent callers; the loser then finds the stamp.
	exec 9>"$cache/.lock"
	flock 9
fi

if [[ ! -e $built ]]; then
	start=$SECONDS
	info "building debug kernel $key (log: $log)"
	: >"$log"

	# Extract under a temporary name and rename, so $kdir is either
	# absent or a complete source tree.
	if [[ ! -d $kdir ]]; then
		info "extracting $TARBALL"
		# Leftovers of a killed extraction; we hold the lock.
		rm -rf -- "$cache"/.extract.*
		tmp=$(mktemp -d "$cache/.extract.XXXXXX")
		# mktemp's 0700 would hide KDIR from other users.
		chmod 0755 "$tmp"
		tar -xJf "$TARBALL" -C "$tmp" --strip-components=1 ||
			die "cannot extract $TARBALL"
		mv -T -- "$tmp" "$kdir"
		tmp=
	fi

	# The config is redone until verified; after that an interrupted
	# build resumes where it stopped (Kbuild rebuilds partial objects).
	if [[ ! -e $configured ]]; then
		info "configuring"
		run make -C "$kdir" ARCH=$ARCH tinyconfig
		(cd "$kdir" && run scripts/kconfig/merge_config.sh -m \
			.config "$fragment")
		run make -C "$kdir" ARCH=$ARCH olddefconfig
		verify_config "$kdir/.config"
		touch -- "$configured"
	fi

	# "modules" even with no =m options: it writes Module.symvers and the
	# modules_prepare bits that "make M=..." needs.
	info "compiling with $(nproc) jobs"
	run make -C "$kdir" ARCH=$ARCH -j"$(nproc)" bzImage modules
	[[ -f $kdir/arch/x86/boot/bzImage && -f $kdir/Module.symvers ]] ||
		die "build finished without bzImage or Module.symvers"

	touch -- "$built"
	info "done in $((SECONDS - start))s"
fi

echo "$kdir" >&3
