#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Extract the few kernel-tree files the build uses (kselftest harness,
# checkpatch) from Debian's linux-source tarball into build/.  They are
# never copied into the repository.  One tar pass fetches all of them,
# since each pass has to decompress the whole 140 MB archive.
set -eu

TARBALL=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
cd "$(dirname "$0")/.."
OUT=build
STAMP=$OUT/.kernel-files.stamp

[ -f "$STAMP" ] && [ "$STAMP" -nt "$TARBALL" ] && exit 0

if [ ! -r "$TARBALL" ]; then
	echo "kernel-files.sh: $TARBALL missing, run scripts/deps.sh" >&2
	exit 1
fi

top=$(tar -tJf "$TARBALL" | head -n1 | cut -d/ -f1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "  EXTRACT kselftest harness + checkpatch from $TARBALL"
tar -xJf "$TARBALL" -C "$tmp" \
	"$top/tools/testing/selftests/kselftest_harness.h" \
	"$top/tools/testing/selftests/kselftest.h" \
	"$top/scripts/checkpatch.pl" \
	"$top/scripts/spelling.txt" \
	"$top/scripts/const_structs.checkpatch"

mkdir -p "$OUT/kselftest" "$OUT/checkpatch"
mv "$tmp/$top"/tools/testing/selftests/kselftest*.h "$OUT/kselftest/"
mv "$tmp/$top"/scripts/checkpatch.pl "$tmp/$top"/scripts/spelling.txt \
	"$tmp/$top"/scripts/const_structs.checkpatch "$OUT/checkpatch/"
touch "$STAMP"
