#!/bin/bash
# The fixed cost of a crash: how long gocrashd holds the process (capture_drain_usec) for a
# small core, where reading the pipe takes next to nothing and what comes before it shows: the
# /proc reads, the sandboxed inspection of the executable, opening the store. The core is the
# first 64 KiB of tests/data/go's go1.22 core, replayed with --exe through a pipe, once with
# its Go executable and once with a static C one. Several build trees compare as rows.
#
#   tests/bench/held-small.sh [BUILD_DIR...]
#
# Environment: REPS (31). Touches nothing outside a temporary directory, which it removes.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
REPS=${REPS:-31}
[ $# -gt 0 ] || set -- "$SRC/build"

T=$(mktemp -d "${TMPDIR:-/tmp}/held-small.XXXXXX")
trap 'rm -rf "$T"' EXIT
zstd -dqf "$SRC/tests/data/go/go1.22-panic.core.zst" -o "$T/full.core"
head -c 65536 "$T/full.core" >"$T/core"
zstd -dqf "$SRC/tests/data/go/go1.22-panic.exe.zst" -o "$T/go.exe"
zstd -dqf "$SRC/tests/data/crash-c-static.zst" -o "$T/c.exe"

held() { # held GOCRASHD EXE: the median, min and max of REPS runs, in microseconds
	local rep
	for rep in $(seq "$REPS"); do
		rm -rf "$T/store"
		"$1" --config=/dev/null --store="$T/store" --no-journal --exe="$2" \
			$((4000 + rep)) held 11 <"$T/core" 2>/dev/null
		sed -n 's/^capture_drain_usec=//p' "$T"/store/*/meta
	done | sort -n | awk '{ v[NR] = $1 } END { printf "%d | %d-%d", v[int((NR + 1) / 2)], v[1], v[NR] }'
}

echo "64 KiB core, $REPS runs each, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| build | executable | held us, median | min-max |"
echo "|---|---|---|---|"
for build in "$@"; do
	for exe in go.exe c.exe; do
		echo "| $build | $exe | $(held "$build/daemon/gocrashd" "$T/$exe") |"
	done
done
