#!/bin/bash
# How long gocrashd holds a crashed process, replayed without the kernel: a synthetic core of
# tests/e2e/bigheap.c's heap (tests/bench/gen-core.c) goes through a pipe into gocrashd, as the
# kernel's core_pattern pipe would deliver it, for several zstd levels; `cat > /dev/null` is
# the floor and `zstd -1 -T0` the reference for size. Prints a markdown table on stdout.
#
#   tests/bench/capture-replay.sh [BUILD_DIR]
#
# Environment: SIZE_MIB (1536), REPS (5), LEVELS ("1 -1 -3 -5 -7": gocrashd takes -7 to 19),
# THREADS (0 = auto), TMPDIR (where the core and the store go: needs 2.5x SIZE_MIB free),
# PIPE=1 adds rows for tests/bench/zwriter-replay.c, capture.c's read loop alone, with the
# default 64 KiB pipe and with the pipe grown to 1 MiB (F_SETPIPE_SZ).
# Touches nothing outside a temporary directory, which it removes.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
SIZE_MIB=${SIZE_MIB:-1536}
REPS=${REPS:-5}
LEVELS=${LEVELS:-1 -1 -3 -5 -7}
THREADS=${THREADS:-0}
PIPE=${PIPE:-0}
GOCRASHD=$BUILD/daemon/gocrashd

for tool in gcc zstd /usr/bin/time python3; do
	command -v "$tool" >/dev/null || { echo "capture-replay: $tool is missing" >&2; exit 1; }
done
[ -x "$GOCRASHD" ] || { echo "capture-replay: no $GOCRASHD, build first" >&2; exit 1; }
avail_kib=$(df -k --output=avail "${TMPDIR:-/tmp}" | tail -1)
if [ "$avail_kib" -lt $((SIZE_MIB * 1024 * 5 / 2)) ]; then
	echo "capture-replay: not enough space in ${TMPDIR:-/tmp} for a ${SIZE_MIB} MiB core" >&2
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/capture-replay.XXXXXX")
trap 'rm -rf "$T"' EXIT

gcc -O2 -Wall -o "$T/gen-core" "$SRC/tests/bench/gen-core.c"
gcc -O2 -o "$T/bigheap" "$SRC/tests/e2e/bigheap.c"
if [ "$PIPE" = 1 ]; then
	# shellcheck disable=SC2046 # pkg-config prints several words
	gcc -O2 -Wall -D_GNU_SOURCE -I "$SRC/lib" -I "$BUILD" -o "$T/zwriter-replay" \
		"$SRC/tests/bench/zwriter-replay.c" "$BUILD/lib/libgocrash.a" \
		$(pkg-config --libs libsystemd libzstd libelf inih) -pthread
fi
"$T/gen-core" "$SIZE_MIB" >"$T/core"
raw_bytes=$(stat -c %s "$T/core")
cat "$T/core" >/dev/null # page cache: every run reads memory, not the disk

# One run: `cat core | CMD`, timed on the consumer's side. Appends "seconds rss_kib" to $1.
timed() {
	local out=$1
	shift
	# shellcheck disable=SC2002 # a pipe on purpose: the kernel hands gocrashd a pipe
	cat "$T/core" | /usr/bin/time -o "$T/time" -f "%e %M" "$@"
	cat "$T/time" >>"$out"
}

run_cat() {
	: >"$T/cat.times"
	for _ in $(seq "$REPS"); do timed "$T/cat.times" cat >/dev/null; done
}

run_zstd() {
	: >"$T/zstd.times"
	for _ in $(seq "$REPS"); do
		# shellcheck disable=SC2016 # expanded by the inner shell
		timed "$T/zstd.times" sh -c 'zstd -1 -T0 -q -c > "$1"' sh "$T/zstd1.zst"
	done
	stat -c %s "$T/zstd1.zst" >"$T/zstd.bytes"
	rm -f "$T/zstd1.zst"
}

write_config() {
	cat >"$T/conf" <<-EOF
		[Store]
		Directory=$T/store
		MaxUse=95%
		KeepFree=1G
		MaxCores=1000
		MaxCoreSize=infinity
		[Compression]
		Level=$1
		Threads=$THREADS
	EOF
}

meta_field() {
	sed -n "s/^$2=//p" "$1"
}

