# Shared by the end-to-end tests. They use the real kernel (core_pattern), the real handler
# and real journald, so they need root and run one at a time; every change to the system is
# undone on exit, whatever happens.
set -euo pipefail

BUILD=${GC_BUILD_ROOT:?run through meson test}
SRC=${GC_SOURCE_ROOT:?run through meson test}
GOCRASHD=$BUILD/daemon/gocrashd
GOCRASHCTL=$BUILD/daemon/gocrashctl
MESSAGE_ID=aa37c25dc6094cf2b82356229e5578b2
FAILS=0
# The tests read gocrashctl list's fixed layout: a $COLUMNS exported by the caller's shell
# would fit it to a width (gocrashctl(1), list).
unset COLUMNS

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
check() { # check DESCRIPTION COMMAND...
	local what=$1; shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
finish() { [ "$FAILS" -eq 0 ] && echo "all checks passed" || { echo "$FAILS check(s) failed"; exit 1; }; }

[ "$(id -u)" = 0 ] || skip "needs root to set kernel.core_pattern"
[ -w /proc/sys/kernel/core_pattern ] || skip "/proc/sys/kernel/core_pattern is not writable here"
# One at a time machine-wide, also across build trees and checkouts: core_pattern is global.
exec 9>/run/lock/gocrashd-e2e.lock
flock 9
export GC_E2E_LOCKED=1

# Short paths: the kernel truncates core_pattern at 127 bytes.
T=$(mktemp -d /tmp/gc.XXXXXX)
chmod 755 "$T"
ln -s "$GOCRASHD" "$T/gocrashd"
STORE=$T/store
SAVED_PATTERN=$(cat /proc/sys/kernel/core_pattern)
SAVED_PIPE_LIMIT=$(cat /proc/sys/kernel/core_pipe_limit)
SAVED_SUID_DUMPABLE=$(cat /proc/sys/fs/suid_dumpable)
STARTED_JOURNALD=
PRESERVED=()
AT_EXIT=() # commands cleanup runs first, in order

preserve() { # preserve FILE...: put these system files back as they were on exit
	local f
	for f in "$@"; do
		PRESERVED+=("$f")
		if [ -e "$f" ]; then cp -a "$f" "$T/preserved.${f//\//_}"; fi
	done
}

cleanup() {
	local f i
	for ((i = 0; i < ${#AT_EXIT[@]}; i++)); do eval "${AT_EXIT[i]}" || true; done
	for f in "${PRESERVED[@]}"; do
		if [ -e "$T/preserved.${f//\//_}" ]; then cp -a "$T/preserved.${f//\//_}" "$f"; else rm -f "$f"; fi
	done
	printf '%s\n' "$SAVED_PATTERN" >/proc/sys/kernel/core_pattern
	printf '%s\n' "$SAVED_PIPE_LIMIT" >/proc/sys/kernel/core_pipe_limit
	printf '%s\n' "$SAVED_SUID_DUMPABLE" >/proc/sys/fs/suid_dumpable
	if [ -n "$STARTED_JOURNALD" ]; then
		kill "$STARTED_JOURNALD" 2>/dev/null || true
		wait "$STARTED_JOURNALD" 2>/dev/null || true
	fi
	umount "$T/small" 2>/dev/null || true
	if [ -n "${GC_KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

write_config() { # extra lines on stdin are appended
	# Tests crash one program many times in a row, and replay cores with old times: no
	# crash-loop limit, no per-signature or age limit unless they ask for one (e2e-ratelimit,
	# e2e-crashloop, e2e-quota).
	{
		printf '[Capture]\nRateLimitIntervalSec=0\n[Store]\nDirectory=%s\n' "$STORE"
		printf 'CoresPerSignature=1000000\nMaxCoreAge=0\n'
		cat
	} >"$T/c"
}

use_gocrashd() { # [--old]: points the kernel at the build tree's handler with the test config
	local mode='--dump-mode=%%d ' # as gocrashctl enable sets it; --old: a pattern without %d
	[ "${1:-}" = --old ] && mode=
	printf "|%s/gocrashd --config=%s/c $mode%%P %%e %%s %%t %%u %%g\\n" "$T" "$T" >/proc/sys/kernel/core_pattern
	echo 4 >/proc/sys/kernel/core_pipe_limit
}

use_raw_file() { # the kernel writes the raw core through a pipe to $T/raw.core
	printf '#!/bin/sh\ncat > %s/raw.core\n' "$T" >"$T/save"
	chmod +x "$T/save"
	printf '|%s/save\n' "$T" >/proc/sys/kernel/core_pattern
}

raw_core_of() { # raw_core_of PROGRAM: its core as the kernel streams it, in $T/raw.core
	use_raw_file
	crash "$@"
	local i
	for i in $(seq 1 50); do [ -s "$T/raw.core" ] && break; sleep 0.1; done
	printf '%s\n' "$SAVED_PATTERN" >/proc/sys/kernel/core_pattern
}

ctl() { "$GOCRASHCTL" --store="$STORE" "$@"; }

build_define() { sed -n "s/^#define $1 \"\(.*\)\"\$/\1/p" "$BUILD/gc-build.h"; }

count_entries() { ctl list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

wait_entries() { # wait_entries N: the handler finishes after the process is gone
	local i
	for i in $(seq 1 300); do
		[ -d "$STORE" ] && [ "$(count_entries 2>/dev/null || echo 0)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

wait_handlers() { # until no handler of ours runs
	local i
	for i in $(seq 1 300); do
		pgrep -f "$T/gocrashd" >/dev/null || return 0
		sleep 0.1
	done
	return 1
}

json_field() { # json_field FIELD [INDEX]: a field of `list --json`
	ctl list --json | python3 -c "import json,sys; v=json.load(sys.stdin)[${2:--1}]['$1']; print(json.dumps(v) if isinstance(v,bool) or v is None else v)"
}

start_journald() {
	if [ -S /run/systemd/journal/socket ] && pgrep -x systemd-journal >/dev/null; then
		return 0
	fi
	/lib/systemd/systemd-journald &
	STARTED_JOURNALD=$!
	local i
	for i in $(seq 1 100); do
		[ -S /run/systemd/journal/socket ] && return 0
		sleep 0.1
	done
	skip "systemd-journald did not start"
}

journal_entry() { # journal_entry ID: that crash's journal entry, as JSON (empty if none)
	local i e=
	for i in $(seq 1 50); do
		journalctl --sync 2>/dev/null || true
		e=$(journalctl -o json --no-pager MESSAGE_ID=$MESSAGE_ID GOCRASH_CORE_ID="$1" 2>/dev/null | tail -1)
		[ -n "$e" ] && break
		sleep 0.2
	done
	printf '%s' "$e"
}

in_unit_cgroup() { # in_unit_cgroup SLICE/UNIT PROGRAM [ARGS]: run it in that cgroup, as systemd
	# would have put it (both hierarchies of a hybrid setup), removed at exit
	local path=$1 d dirs=() p
	shift
	if [ -d /sys/fs/cgroup/systemd ]; then dirs+=(/sys/fs/cgroup/systemd); fi
	if [ -f /sys/fs/cgroup/unified/cgroup.procs ]; then dirs+=(/sys/fs/cgroup/unified); fi
	if [ -f /sys/fs/cgroup/cgroup.procs ] && [ ${#dirs[@]} -eq 0 ]; then dirs+=(/sys/fs/cgroup); fi
	for d in "${dirs[@]}"; do
		mkdir -p "$d/$path"
		p=$path
		while [ "$p" != . ] && [ -n "$p" ]; do
			AT_EXIT+=("rmdir '$d/$p' 2>/dev/null")
			p=$(dirname "$p")
		done
	done
	local procs=""
	for d in "${dirs[@]}"; do procs+=" $d/$path/cgroup.procs"; done
	crash sh -c "for f in$procs; do echo \$\$ >\$f; done; exec \"\$@\"" sh "$@"
}

build_c_crasher() { # build_c_crasher NAME: a 2-thread C program that segfaults
	gcc -O0 -g -pthread -o "$T/$1" "$SRC/tests/data/crash-c-static.c"
}

crash() { # crash PROGRAM [ARGS]: run it, expect death by a signal
	local rc=0
	# CRASH_TIMEOUT=N: a program that hangs instead is killed (no core) after N seconds.
	(cd "$T" && ulimit -c unlimited && exec ${CRASH_TIMEOUT:+timeout -s KILL "$CRASH_TIMEOUT"} "$@") \
		2>"$T/stderr" || rc=$?
	# ... and timeout(1) adds a line of its own to the program's stderr.
	[ -z "${CRASH_TIMEOUT:-}" ] || sed -i '/^timeout: the monitored command dumped core$/d' "$T/stderr"
	[ "$rc" -gt 128 ] || { echo "expected a crash from $*, exit code $rc"; return 1; }
}
