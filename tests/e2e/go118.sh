#!/bin/bash
# Programs built by go1.18, which Debian ships but has no toolchain for: go-md2man and chroma
# (bookworm's, go1.18.3, no DWARF) crash under the real kernel with GOTRACEBACK=crash, from a
# SIGQUIT and from a SIGABRT sent while they block reading stdin; `gocrashctl stacks` must show
# what the runtime printed on stderr (tests/go/tbcompare judges). The layout gocrashd reads
# them with was derived from the go1.18 sources, and only these programs check it.
. "$(dirname "$0")/lib.sh"

programs=()
for exe in /usr/bin/go-md2man /usr/bin/chroma; do
	[ -x "$exe" ] && programs+=("$exe")
done
[ "${#programs[@]}" -gt 0 ] ||
	skip "neither go-md2man nor chroma is installed (apt-get install go-md2man golang-chroma)"
newest=$(ls -d /usr/lib/go-1.* 2>/dev/null | sort -V | tail -1 || true)
[ -n "$newest" ] || skip "no Debian Go toolchain to build the comparator with"
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$T/gocache GOPATH=$T/gopath
(cd "$SRC/tests/go/tbcompare" && "$newest/bin/go" build -o "$T/tbcompare" .) ||
	skip "cannot build the comparator"

# The store must keep the core whatever the disk's fill: the analysis reads the stored core.
echo 'KeepFree=1G' | write_config
use_gocrashd

go_version_of() { "$newest/bin/go" version "$1" 2>/dev/null | sed -n 's/^[^:]*: \(go[^ ]*\).*/\1/p' || true; }

reading_stdin() { # reading_stdin PID: one of its threads sits in read(0, ...)
	local s
	for s in /proc/"$1"/task/*/syscall; do
		read -r nr fd _ <"$s" 2>/dev/null || continue
		[ "$nr" = 0 ] && [ "$fd" = 0x0 ] && return 0
	done
	return 1
}

HOLDER=
stop_holder() {
	if [ -n "$HOLDER" ]; then
		kill "$HOLDER" 2>/dev/null || true
		wait "$HOLDER" 2>/dev/null || true
	fi
	HOLDER=
}

run_blocked() { # run_blocked EXE SIGNAL: stdin a fifo nobody writes; signal it once it reads
	local exe=$1 sig=$2 pid rc=0
	rm -f "$T/in"
	mkfifo "$T/in"
	sleep 600 >"$T/in" &
	HOLDER=$!
	(cd "$T" && ulimit -c unlimited && GOTRACEBACK=crash exec "$exe") <"$T/in" 2>"$T/stderr" &
	pid=$!
	for _ in $(seq 1 100); do reading_stdin "$pid" && break; sleep 0.1; done
	if ! reading_stdin "$pid"; then
		echo "$exe never blocked reading stdin"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		stop_holder
		return 1
	fi
	kill -"$sig" "$pid" || true
	wait "$pid" || rc=$?
	stop_holder
	[ "$rc" -gt 128 ] || { echo "expected $exe to die of SIG$sig, exit code $rc"; return 1; }
}

compare() { # compare [-strict]: the newest entry's stacks against $T/stderr
	ctl stacks "$(json_field id)" >"$T/extracted" 2>&1 || { cat "$T/extracted"; return 1; }
	if ! "$T/tbcompare" "$@" "$T/stderr" "$T/extracted" >"$T/compare" 2>&1; then
		cat "$T/compare"
		cp "$T/stderr" "$T/extracted" "$T/compare" "$SAVE_DIR/" 2>/dev/null || true
		return 1
	fi
	tail -1 "$T/compare"
}

SAVE_DIR=${GC_TEST_SAVE:-$T/failed}
mkdir -p "$SAVE_DIR"
for exe in "${programs[@]}"; do
	name=${exe##*/}
	version=$(go_version_of "$exe")
	case $version in
	go1.18*) ;;
	*) echo "note: $exe is built by ${version:-an unknown Go}, not go1.18: checked all the same" ;;
	esac
	for sig in QUIT ABRT; do
		rm -rf "${STORE:?}"/2*
		run_blocked "$exe" "$sig" || { fail "$name SIG$sig: no crash"; continue; }
		wait_entries 1 || { fail "$name SIG$sig: no entry"; continue; }
		wait_handlers
		check "$name SIG$sig: analysed as $version" test "$(json_field go_version)" = "$version"
		check "$name SIG$sig: goroutines read" test "$(json_field go_goroutines)" -gt 0
		check "$name SIG$sig: stacks as the runtime printed them" compare
		# Arguments with their "?", fp, sp and pc too: they matched on gdb's cores.
		check "$name SIG$sig: arguments and fp/sp/pc as printed" compare -strict
	done
done

# The comparator can fail: a goroutine's line number changed is caught.
sed '0,/\.go:\([0-9]*\) /s//.go:9999 /' "$T/extracted" >"$T/changed"
check "comparator catches a changed line" sh -c "! '$T/tbcompare' '$T/stderr' '$T/changed' >/dev/null"
finish