# gocrashd at one level: wall time and peak RSS from time(1); the time the pipe was held
# (capture_drain_usec) and the stored size from the entry's meta. The first run's core is
# checked with `zstd -t`.
run_gocrashd() {
	local level=$1 name=gocrashd$1 meta
	write_config "$level"
	: >"$T/$name.times"
	: >"$T/$name.drain"
	for rep in $(seq "$REPS"); do
		rm -rf "$T/store"
		timed "$T/$name.times" "$GOCRASHD" --config="$T/conf" --no-journal \
			--exe="$T/bigheap" 4242 bigheap 11 2>>"$T/gocrashd.log"
		meta=$(echo "$T"/store/*/meta)
		meta_field "$meta" capture_drain_usec >>"$T/$name.drain"
		meta_field "$meta" stored_size >"$T/$name.bytes"
		if [ "$rep" = 1 ] && ! zstd -tq "$(dirname "$meta")/core.zst"; then
			echo "capture-replay: level $level stored a core that fails zstd -t" >&2
			exit 1
		fi
	done
	rm -rf "$T/store"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
run_cat
run_zstd
for level in $LEVELS; do run_gocrashd "$level"; done
# capture.c's loop without the rest of gocrashd, at level 1: pipe size as the kernel makes it,
# then grown to 1 MiB as drain_input could do.
run_replay() {
	local name=$1 pipe_kib=$2
	: >"$T/$name.times"
	: >"$T/$name.drain"
	for _ in $(seq "$REPS"); do
		# shellcheck disable=SC2016 # expanded by the inner shell
		timed "$T/$name.times" sh -c '"$1" "$2" 1 "$3" 4096 "$4" > "$5"' sh \
			"$T/zwriter-replay" "$T/replay.zst" "$THREADS" "$pipe_kib" "$T/replay.out"
		cut -d' ' -f1 "$T/replay.out" | awk '{printf "%d\n", $1 * 1000000}' >>"$T/$name.drain"
		cut -d' ' -f4 "$T/replay.out" >"$T/$name.bytes"
	done
	rm -f "$T/replay.zst"
}
if [ "$PIPE" = 1 ]; then
	run_replay replay64 0
	run_replay replay1024 1024
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$T" "$raw_bytes" "$LEVELS" "$REPS" "$SIZE_MIB" "$(nproc)" "$PIPE" <<'EOF'
import os, statistics, sys

tmp, raw, levels, reps, size_mib, cpus, pipe = sys.argv[1:]
raw = int(raw)

def times(name):
    rows = [l.split() for l in open(os.path.join(tmp, name + ".times")) if l.strip()]
    return [float(r[0]) for r in rows], [int(r[1]) for r in rows]

def read_int(name, ext):
    path = os.path.join(tmp, name + ext)
    return int(open(path).read().split()[0]) if os.path.exists(path) else None

floor = statistics.median(times("cat")[0])
zstd_bytes = read_int("zstd", ".bytes")

def row(label, name, drain=None):
    secs, rss = times(name)
    med = statistics.median(secs)
    stored = read_int(name, ".bytes")
    size = "" if stored is None else "%d (%+.2f%%)" % (stored, 100.0 * (stored - zstd_bytes) / zstd_bytes)
    held = ""
    if drain:
        held = "%.2f (x%.2f)" % (statistics.median(drain), statistics.median(drain) / floor)
    print("| %s | %.2f (%.2f-%.2f) | %.0f | x%.2f | %s | %s | %.1f |" % (
        label, med, min(secs), max(secs), raw / med / 1e6, med / floor, held, size,
        max(rss) / 1024))

print("%s MiB synthetic bigheap core (%d bytes) through a pipe, %s runs each, %s CPUs\n"
      % (size_mib, raw, reps, cpus))
print("| run | seconds median (min-max) | MB/s | vs cat | pipe held s (vs cat) | stored bytes (vs zstd -1) | peak RSS MiB |")
print("|---|---|---|---|---|---|---|")
row("`cat > /dev/null`", "cat")
row("`zstd -1 -T0`", "zstd")
def drains(name):
    return [int(l) / 1e6 for l in open(os.path.join(tmp, name + ".drain")) if l.strip()]

for level in levels.split():
    row("gocrashd level %s" % level, "gocrashd" + level, drains("gocrashd" + level))
if pipe == "1":
    row("zwriter-replay level 1, 64 KiB pipe", "replay64", drains("replay64"))
    row("zwriter-replay level 1, 1 MiB pipe", "replay1024", drains("replay1024"))
EOF
