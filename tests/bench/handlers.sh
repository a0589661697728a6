#!/bin/bash
# What a core handler costs a crashed Go service, through the real kernel: tests/bench/svcheap
# fills a realistic Go heap and panics under GOTRACEBACK=crash, and each handler in turn gets
# its core from core_pattern. For each core size it prints a markdown table: how long the
# kernel held the dying process (crash to waitpid, tests/bench/crashtime.c: median, min, max
# and the ratio to the floor of the same run), the bytes stored, the handler's CPU time and
# peak RSS, and how long until the journal had the entry. Handlers:
#
#   floor     |sh -c 'cat > /dev/null'   what pushing the core through a pipe costs
#   core      core_pattern=FILE          the kernel writes the raw core itself
#   cat       |sh -c 'cat > FILE'        raw copy through a pipe
#   zstd      |sh -c 'zstd -1 -T0 > FILE'
#   coredump  systemd-coredump (Debian's), socket-activated by systemd-socket-activate
#   gocrashd  this build, default config (only the store directory is moved)
#
# Runs are interleaved (one of each handler per round) so that the machine's drift hits all
# alike. core_pipe_limit is 16 for all (what `gocrashctl enable` sets). Needs root. Installs
# systemd-coredump from Debian when it is missing (NO_INSTALL=1 skips that row instead);
# sets and restores core_pattern, core_pipe_limit and fs.suid_dumpable, and starts (then
# stops) journald when none runs.
#
#   tests/bench/handlers.sh [BUILD_DIR]
#
# Environment: SIZES (MiB the process maps: "100 1536 6144"; a size is skipped when memory or
# disk is short), REPS (5; 3 for sizes above 4 GiB), HANDLERS (all of the above), GO (newest
# Debian toolchain), GOROUTINES=0 leaves out the Go analysis table (tests/bench/goroutines.sh
# with REPS=GOROUTINE_REPS, 3) printed at the end. BASELINE=OTHER_BUILD_DIR adds a row
# "gocrashd (baseline)" for that build's gocrashd, taking its turn in every round: an A/B of
# a change on the same noisy machine (HANDLERS="floor gocrashd baseline" for just that).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
SIZES=${SIZES:-100 1536 6144}
BASELINE=${BASELINE:+$(cd "$BASELINE" && pwd)}
HANDLERS=${HANDLERS:-floor core cat zstd coredump gocrashd${BASELINE:+ baseline}}
GOCRASHD=$BUILD/daemon/gocrashd
COREDUMP=/lib/systemd/systemd-coredump
COREDUMP_SOCKET=/run/systemd/coredump
# shellcheck disable=SC2034 # lib.sh names its messages by it
BENCH=handlers
. "$SRC/tests/bench/lib.sh"

[ "$(id -u)" = 0 ] || die "needs root (core_pattern)"
[ -x "$GOCRASHD" ] || die "no $GOCRASHD, build first"
[ -x "$GO" ] || die "no Go toolchain"
case " $HANDLERS " in
*" baseline "*) [ -x "$BASELINE/daemon/gocrashd" ] || die "the baseline row needs BASELINE=BUILD_DIR" ;;
esac
for tool in gcc zstd /usr/bin/time journalctl python3; do
	command -v "$tool" >/dev/null || die "$tool is missing"
done

bench_lock
bench_setup
SOCKET_PID=''
restore() {
	[ -z "$SOCKET_PID" ] || { kill "$SOCKET_PID" 2>/dev/null; rm -f "$COREDUMP_SOCKET"; }
	bench_restore
}
trap restore EXIT
trap 'exit 130' INT TERM

# Debian's postinst applies its sysctl file to the running kernel: put ours back.
install_coredump() {
	[ -x "$COREDUMP" ] && return 0
	[ "${NO_INSTALL:-0}" = 1 ] && return 1
	log "installing systemd-coredump"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		systemd-coredump >"$T/apt.log" 2>&1 || { log "apt failed, see nothing stored"; return 1; }
	bench_restore_sysctls
	getent passwd systemd-coredump >/dev/null ||
		systemd-sysusers /usr/lib/sysusers.d/systemd-coredump.conf
}

# Where systemd is not PID 1, the socket its kernel-side half connects to is served here.
start_coredump() {
	rm -f "$COREDUMP_SOCKET"
	systemd-socket-activate --seqpacket -a -l "$COREDUMP_SOCKET" "$COREDUMP" \
		</dev/null >"$T/coredump.log" 2>&1 &
	SOCKET_PID=$!
	for _ in $(seq 100); do
		[ -S "$COREDUMP_SOCKET" ] && return 0
		sleep 0.05
	done
	return 1
}

