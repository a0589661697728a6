#!/bin/bash
# A crash loop through the real kernel: a Go service with a big heap (tests/bench/svcheap)
# crashes every INTERVAL seconds, N times, into gocrashd, one store for all, so that each
# crash arrives while the handlers of the earlier ones still analyse and recompress. For each
# crash it prints how long the kernel held the dying process (tests/bench/crashtime.c) and
# the ratio to the floor, the median hold of FLOORS crashes of the same size in the same run
# into a bare pipe (`cat > /dev/null`), one at a time; then the median ratio. A crash loop
# should cost each crash no more than a single crash does.
#
# The heaps are filled ahead (svcheap waits on a FIFO once its heap is full), so that the
# crashes come on time and no heap is being filled while a core is read: the floors' first,
# then the loop's N at once (N times SIZE of memory). Needs root; takes the e2e lock, sets and
# restores core_pattern, core_pipe_limit (16, as `gocrashctl enable` sets) and
# fs.suid_dumpable, and starts (then stops) journald when none runs.
#
#   tests/bench/crashloop.sh BUILD_DIR [BUILD_DIR...]
#
# Several builds take turns, ROUNDS times (an A/B of a change on the same noisy machine).
# Environment: SIZE (MiB the process maps, 1536), N (10), INTERVAL (seconds, 2), FLOORS (3),
# ROUNDS (1), DONE_WAIT (seconds to wait for the last handlers, 300), GO (newest Debian
# toolchain). gocrashd runs with its defaults, only the store
# directory moved.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
SIZE=${SIZE:-1536}
N=${N:-10}
INTERVAL=${INTERVAL:-2}
FLOORS=${FLOORS:-3}
ROUNDS=${ROUNDS:-1}
# shellcheck disable=SC2034 # lib.sh names its messages by it
BENCH=crashloop
. "$SRC/tests/bench/lib.sh"

