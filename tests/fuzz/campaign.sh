#!/bin/bash
# SPDX-License-Identifier: MIT
# A fuzz campaign (a benchmark, not a test): builds each target with libFuzzer, ASan and UBSan,
# runs it from its checked-in corpus for a number of executions or a time, at SCHED_IDLE (so
# that it takes only what nothing else wants, not even gocrashd's idle-priority recompression
# is starved), one target at a time, and prints one line per target: executions, cov, ft,
# corpus, findings.
#
#   tests/fuzz/campaign.sh [-r RUNS] [-t SECONDS] [-j JOBS] [-o DIR] [TARGET...]
#
# RUNS defaults to 10,000,000 executions, SECONDS to none (whichever comes first ends the
# run); JOBS > 1 runs libFuzzer's fork mode with that many processes (RUNS counts all of
# them; its cov and ft count differently from a single process's). TARGET defaults to every
# target of tests/fuzz/meson.build. Some targets get a -max_len (below). Crashers land in
# DIR/findings/TARGET/ (DIR defaults to /tmp/gocrashd-fuzz), the grown corpus in
# DIR/corpus/TARGET/, libFuzzer's log in DIR/TARGET.log. The checked-in corpus is not
# changed: copy a crasher into tests/fuzz/corpus/TARGET/ along with its fix.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
runs=10000000
seconds=0
jobs=1
out=/tmp/gocrashd-fuzz
while getopts r:t:j:o: opt; do
	case $opt in
	r) runs=$OPTARG ;;
	t) seconds=$OPTARG ;;
	j) jobs=$OPTARG ;;
	o) out=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -eq 0 ]; then
	# shellcheck disable=SC2046
	set -- $(sed -n "/^fuzz_targets/,/]/p" "$src/tests/fuzz/meson.build" | grep -o "'[a-z-]*'" |
		tr -d "'")
fi

b=$out/build
mkdir -p "$out"
if [ ! -f "$b/build.ninja" ]; then
	CC=clang meson setup "$b" "$src" -Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fsanitize=fuzzer-no-link -Dtests=false >"$out/setup.log"
fi
link() {
	# Before every target: a campaign runs for hours, and a target built against headers
	# newer than the library (the meta table grew meanwhile) reads past the old tables.
	nice -n 19 ninja -C "$b" lib/libgocrash.a lib/analysis/libgocrash-analysis.a \
		lib/analysis/libgolayout.a >"$out/ninja.log"
	# shellcheck disable=SC2046
	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I"$src/lib" \
		-I"$src/lib/analysis" -I"$b" "$src/tests/fuzz/fuzz-$1.c" "$b"/lib/libgocrash.a.p/*.o \
		"$b"/lib/analysis/libgocrash-analysis.a.p/*.o "$b"/lib/analysis/libgolayout.a.p/*.o \
		$(pkg-config --libs libzstd libelf libdw libsystemd inih) -pthread -o "$out/fuzz-$1"
}

# Inputs longer than these add little but time: goreport's cost grows with the input (its
# seeds are 18-27 KB; 4 KB holds a report of a few goroutines, 3x the executions), godwarf's
# inputs are whole executables' DWARF.
options() {
	case $1 in
	goreport | escape | groups) echo -max_len=4096 ;;
	godwarf) echo -max_len=700000 ;;
	esac
}

# "#N DONE cov: C ft: F corp: K/..." or the last "#N ..." line before a crash; in fork mode
# "#N: cov: C ft: F corp: K exec/s ...".
summary() {
	local log=$1 last
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
	echo "$last" | sed -nE 's/^#([0-9]+):? .*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/\1 \2 \3 \4/p'
}

printf '%-16s %12s %8s %6s %6s %7s %s\n' target executions seconds cov ft corpus findings
export GC_TEST_DATA=$src/tests/data
for t in "$@"; do
	link "$t"
	mkdir -p "$out/corpus/$t" "$out/findings/$t"
	cp -n "$src/tests/fuzz/corpus/$t"/* "$out/corpus/$t/" 2>/dev/null || true
	start=$(date +%s)
	fork=()
	[ "$jobs" -le 1 ] || fork=(-fork="$jobs")
	# shellcheck disable=SC2046
	chrt --idle 0 "$out/fuzz-$t" -runs="$runs" -max_total_time="$seconds" "${fork[@]}" \
		$(options "$t") -print_final_stats=1 -artifact_prefix="$out/findings/$t/" \
		"$out/corpus/$t" >"$out/$t.log" 2>&1 || true
	elapsed=$(($(date +%s) - start))
	read -r execs cov ft corp <<<"$(summary "$out/$t.log")" || true
	printf '%-16s %12s %8s %6s %6s %7s %s\n' "$t" "${execs:-?}" "$elapsed" "${cov:-?}" \
		"${ft:-?}" "${corp:-?}" "$(find "$out/findings/$t" -type f | wc -l)"
done