build_tools() {
	build_crash_tools
	mkdir -p "$T/out" "$T/h"
	printf '[Store]\nDirectory=%s/store\n' "$T" >"$T/gocrashd.conf"
	# The shell handlers run under /usr/bin/time, whose report says they are done; gocrashd
	# does not (write_gocrashd_handler).
	local name cmd
	write_gocrashd_handler gocrashd "$BUILD"
	[ -z "$BASELINE" ] || write_gocrashd_handler baseline "$BASELINE"
	for name in floor cat zstd; do
		case $name in
		floor) cmd="sh -c 'cat > /dev/null'" ;;
		cat) cmd="sh -c 'cat > $T/out/core'" ;;
		zstd) cmd="sh -c 'zstd -1 -T0 -q > $T/out/core.zst'" ;;
		esac
		printf '#!/bin/sh\nexec /usr/bin/time -o %s/time -f "%%U %%S %%M" %s\n' "$T" "$cmd" \
			>"$T/h/$name"
		chmod 755 "$T/h/$name"
	done
}

pattern_of() {
	case $1 in
	core) echo "$T/out/core" ;;
	coredump) echo "|$COREDUMP %P %u %g %s %t 9223372036854775808 %h %d" ;;
	gocrashd | baseline) echo "|$T/h/$1 %P %e %s %t %u %g" ;;
	*) echo "|$T/h/$1" ;;
	esac
}

journal_export() { # journal_export FIELD=VALUE: the newest matching entry
	journalctl -q -o export -n 1 --no-pager "$1" 2>/dev/null | tr -d '\000'
}
has_entry() { journal_export "$1" | grep -q "^$2="; }
export_field() { grep -a "^$1=" | head -1 | cut -d= -f2-; }

meta_field() { sed -n "s/^$1=//p" "$T"/store/*/meta 2>/dev/null | head -1; }
has_meta() { [ -n "$(meta_field "$1")" ]; }

# After the handler is done: "BYTES CPU_SECONDS RSS_KIB JOURNAL_SECONDS" ("-" where none).
handler_figures() {
	local handler=$1 pid=$2 crash_usec=$3 user sys rss bytes=- journal=- entry file
	case $handler in
	core)
		echo "$(du -cb "$T"/out/core* | tail -1 | cut -f1) - - -"
		return
		;;
	coredump)
		wait_for 900 has_entry "COREDUMP_PID=$pid" COREDUMP_FILENAME || return 1
		entry=$(journal_export "COREDUMP_PID=$pid")
		file=$(export_field COREDUMP_FILENAME <<<"$entry")
		journal=$(($(export_field __MONOTONIC_TIMESTAMP <<<"$entry") - crash_usec))
		echo "$(stat -c %s "$file") - - $journal"
		rm -f "$file"
		return
		;;
	gocrashd | baseline)
		wait_for 900 has_meta handler_cpu_usec || return 1
		entry=$(journal_export "GOCRASH_PID=$pid")
		journal=$(($(export_field __MONOTONIC_TIMESTAMP <<<"$entry") - crash_usec))
		rss=$(printf '%s\n%s\n' "$(meta_field capture_max_rss_kib)" \
			"$(meta_field handler_max_rss_kib)" | sort -n | tail -1)
		echo "$handler $(meta_field capture_fast_frames) $(meta_field capture_first_stored_size)" \
			>>"$T/gocrashd.notes"
		echo "$(stat -c %s "$T"/store/*/core.zst)" \
			"$(awk -v u="$(meta_field handler_cpu_usec)" 'BEGIN { print u / 1e6 }')" \
			"$rss $journal"
		return
		;;
	esac
	wait_for 900 test -s "$T/time" || return 1
	read -r user sys rss <"$T/time"
	[ "$handler" = floor ] || bytes=$(du -cb "$T"/out/core* | tail -1 | cut -f1)
	echo "$bytes $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') $rss $journal"
}