[ $# -gt 0 ] || set -- "$SRC/build"
BUILDS=()
for b in "$@"; do BUILDS+=("$(cd "$b" && pwd)"); done
[ "$(id -u)" = 0 ] || die "needs root (core_pattern)"
for b in "${BUILDS[@]}"; do [ -x "$b/daemon/gocrashd" ] || die "no $b/daemon/gocrashd, build first"; done
[ -x "$GO" ] || die "no Go toolchain"
for tool in gcc python3; do command -v "$tool" >/dev/null || die "$tool is missing"; done
avail=$(awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo)
[ "$avail" -gt $((N * (SIZE + 100) + 2048)) ] ||
	die "$N heaps of $SIZE MiB need more memory than the $avail MiB available: lower N"

bench_lock
bench_setup
INSTANCES=()
# Heaps still waiting, after an interruption: crashtime and its svcheap.
restore() {
	local pid
	for pid in "${INSTANCES[@]}"; do
		pkill -KILL -P "$pid" 2>/dev/null || true
		kill -KILL "$pid" 2>/dev/null || true
	done
	bench_restore
}
trap restore EXIT
trap 'exit 130' INT TERM

# svcheap instances NAME.1 .. NAME.COUNT, each filled and waiting on $T/run/NAME.I.go.
fill() { # fill NAME COUNT
	local i
	for i in $(seq "$2"); do
		mkfifo "$T/run/$1.$i.go"
		# Not fd 9, the lock: a heap left behind must not hold it.
		(cd "$T/run" && exec "$T/crashtime" "$T/svcheap" "$SIZE" "$T/run/$1.$i.ready" \
			<>"$T/run/$1.$i.go" >"$T/run/$1.$i.held" 9>&-) &
		INSTANCES+=($!)
	done
	wait_for 1800 all_ready "$1" "$2" || die "the heaps of $1 were not filled in 30 minutes"
}
all_ready() { [ "$(ls "$T/run/$1".*.ready 2>/dev/null | wc -l)" -ge "$2" ]; }
crash() { echo x >"$T/run/$1.go"; } # crash NAME.I
held_of() { cut -d' ' -f1 "$T/run/$1.held"; }
pid_of() { cut -d' ' -f2 "$T/run/$1.held"; }

# Handlers at work now: gocrashd processes whose parent is not one (an analysis child).
handlers_busy() {
	{ ps -C gocrashd -o pid=,ppid= || true; } |
		awk '{ pid[$1] = 1; parent[$1] = $2 } END { n = 0; for (p in pid) if (!(parent[p] in pid)) n++; print n }'
}

meta_file() { { grep -l "^pid=$1\$" "$T"/store/*/meta 2>/dev/null || true; } | head -1; } # meta_file PID
meta_of() { # meta_of PID FIELD: from the entry of that crash
	local meta
	meta=$(meta_file "$1")
	[ -z "$meta" ] || sed -n "s/^$2=//p" "$meta" | head -1
}
# Seconds from the crash until the handler was done (it writes its total cost last), or
# "not within DONE_WAIT".
done_after() { # done_after PID I
	local meta
	meta=$(meta_file "$1")
	[ -n "$meta" ] && grep -q '^handler_cpu_usec=' "$meta" ||
		{ echo "not within ${DONE_WAIT:-300}"; return; }
	awk -v m="$(date -r "$meta" +%s.%N)" -v t="$(cat "$T/run/loop.$2.t")" 'BEGIN { printf "%.1f", m - t }'
}
all_done() { [ "$(grep -l '^handler_cpu_usec=' "$T"/store/*/meta 2>/dev/null | wc -l)" -ge "$N" ]; }

run_floor() { # the median to $T/run/floor
	local i
	echo "|$T/h/floor" >/proc/sys/kernel/core_pattern
	fill floor "$FLOORS"
	for i in $(seq "$FLOORS"); do
		crash "floor.$i"
		wait_for 600 test -s "$T/run/floor.$i.held" || die "floor crash $i did not end"
	done
	for i in $(seq "$FLOORS"); do held_of "floor.$i"; done >"$T/run/floors"
	median <"$T/run/floors" >"$T/run/floor"
}

# The loop of one build: one line per crash to $T/rows, "BUILD ROUND I HELD FLOOR BUSY DRAIN
# ANALYSIS RECOMPRESS", and its table on stdout.
run_loop() { # run_loop BUILD ROUND
	local build=$1 round=$2 floor i start busy pid load
	rm -rf "$T/run" "$T/store"
	mkdir -p "$T/run"
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	log "$build, round $round: $FLOORS floor crashes"
	run_floor
	floor=$(cat "$T/run/floor")
	log "$build, round $round: filling $N heaps of $SIZE MiB"
	write_gocrashd_handler gocrashd "$build"
	echo "|$T/h/gocrashd %P %e %s %t %u %g" >/proc/sys/kernel/core_pattern
	fill loop "$N"
	log "$build, round $round: $N crashes, one every $INTERVAL s"
	start=$(date +%s.%N)
	for i in $(seq "$N"); do
		sleep "$(awk -v s="$start" -v n="$(date +%s.%N)" -v k="$((i - 1))" -v d="$INTERVAL" \
			'BEGIN { t = s + k * d - n; print (t > 0 ? t : 0) }')"
		handlers_busy >"$T/run/loop.$i.busy"
		date +%s.%N >"$T/run/loop.$i.t"
		crash "loop.$i"
	done
	for i in $(seq "$N"); do
		wait_for 600 test -s "$T/run/loop.$i.held" || die "crash $i did not end"
	done
	wait_for "${DONE_WAIT:-300}" all_done ||
		log "not every handler finished within ${DONE_WAIT:-300} s: the table has what is there"
	echo
	echo "$(basename "$build"), round $round: $N crashes of $SIZE MiB, one every $INTERVAL s;" \
		"floor $floor s (median of $(tr '\n' ' ' <"$T/run/floors" | sed 's/ $//')); load average $load at the start," \
		"$(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo
	echo "| crash | held | vs floor | handlers at work before it | gocrashd's drain | analysis | recompression | handler done after |"
	echo "|---|---|---|---|---|---|---|---|"
	for i in $(seq "$N"); do
		pid=$(pid_of "loop.$i")
		busy=$(cat "$T/run/loop.$i.busy")
		set -- "$(held_of "loop.$i")" "$(meta_of "$pid" capture_drain_usec)" \
			"$(meta_of "$pid" analysis_usec)" "$(meta_of "$pid" recompress_usec)" \
			"$(meta_of "$pid" analysis)"
		echo "$(basename "$build") $round $i $1 $floor $busy ${2:--} ${3:--} ${4:--} ${5:--}" >>"$T/rows"
		awk -v i="$i" -v h="$1" -v f="$floor" -v b="$busy" -v d="${2:--}" -v a="${3:--}" \
			-v r="${4:--}" -v o="${5:--}" -v e="$(done_after "$pid" "$i")" '
			function s(usec) { return usec == "-" ? "-" : sprintf("%.2f s", usec / 1e6) }
			BEGIN { printf "| %d | %.2f s | x%.2f | %d | %s | %s (%s) | %s | %s s |\n",
				i, h, h / f, b, s(d), s(a), o, s(r), e }'
	done
}

start_journald
build_crash_tools
mkdir -p "$T/h"
printf '#!/bin/sh\nexec cat > /dev/null\n' >"$T/h/floor"
chmod 755 "$T/h/floor"
printf '[Store]\nDirectory=%s/store\n' "$T" >"$T/gocrashd.conf"
echo 16 >/proc/sys/kernel/core_pipe_limit
: >"$T/rows"
for round in $(seq "$ROUNDS"); do
	for build in "${BUILDS[@]}"; do run_loop "$build" "$round"; done
done
echo
echo "Median over all rounds (crashes 2 to $N: the first has no earlier handler at work):"
echo
echo "| build | crashes | held, median | vs floor, median | min – max vs floor |"
echo "|---|---|---|---|---|"
python3 - "$T/rows" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for build in dict.fromkeys(r[0] for r in rows):
    mine = [r for r in rows if r[0] == build and r[2] != "1"]
    held = [float(r[3]) for r in mine]
    ratio = [float(r[3]) / float(r[4]) for r in mine]
    print(f"| {build} | {len(mine)} | {statistics.median(held):.2f} s | x{statistics.median(ratio):.2f} | x{min(ratio):.2f} – x{max(ratio):.2f} |")
PY
echo
machine_line
