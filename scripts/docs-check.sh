#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that the documentation names only things that exist. Every
# hsk_* identifier named in Documentation/*.rst and README (functions,
# structures, files, test peers) must occur in module/*.[ch], selftests/
# or scripts/, and every net.hsk.* sysctl must be registered by the
# module (its name quoted in module/*.[ch], as sysctl.c's table has it).
# Prints every name that is not found and exits 1 if there is one.
set -eu

cd "$(dirname "$0")/.."

DOCS="Documentation/*.rst README"
SRC="module/*.[ch]"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Names the documents use, one per line. A name must start a word, so
# a longer identifier ending in "hsk_..." is not taken apart.
grep -ohE '(^|[^A-Za-z0-9_.])hsk_[a-z0-9_]+' $DOCS |
	sed 's/^[^h]*//' | sort -u >"$tmp/doc-ids"
grep -ohE 'net\.hsk\.[a-z0-9_]+' $DOCS |
	sed 's/^net\.hsk\.//; s/_*$//' | sort -u >"$tmp/doc-sysctls"

# What exists: every hsk_* word of the sources and every file name.
{
	grep -rIohE 'hsk_[a-z0-9_]+' $SRC selftests scripts
	find module selftests scripts -type f | sed 's|.*/||; s/\..*//'
} | sort -u >"$tmp/src-ids"
grep -ohE '"[a-z0-9_]+"' $SRC | tr -d '"' | sort -u >"$tmp/src-strings"

missing=0
while read -r id; do
	case $id in
	*_)	# a prefix, as in ``hsk_ct_*``: some name must start with it
		grep -q "^$id" "$tmp/src-ids" && continue ;;
	*)	grep -qx "$id" "$tmp/src-ids" && continue ;;
	esac
	echo "docs-check: $id: not in module/, selftests/ or scripts/"
	grep -nE "(^|[^A-Za-z0-9_.])$id([^a-z0-9_]|$)" $DOCS | sed 's/^/	/'
	missing=1
done <"$tmp/doc-ids"

while read -r name; do
	grep -qx "$name" "$tmp/src-strings" && continue
	echo "docs-check: net.hsk.$name: no such sysctl in module/"
	grep -nE "net\.hsk\.$name([^a-z0-9_]|$)" $DOCS | sed 's/^/	/'
	missing=1
done <"$tmp/doc-sysctls"

exit "$missing"