run_one() { # run_one HANDLER SIZE_MIB: appends "SIZE HANDLER HELD BYTES CPU RSS JOURNAL"
	local handler=$1 size=$2 held pid crash_usec dumped figures
	rm -rf "$T"/out/* "$T/store" "$T/time"
	sync
	pattern_of "$handler" >/proc/sys/kernel/core_pattern
	read -r held pid crash_usec dumped < <(cd "$T/out" && "$T/crashtime" "$T/svcheap" "$size")
	[ "$dumped" = 1 ] || log "$handler, $size MiB: the kernel reports no core dump"
	figures=$(handler_figures "$handler" "$pid" "$crash_usec") ||
		{ log "$handler, $size MiB: no result within 15 minutes"; figures="- - - -"; }
	echo "$size $handler $held $figures" >>"$T/results"
	log "$handler, $size MiB: held $held s (stored, CPU s, RSS KiB, journal usec: $figures)"
}

size_fits() { # size_fits MIB: memory for the process, disk for two raw copies
	local avail_mem avail_disk
	avail_mem=$(awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo)
	avail_disk=$(df -m --output=avail "$T" | tail -1)
	[ "$avail_mem" -gt $(($1 * 2 + 2048)) ] && [ "$avail_disk" -gt $(($1 * 3)) ]
}

report() { # report SIZE_MIB: the markdown table of one size
	python3 - "$1" "$T/results" <<'PY'
import statistics, sys
size, rows = sys.argv[1], [l.split() for l in open(sys.argv[2]) if l.split()[0] == sys.argv[1]]
names = {"floor": "pipe to `cat > /dev/null` (floor)", "core": "kernel writes the core file",
         "cat": "`sh -c 'cat > FILE'`", "zstd": "`sh -c 'zstd -1 -T0 > FILE'`",
         "coredump": "systemd-coredump", "gocrashd": "gocrashd",
         "baseline": "gocrashd (baseline)"}
def num(v): return None if v == "-" else float(v)
def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None
by = {}
for r in rows: by.setdefault(r[1], []).append(r)
floor = med(num(r[2]) for r in by.get("floor", []))
ref = med(num(r[3]) for r in by.get("zstd", []))
core = med(num(r[3]) for r in by.get("core", []))
print(f"\nCore of a process mapping {size} MiB ({core / 2**20:.0f} MiB raw core), {len(by.get('floor', []))} runs each:\n" if core else f"\n{size} MiB:\n")
print("| handler | process held (median) | min – max | vs floor | stored | vs zstd -1 | handler CPU | handler peak RSS | in the journal after |")
print("|---|---|---|---|---|---|---|---|---|")
for h in ["floor", "core", "cat", "zstd", "coredump", "gocrashd", "baseline"]:
    if h not in by: continue
    held = [num(r[2]) for r in by[h]]
    m, b, cpu, rss, j = med(held), med(num(r[3]) for r in by[h]), med(num(r[4]) for r in by[h]), med(num(r[5]) for r in by[h]), med(num(r[6]) for r in by[h])
    cells = [names[h], f"{m:.2f} s", f"{min(held):.2f} – {max(held):.2f} s",
             f"x{m / floor:.2f}" if floor else "",
             f"{b / 2**20:.0f} MiB" if b and h != "floor" else "",
             f"{(b / ref - 1) * 100:+.1f}%" if b and ref and h not in ("floor", "core", "cat") else "",
             f"{cpu:.2f} s" if cpu is not None else "", f"{rss / 1024:.0f} MiB" if rss else "",
             f"{j / 1e6:.2f} s" if j is not None else ""]
    print("| " + " | ".join(cells) + " |")
PY
}

start_journald
build_tools
echo 16 >/proc/sys/kernel/core_pipe_limit
if [[ " $HANDLERS " == *" coredump "* ]] && ! { install_coredump && start_coredump; }; then
	log "systemd-coredump cannot run here: its row is left out"
	HANDLERS=${HANDLERS/coredump/}
fi
: >"$T/results"
for size in $SIZES; do
	size_fits "$size" || { log "skipping $size MiB: not enough memory or disk"; continue; }
	reps=${REPS:-$([ "$size" -gt 4096 ] && echo 3 || echo 5)}
	for rep in $(seq "$reps"); do
		for handler in $HANDLERS; do
			log "$size MiB, round $rep/$reps: $handler"
			run_one "$handler" "$size"
		done
	done
	report "$size"
	[ ! -s "$T/gocrashd.notes" ] || {
		echo
		echo "gocrashd frames compressed faster while the kernel waited, and first stored bytes:" \
			"$(tr '\n' ';' <"$T/gocrashd.notes")"
		: >"$T/gocrashd.notes"
	}
done
if [ "${GOROUTINES:-1}" != 0 ]; then
	echo
	echo "Go analysis (tests/bench/goroutines.sh, REPS=${GOROUTINE_REPS:-3}):"
	echo
	REPS=${GOROUTINE_REPS:-3} "$SRC/tests/bench/goroutines.sh" "$BUILD"
fi
echo
machine_line
