#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host half of make bench:  scripts/bench-report.sh VERDICT_FILE...
# selftests/bench.sh sends its raw numbers over the verdict channel as
# "HSK-CSV TABLE ROW" lines, a header row first.  This writes them to
# build/bench/TABLE.csv, prints the table of hsk/kernel ratios (also kept
# as build/bench/table.txt) and plots CPU per SYN and legitimate success
# against the flood rate, build/bench/flood.png.  It reports; it never
# judges a number.
#
# Given the verdict files of several bench runs (copies of
# build/verdict-distro.txt), it pools them: medians over all their flood
# runs, whose run numbers become FILE.RUN; the profile of the first file
# that has one.
set -eu

[ $# -gt 0 ] || { echo "usage: bench-report.sh VERDICT_FILE..." >&2; exit 2; }
verdicts=()
for f in "$@"; do
	verdicts+=("$(readlink -f "$f")")
done
verdict=${verdicts[*]}
cd "$(dirname "$0")/.."
# One directory per kernel when vm.sh names it (make bench runs each).
dir=${HSK_BENCH_OUT:-build/bench}
rm -rf "$dir"
mkdir -p "$dir"

n=0
for f in "${verdicts[@]}"; do
	n=$((n + 1))
	# One header per table: the first file's that has the table; the
	# profile rows of the first file that has some.
	profiled=$(($(cat "$dir/profile.csv" 2>/dev/null | wc -l) > 1))
	tr -d '\r' <"$f" | awk -v d="$dir" -v file=$n -v pooled=$(($# > 1)) \
		-v have="$(cd "$dir" && ls -- *.csv 2>/dev/null | tr '\n' ' ')" \
		-v profiled=$profiled '
		BEGIN { split(have, h, " "); for (i in h) old[h[i]] = 1 }
		$1 != "HSK-CSV" { next }
		{ t = $2; sub(/^HSK-CSV [^ ]* /, "") }
		t == "profile" && profiled { next }
		!(t in header) {
			header[t] = 1
			if (!((t ".csv") in old))
				print >> (d "/" t ".csv")
			next
		}
		t == "flood" && pooled { $0 = file "." $0 }
		{ print >> (d "/" t ".csv") }'
done
# HSK_BENCH_PARTS may have left parts out: their tables stay empty.
rows=0
for t in flood handshake memory burst calm profile; do
	n=$(wc -l 2>/dev/null <"$dir/$t.csv" || echo 0)
	if [ "$n" -lt 2 ]; then
		echo "bench-report.sh: no $t rows in $verdict" >&2
		touch "$dir/$t.csv"
	fi
	rows=$((rows + n))
done
if [ "$rows" = 0 ]; then
	echo "bench-report.sh: no rows at all in $verdict, no report" >&2
	exit 1
fi

# The guest's kernel, from the first verdict's opening line.
kver=$(tr -d '\r' <"${verdicts[0]}" | sed -n 's/^HSK-VERDICT-BEGIN //p' | head -n1)

# Columns are looked up by their header names, so bench.sh may add some.
awk -F, -v d="$dir" -v kver="${kver:-an unknown kernel}" '
function v(name) { return $(col[FILENAME, name]) }
function ratio(h, k) { return (k + 0 > 0 && h != "-") ? sprintf("%.2f", h / k) : "-" }
function pct(ok, failed) { return ok + failed ? sprintf("%.1f", 100 * ok / (ok + failed)) : "-" }
# Median and range of the space separated numbers in s.
function median(s, n, a, i, j, t) {
	n = split(s, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	lo = a[1]; hi = a[n]
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
FNR == 1 {
	for (i = 1; i <= NF; i++)
		col[FILENAME, $i] = i
	next
}
# Flood cases run several times: each cell of the table is a median.
function add(k, name, x) {
	if (x != "-")
		runs[k, name] = runs[k, name] " " x
}
function med(k, name) { return (k, name) in runs ? median(runs[k, name]) : "-" }
FILENAME ~ /flood.csv$/ {
	k = v("rate") SUBSEP v("stack") SUBSEP v("cookies")
	if (!(v("rate") in seen)) {
		seen[v("rate")] = 1
		rates[++nrates] = v("rate")
	}
	if (!(k in have))
		keys[++nkeys] = k
	have[k] = 1
	add(k, "offered", v("offered_per_s")); add(k, "busy", v("rx_cpu_pct"))
	add(k, "gen", v("gen_cpu_pct"))
	if (v("rate") == "flood")
		fruns[++nfruns] = sprintf("  %-10s %7s %3s %8s %8s %6s %6s %6s", v("stack"), v("cookies"),
					  v("run"), v("offered_per_s"), v("us_per_syn"), v("rx_cpu_pct"),
					  v("gen_cpu_pct"), v("early_pct"))
	add(k, "us", v("us_per_syn")); add(k, "sa", v("synacks_per_s"))
	add(k, "run", v("run")); usrun[k, v("run")] = v("us_per_syn")
	add(k, "ok", pct(v("legit_ok"), v("legit_failed")))
	add(k, "p50", v("connect_p50_ms")); add(k, "p99", v("connect_p99_ms"))
}
FILENAME ~ /handshake.csv$/ { hs[v("stack")] = hs[v("stack")] " " v("per_s") }
FILENAME ~ /memory.csv$/ { mem[++nmem] = v("entry") SUBSEP v("kernel_bytes") SUBSEP v("hsk_bytes") }
FILENAME ~ /burst.csv$/ { burst[++nburst] = v("case") SUBSEP v("connect_p50_ms") SUBSEP v("connect_p99_ms") SUBSEP pct(v("ok"), v("failed")) }
FILENAME ~ /calm.csv$/ {
	calm[++ncalm] = v("stack") SUBSEP v("cookies") SUBSEP pct(v("ok"), v("failed")) SUBSEP \
		v("hello_p50_ms") SUBSEP v("hello_p99_ms") SUBSEP v("acks_dropped") SUBSEP v("synack_retrans")
}
FILENAME ~ /profile.csv$/ {
	ps = v("stack") ":" v("cookies")
	if (!(ps in pseen)) {
		pseen[ps] = 1
		pstacks[++npstacks] = ps
	}
	if (v("kind") == "part") {
		if (!(v("name") in partseen)) {
			partseen[v("name")] = 1
			parts[++nparts] = v("name")
		}
		share[ps, v("name")] = v("pct")
	} else {
		fn[ps] = fn[ps] sprintf("    %5.1f %s\n", v("pct"), v("name"))
	}
}
END {
	print "== make bench on " kver ": hsk against the kernel listener, same guest (raw numbers in " d "/*.csv)"
	print ""
	print "SYN flood from random sources; us/SYN: receive vCPU time per SYN received;"
	print "SYN-ACK/s: answers to the flood sources; legit: clients dialing meanwhile;"
	print "rx busy %: how much of the receive vCPU was busy; offered: SYNs/s the generator sent;"
	print "gen busy %: the other vCPU (generator, legitimate clients, server process);"
	print "below 100 % rx busy, the generator, not the receiver, set the pace;"
	print "each cell the median of the runs of its case"
	print "kernel vs hsk: plain; late: hsk without its early SYN path; ct: both behind"
	print "a stateful conntrack firewall; noct: a plain server without nf_conntrack loaded"
	printf "%-6s %-11s %7s | %-11s | %-11s | %-20s | %-22s | %-12s | %-13s | %s\n", "",
	       "cookies", "SYN/s", "rx busy %", "gen busy %", "    us/SYN", "      SYN-ACK/s",
	       "legit ok %", "p50 ms", "p99 ms"
	printf "%-6s %-11s %7s | %5s %5s | %5s %5s | %6s %6s %6s | %7s %7s %6s | %5s %6s | %6s %6s | %6s %6s\n",
	       "rate", "k vs h", "offered", "kern", "hsk", "kern", "hsk", "kernel", "hsk", "ratio",
	       "kernel", "hsk", "ratio", "kern", "hsk", "kernel", "hsk", "kernel", "hsk"
	# kernel stack:cookies, hsk stack:cookies, label
	npairs = split("kernel:1:hsk:1: kernel:2:hsk:2: kernel:1:hsk:3: " \
		       "kernel:2:hsk-late:2:late kernel-ct:1:hsk-ct:1:ct " \
		       "kernel-ct:2:hsk-ct:2:ct kernel-noct:1:hsk-noct:1:noct " \
		       "kernel-noct:2:hsk-noct:2:noct", pairs, " ")
	for (r = 1; r <= nrates; r++)
		for (p = 1; p <= npairs; p++) {
			split(pairs[p], c, ":")
			kk = rates[r] SUBSEP c[1] SUBSEP c[2]
			hk = rates[r] SUBSEP c[3] SUBSEP c[4]
			if (!have[kk] || !have[hk])
				continue
			c[1] = (c[5] == "" ? "" : c[5] " ") c[2]; c[2] = c[4]
			usk = med(kk, "us"); ush = med(hk, "us")
			sak = med(kk, "sa"); sah = med(hk, "sa")
			printf "%-6s %-11s %7d | %5.1f %5.1f | %5.1f %5.1f | %6.2f %6.2f %6s | %7d %7d %6s | %5s %6s | %6s %6s | %6s %6s\n",
			       rates[r], c[1] " vs " c[2], med(hk, "offered"), med(kk, "busy"),
			       med(hk, "busy"), med(kk, "gen"), med(hk, "gen"), usk, ush, ratio(ush, usk),
			       sak, sah, ratio(sah, sak),
			       med(kk, "ok"), med(hk, "ok"), med(kk, "p50"), med(hk, "p50"),
			       med(kk, "p99"), med(hk, "p99")
		}
	print ""
	print "us/SYN, hsk/kernel run by run: each hsk run against the kernel'"'"'s run of the"
	print "same round, a minute apart at most; median [lowest, highest] of the ratios"
	for (r = 1; r <= nrates; r++)
		for (p = 1; p <= npairs; p++) {
			split(pairs[p], c, ":")
			kk = rates[r] SUBSEP c[1] SUBSEP c[2]
			hk = rates[r] SUBSEP c[3] SUBSEP c[4]
			if (!have[kk] || !have[hk])
				continue
			rs = ""
			nr = split(runs[hk, "run"], ids, " ")
			for (i = 1; i <= nr; i++)
				if ((kk, ids[i]) in usrun && usrun[kk, ids[i]] > 0)
					rs = rs " " sprintf("%.2f", usrun[hk, ids[i]] / usrun[kk, ids[i]])
			if (rs == "")
				continue
			mr = median(rs)
			printf "  %-6s %-11s %5.2f [%.2f, %.2f] of %d\n", rates[r],
			       (c[5] == "" ? "" : c[5] " ") c[2] " vs " c[4], mr, lo, hi, split(rs, ids, " ")
		}
	# One series per stack and cookie mode for the plot.
	for (i = 1; i <= nkeys; i++) {
		split(keys[i], c, SUBSEP)
		print med(keys[i], "offered"), med(keys[i], "us"), med(keys[i], "ok") \
			> (d "/" c[2] "-cookies" c[3] ".dat")
	}
	print ""
	print "each full-flood run: SYNs/s offered, us/SYN, rx and gen busy %, share of hsk'"'"'s"
	print "SYNs taken by the early path %"
	printf "  %-10s %7s %3s %8s %8s %6s %6s %6s\n", "stack", "cookies", "run", "offered",
	       "us/SYN", "rx %", "gen %", "early"
	for (i = 1; i <= nfruns; i++)
		print fruns[i]
	print ""
	print "no flood: handshakes per second, median of the rounds [lowest, highest]"
	mk = median(hs["kernel"]); klo = lo; khi = hi
	mh = median(hs["hsk"])
	printf "  kernel %d [%d, %d], hsk %d [%d, %d], hsk/kernel %s\n",
	       mk, klo, khi, mh, lo, hi, ratio(mh, mk)
	print ""
	print "memory per entry: kernel, hsk bytes, hsk/kernel"
	for (i = 1; i <= nmem; i++) {
		split(mem[i], m, SUBSEP)
		printf "  %-10s %6s %6s %6s\n", m[1], m[2], m[3], ratio(m[3], m[2])
	}
	print ""
	print "burst beyond listen(fd, 4), accept() from 3 s on: ok %, connect p50, p99 ms"
	for (i = 1; i <= nburst; i++) {
		split(burst[i], b, SUBSEP)
		printf "  %-24s %6s %6s %6s\n", b[1], b[4], b[2], b[3]
	}
	print ""
	print "calm, no flood: the server speaks first, each client'"'"'s first final ACK is lost;"
	print "only a listener that keeps state retransmits its SYN-ACK and gets the connection"
	printf "  %-8s %7s %6s %12s %12s %13s %15s\n", "stack", "cookies", "ok %", "hello p50 ms",
	       "hello p99 ms", "ACKs dropped", "SYN-ACK retrans"
	for (i = 1; i <= ncalm; i++) {
		split(calm[i], c, SUBSEP)
		printf "  %-8s %7s %6s %12s %12s %13s %15s\n", c[1], c[2], c[3], c[4], c[5], c[6], c[7]
	}
	print ""
	print "profile of the receive vCPU under the full flood (perf cpu-clock samples, %)"
	printf "  %-14s", "part"
	for (j = 1; j <= npstacks; j++)
		printf " %12s", pstacks[j]
	print ""
	for (i = 1; i <= nparts; i++) {
		printf "  %-14s", parts[i]
		for (j = 1; j <= npstacks; j++)
			printf " %12s", (pstacks[j], parts[i]) in share ? share[pstacks[j], parts[i]] : "-"
		print ""
	}
	for (j = 1; j <= npstacks; j++)
		printf "  top functions, %s:\n%s", pstacks[j], fn[pstacks[j]]
}' "$dir/flood.csv" "$dir/handshake.csv" "$dir/memory.csv" "$dir/burst.csv" \
	"$dir/calm.csv" "$dir/profile.csv" |
	tee "$dir/table.txt"

compgen -G "$dir/*.dat" >/dev/null || exit 0
for f in "$dir"/*.dat; do
	sort -n -o "$f" "$f"
done
series=
for f in "$dir"/*.dat; do
	series="$series $(basename "$f" .dat)"
done
gnuplot <<EOT
set terminal pngcairo size 900,900
set output '$dir/flood.png'
set multiplot layout 2,1 title 'hsk against the kernel listener under a SYN flood (make bench)'
set logscale x
set grid
set key outside right
set xlabel 'offered SYNs per second'
set ylabel 'receive vCPU us per SYN'
set logscale y
plot for [s in '$series'] '$dir/'.s.'.dat' using 1:2 with linespoints title s
set ylabel 'legitimate connections ok (%)'
unset logscale y
set yrange [0:105]
plot for [s in '$series'] '$dir/'.s.'.dat' using 1:3 with linespoints title s
unset multiplot
EOT
echo "bench: raw numbers in $dir/*.csv, table in $dir/table.txt, plot $dir/flood.png"
