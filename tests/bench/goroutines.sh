#!/bin/bash
# How long the Go analysis takes for 10, 10,000 and 100,000 goroutines: tests/go/crash in mode
# `many N` panics with N goroutines parked on a channel under GOTRACEBACK=crash; the kernel
# writes its core to a file through a pipe (core_pattern is set for the run and restored on
# exit), then the core is replayed into gocrashd REPS times and the handler's own figures are
# read from the entry (analysis_usec: the sandboxed child, wall clock; capture_max_rss_kib).
# Prints a markdown table. Needs root and a Debian Go toolchain.
#
#   tests/bench/goroutines.sh [BUILD_DIR]
#
# Environment: COUNTS ("10 10000 100000"), REPS (5), GO (newest /usr/lib/go-1.*/bin/go).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
COUNTS=${COUNTS:-10 10000 100000}
REPS=${REPS:-5}
GO=${GO:-$(ls -d /usr/lib/go-1.*/bin/go 2>/dev/null | sort -V | tail -1)}
GOCRASHD=$BUILD/daemon/gocrashd

[ "$(id -u)" = 0 ] || { echo "goroutines: needs root (core_pattern)" >&2; exit 1; }
[ -x "$GO" ] || { echo "goroutines: no Go toolchain" >&2; exit 1; }
[ -x "$GOCRASHD" ] || { echo "goroutines: no $GOCRASHD, build first" >&2; exit 1; }

# core_pattern is global: one user at a time, with the e2e tests (tests/e2e/lib.sh), unless
# called by one of them, which holds the lock already.
if [ -z "${GC_E2E_LOCKED:-}" ]; then
	exec 9>/run/lock/gocrashd-e2e.lock
	flock 9
fi

T=$(mktemp -d /tmp/gc-bench.XXXXXX)
chmod 755 "$T"
SAVED_PATTERN=$(cat /proc/sys/kernel/core_pattern)
trap 'printf "%s\n" "$SAVED_PATTERN" >/proc/sys/kernel/core_pattern; rm -rf "$T"' EXIT

export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$T/gocache GOPATH=$T/gopath
(cd "$SRC/tests/go/crash" && "$GO" build -o "$T/crash" .)
printf '#!/bin/sh\ncat > %s/raw.core\n' "$T" >"$T/to-file"
chmod 755 "$T/to-file"
printf '|%s/to-file\n' "$T" >/proc/sys/kernel/core_pattern

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "| goroutines | core | analysis (median of $REPS) | min | max | peak RSS, root part | peak RSS, analysis |"
echo "|---|---|---|---|---|---|---|"
for n in $COUNTS; do
	rm -f "$T/raw.core"
	# (bash reports the abort on its own stderr: quiet that too)
	{ (cd "$T" && ulimit -c unlimited && GOTRACEBACK=crash exec ./crash many "$n") \
		>/dev/null 2>&1 || true; } 2>/dev/null
	for _ in $(seq 1 100); do [ -s "$T/raw.core" ] && ! pgrep -f "$T/to-file" >/dev/null && break; sleep 0.1; done
	: >"$T/times"
	for _ in $(seq 1 "$REPS"); do
		rm -rf "$T/store"
		/usr/bin/time -o "$T/rss" -f %M "$GOCRASHD" --store "$T/store" --exe "$T/crash" \
			--no-journal 1 crash 6 <"$T/raw.core"
		meta=$(echo "$T"/store/*/meta)
		sed -n 's/^analysis_usec=//p' "$meta" >>"$T/times"
		rss=$(sed -n 's/^capture_max_rss_kib=//p' "$meta")
		child_rss=$(cat "$T/rss") # the largest of gocrashd and its analysis child
		found=$(sed -n 's/^go_goroutines=//p' "$meta")
	done
	printf '| %s (%s found) | %s MiB | %s ms | %s ms | %s ms | %s MiB | %s MiB |\n' "$n" "$found" \
		$(($(stat -c %s "$T/raw.core") >> 20)) \
		$(($(median <"$T/times") / 1000)) $(($(sort -n "$T/times" | head -1) / 1000)) \
		$(($(sort -n "$T/times" | tail -1) / 1000)) $((rss / 1024)) $((child_rss / 1024))
done
