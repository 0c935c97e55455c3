#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Flag "$(f ...)" in the shell selftests where f is a shell function that
# can end the test: it calls fail, skip or exit, itself or through another
# such function.  Inside a command substitution that only ends the
# subshell, and the test goes on with an empty value (a function that
# must hand back a value stores it in a variable instead, as raw_syn_ack
# and tw_conn do).  Prints "file:line: function: text" for each and exits
# 1 if there is any.
#
#   scripts/lint-fail-subshell.sh [FILE.sh...]    (default selftests/*.sh)
#
# The functions of a file are its own and those of the helper libraries;
# "make style" runs this.
set -eu

cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- selftests/*.sh
LIBS="selftests/lib.sh selftests/hsk_lib.sh selftests/tw_lib.sh"

# defs FILE...: a line "name callee..." per function definition, with "!"
# as callee where the body calls fail, skip or exit.  A body ends at the
# first "}" line indented like its "name() {" line.  Only words in
# command position count (first, or after ;, &&, ||, |, (, {, then, do,
# ...), and not in quotes or comments: a message may say "fail", and an
# awk program its own "exit".
defs() {
	awk '
	# The line without quoted text and comments; q is the quote still
	# open at the end of the line before.
	function code(line,    out, c, i) {
		out = ""
		for (i = 1; i <= length(line); i++) {
			c = substr(line, i, 1)
			if (q == "\047") {
				if (c == "\047")
					q = ""
			} else if (q == "\"") {
				if (c == "\\")
					i++
				else if (c == "\"")
					q = ""
			} else if (c == "\\") {
				i++
			} else if (c == "\047" || c == "\"") {
				q = c
				out = out c c
			} else if (c == "#" && (i == 1 || substr(line, i - 1, 1) ~ /[ \t]/)) {
				break
			} else {
				out = out c
			}
		}
		return out
	}
	function words(line,    n, i, seg, w) {
		gsub(/\|\||&&|[;|&(){}`]/, "\n", line)
		n = split(line, seg, "\n")
		for (i = 1; i <= n; i++) {
			w = seg[i]
			sub(/^[ \t]+/, "", w)
			while (sub(/^(then|else|elif|do|if|while|until|!)[ \t]+/, "", w))
				;
			if (!match(w, /^[A-Za-z_][A-Za-z0-9_]*/) ||
			    substr(w, RLENGTH + 1, 1) == "=")
				continue
			w = substr(w, 1, RLENGTH)
			body = body " " (w == "fail" || w == "skip" || w == "exit" ? "!" : w)
		}
	}
	FNR == 1 { q = ""; fn = "" }
	{
		inq = q != ""
		line = code($0)
	}
	inq { if (fn) words(line); next }
	!fn && match(line, /^[ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*\(\)/) {
		fn = line
		sub(/^[ \t]*/, "", fn)
		sub(/[ \t]*\(\).*/, "", fn)
		indent = line
		sub(/[^ \t].*/, "", indent)
		body = ""
		# A body on the same line: name() { ...; }
		rest = line
		sub(/^[^(]*\(\)/, "", rest)
		words(rest)
		if (rest ~ /\}[ \t]*$/) {
			print fn body
			fn = ""
		}
		next
	}
	fn && line == indent "}" { print fn body; fn = ""; next }
	fn { words(line) }
	' "$@"
}

# enders: the functions of "name callee..." lines on stdin that can end
# the test, to a fixed point; a later definition of a name replaces an
# earlier one.
enders() {
	awk '
	{ b[$1] = $0 }
	END {
		do {
			more = 0
			for (f in b) {
				if (f in e)
					continue
				k = split(b[f], w, " ")
				for (j = 2; j <= k; j++)
					if (w[j] == "!" || w[j] in e) {
						e[f] = 1
						more = 1
						break
					}
			}
		} while (more)
		for (f in e)
			print f
	}' | sort
}

# shellcheck disable=SC2086 # a list of paths without spaces
lib_defs=$(defs $LIBS)
found=
for file in "$@"; do
	for f in $( (echo "$lib_defs"; defs "$file") | enders); do
		hits=$(grep -nE "\\$\\([[:space:]]*$f([[:space:];|)&]|\$)" "$file" |
			grep -vE '^[0-9]+:[[:space:]]*#' |
			sed "s|^\\([0-9]*\\):[[:space:]]*|$file:\\1: $f: |")
		[ -z "$hits" ] || found="$found$hits
"
	done
done
if [ -n "$found" ]; then
	printf '%s' "$found"
	echo "lint-fail-subshell.sh: a fail, skip or exit in these \$(...) ends" \
		"the subshell only: hand the value back in a variable" >&2
	exit 1
fi
