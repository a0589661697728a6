#!/bin/bash
# What the benchmarks that crash through the real kernel share (handlers.sh, crashloop.sh):
# the e2e lock, the kernel settings saved and put back, journald, crashtime and svcheap.
# Sourced after BENCH (the name in messages) and SRC are set; T is the run's directory.

BENCH_SYSCTLS="/proc/sys/fs/suid_dumpable /proc/sys/kernel/core_pipe_limit /proc/sys/kernel/core_pattern"
GO=${GO:-$(printf '%s\n' /usr/lib/go-1.*/bin/go | sort -V | tail -1)}

die() { echo "$BENCH: $*" >&2; exit 1; }
log() { echo "$BENCH: $*" >&2; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

wait_for() { # wait_for SECONDS COMMAND...: until COMMAND succeeds
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

# core_pattern is global: one user at a time, with the e2e tests (tests/e2e/lib.sh), unless
# called by one of them, which holds the lock already.
bench_lock() {
	[ -n "${GC_E2E_LOCKED:-}" ] && return 0
	exec 9>/run/lock/gocrashd-e2e.lock
	flock 9
}

# T, the saved settings, and bench_restore to put them back (call it from the EXIT trap).
bench_setup() {
	local f
	T=$(mktemp -d /tmp/gcb.XXXXXX) # short: core_pattern holds at most 127 bytes
	chmod 755 "$T"
	declare -gA SAVED
	for f in $BENCH_SYSCTLS; do SAVED[$f]=$(cat "$f"); done
	JOURNALD_PID=''
}

bench_restore_sysctls() {
	local f
	for f in $BENCH_SYSCTLS; do printf '%s\n' "${SAVED[$f]}" >"$f"; done
}

bench_restore() {
	bench_restore_sysctls
	[ -z "$JOURNALD_PID" ] || kill "$JOURNALD_PID" 2>/dev/null
	rm -rf "$T"
}

start_journald() {
	pgrep -x systemd-journal >/dev/null && return 0
	/lib/systemd/systemd-journald </dev/null >/dev/null 2>&1 &
	JOURNALD_PID=$!
	for _ in $(seq 100); do
		echo probe | systemd-cat -t gocrashd-bench 2>/dev/null && return 0
		sleep 0.1
	done
	die "systemd-journald did not start"
}

# $T/crashtime and $T/svcheap.
build_crash_tools() {
	gcc -O2 -Wall -o "$T/crashtime" "$SRC/tests/bench/crashtime.c"
	(cd "$SRC/tests/bench/svcheap" && GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod \
		GOCACHE=$T/gocache GOPATH=$T/gopath "$GO" build -o "$T/svcheap" .)
}

# $T/h/NAME: gocrashd of BUILD with the config $T/gocrashd.conf. Not under /usr/bin/time:
# time would keep the pipe open until gocrashd exits, long after gocrashd closed it;
# gocrashd's meta has its own figures.
write_gocrashd_handler() { # write_gocrashd_handler NAME BUILD_DIR
	mkdir -p "$T/h"
	printf '#!/bin/sh\nexec %s --config=%s/gocrashd.conf "$@"\n' "$2/daemon/gocrashd" "$T" \
		>"$T/h/$1"
	chmod 755 "$T/h/$1"
}

machine_line() {
	echo "Machine: $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 2^20 }' /proc/meminfo), kernel $(uname -r), $(df -T "$T" | awk 'NR == 2 { print $2 }') on $(df "$T" | awk 'NR == 2 { print $1 }')."
}
