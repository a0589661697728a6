#!/bin/bash
# Go programs from every installed Debian toolchain crash under the real kernel with
# GOTRACEBACK=crash, in every crash mode of tests/go/crash; `gocrashctl stacks` must show what
# the runtime printed on stderr: the same reason line, goroutines, statuses and frames
# (tests/go/tbcompare judges); also a test binary that crashes in a synctest bubble. GC_TEST_GO_FULL=1 runs every mode in every build mode too;
# GC_TEST_GO="1.26 1.27" limits the run to those toolchains (for development).
#
# Goroutine labels (1.26+) print as GODEBUG tracebacklabels says: off by default in 1.26 and,
# through DefaultGODEBUG, in 1.27 builds of tests/go/crash (its go.mod says go 1.19); on in
# 1.27 for a module whose go line is 1.27 (the "modern" builds, -modfile with the toolchain's
# release). The labels mode runs in all these states, read from runtime.debug and, stripped,
# decided from the defaults and the environment.
. "$(dirname "$0")/lib.sh"

toolchains=$(ls -d /usr/lib/go-1.* 2>/dev/null || true)
if [ -n "${GC_TEST_GO:-}" ]; then
	toolchains=$(for v in $GC_TEST_GO; do [ -d "/usr/lib/go-$v" ] && echo "/usr/lib/go-$v"; done)
fi
[ -n "$toolchains" ] || skip "no Debian Go toolchain (golang-1.NN-go) installed"
newest=$(printf '%s\n' $toolchains | sort -V | tail -1)
write_config </dev/null
use_gocrashd
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$T/gocache GOPATH=$T/gopath
(cd "$SRC/tests/go/tbcompare" && "$newest/bin/go" build -o "$T/tbcompare" .) || skip "cannot build the comparator"

# Every mode with the oldest and the newest toolchain, the common ones with the others; other
# build modes with a few (GC_TEST_GO_FULL=1: everything everywhere).
all_modes="panic error custom stringer int namedint nested repanic repanicdefer goexit deferfault
	float complex fatalinpanic nil divide mapwrite throw overflow busy many cgo wait:ABRT
	wait:QUIT busywait:QUIT labels"
short_modes="panic nil repanicdefer float fatalinpanic mapwrite overflow cgo wait:QUIT labels"
oldest=$(printf '%s\n' $toolchains | sort -V | head -1)
run_mode() { # run_mode EXE MODE[:SIGNAL]: crash it, leave the runtime's stderr in $T/stderr
	local exe=$1 mode=${2%%:*} sig=${2#*:} pid rc=0
	if [ "$mode" = "$2" ]; then
		crash "$exe" "$mode" >/dev/null
		return
	fi
	(cd "$T" && ulimit -c unlimited && exec "$exe" "$mode") >"$T/ready" 2>"$T/stderr" &
	pid=$!
	for _ in $(seq 1 100); do grep -q ready "$T/ready" && break; sleep 0.1; done
	kill -"$sig" "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -gt 128 ]
}

compare() { # compare WHAT: the newest entry's stacks against $T/stderr
	local id
	id=$(json_field id)
	ctl stacks "$id" >"$T/extracted" 2>&1 || { cat "$T/extracted"; return 1; }
	if ! "$T/tbcompare" "$T/stderr" "$T/extracted" >"$T/compare" 2>&1; then
		cat "$T/compare"
		cp "$T/stderr" "$T/extracted" "$T/compare" "$SAVE_DIR/" 2>/dev/null || true
		return 1
	fi
	tail -1 "$T/compare"
}

try() { # try LABEL EXE MODE: one crash, its entry alone in the store
	local label=$1 exe=$2 mode=$3
	rm -rf "${STORE:?}"/2*
	run_mode "$exe" "$mode" || { fail "$label $mode: no crash"; return; }
	wait_entries 1 || { fail "$label $mode: no entry"; return; }
	wait_handlers
	check "$label $mode: stacks as the runtime printed them" compare "$label $mode"
	echo "${label#go } $mode $(json_field go_signature)" >>"$T/signatures"
}

SAVE_DIR=${GC_TEST_SAVE:-$T/failed}
mkdir -p "$SAVE_DIR"
build() { # build VERSION_DIR BUILD EXE
	local goroot=$1 build=$2 exe=$3 modfile=$T/go-${1##*/go-}.mod
	cd "$SRC/tests/go/crash"
	printf 'module gocrashd.test/crash\n\ngo %s\n' "${goroot##*/go-}" >"$modfile"
	case $build in
	default) "$goroot/bin/go" build -o "$exe" . ;; # cgo: gcc is installed
	stripped) "$goroot/bin/go" build -ldflags="-s -w" -o "$exe" . ;;
	pie) "$goroot/bin/go" build -buildmode=pie -o "$exe" . ;;
	trimpath) "$goroot/bin/go" build -trimpath -o "$exe" . ;;
	nocgo) CGO_ENABLED=0 "$goroot/bin/go" build -o "$exe" . ;;
	modern) "$goroot/bin/go" build -modfile="$modfile" -o "$exe" . ;;
	modern-stripped) "$goroot/bin/go" build -modfile="$modfile" -ldflags="-s -w" -o "$exe" . ;;
	esac
}
at_least() { [ "$(printf '%s\n' "$1" "$2" | sort -V | head -1)" = "$1" ]; } # at_least V1 V2: V2 >= V1

for goroot in $toolchains; do
	v=${goroot##*/go-}
	builds="default stripped pie trimpath nocgo"
	! at_least 1.26 "$v" || builds="$builds modern modern-stripped"
	for build in $builds; do
		exe=$T/crash-$v-$build
		(build "$goroot" $build "$exe") || { fail "go $v $build: build"; continue; }
		case $build in
		default) modes=$short_modes ;;
		stripped) modes="panic busywait:QUIT labels" ;;
		pie) modes="nil cgo" ;;
		trimpath) modes="panic overflow" ;;
		nocgo) modes="throw" ;;
		modern | modern-stripped) modes="labels" ;;
		esac
		if [ -n "${GC_TEST_GO_FULL:-}" ] || { [ "$build" = default ] &&
			{ [ "$goroot" = "$oldest" ] || [ "$goroot" = "$newest" ]; }; }; then
			modes=$all_modes
		fi
		# Without cgo: no C crash, but a real deadlock (cgo keeps a thread that never parks).
		[ "$build" != nocgo ] || modes="${modes/cgo/} deadlock"
		for mode in $modes; do
			GOTRACEBACK=crash try "go $v $build" "$exe" "$mode"
		done
		# Labels switched on by the environment, over DefaultGODEBUG and the default.
		if at_least 1.26 "$v" && { [ "$build" = default ] || [ "$build" = stripped ]; }; then
			GODEBUG=tracebacklabels=1 GOTRACEBACK=crash try "go $v $build+tracebacklabels=1" \
				"$exe" labels
		fi
	done
done

# A crash inside a synctest bubble (a test binary: testing/synctest.Test; 1.24 only as an
# experiment): headers with ", synctest bubble N" and " (durable)", or 1.24's ", synctest
# group N".
for goroot in $toolchains; do
	v=${goroot##*/go-}
	[ "${v#1.}" -ge 24 ] || continue
	exe=$T/synctest-$v
	experiment=
	[ "${v#1.}" -ge 25 ] || experiment=synctest
	(cd "$SRC/tests/go/synctest" && GOEXPERIMENT=$experiment "$goroot/bin/go" test -c -o "$exe" .) ||
		{ fail "go $v synctest: build"; continue; }
	GOTRACEBACK=crash try "go $v synctest" "$exe" -test.run=TestCrash
done

# 1.26+: goroutines caught leaving a system call (running, no P, syscallsp set), which the
# runtime prints from where the call left. The window is a few instructions wide; a copy of
# the runtime with its own debug switch for it (debugExtendGrunningNoP, widened to 200 ms)
# holds it open long enough to crash inside it every time: the panic comes 100 ms after the
# goroutines start, and the window must last until their threads take the crash's SIGQUIT,
# or one leaves it (runnable: no P after the freeze) between the traceback and the core.
extend_window() { # extend_window GOROOT COPY: the toolchain with that switch on
	local f
	mkdir "$2"
	for f in "$1"/*; do
		if [ "${f##*/}" = src ]; then cp -rL "$f" "$2/src"; else ln -s "$(readlink -f "$f")" "$2/${f##*/}"; fi
	done
	chmod -R u+w "$2/src/runtime"
	sed -i -e 's/^const debugExtendGrunningNoP = false$/const debugExtendGrunningNoP = true/' \
		-e '/_Grunning without a P/,/usleep(10)/s/usleep(10)/usleep(200000)/' "$2/src/runtime/proc.go"
	grep -q 'usleep(200000)' "$2/src/runtime/proc.go"
}
for goroot in $toolchains; do
	v=${goroot##*/go-}
	[ "${v#1.}" -ge 26 ] || continue
	exe=$T/exitsyscall-$v
	(extend_window "$goroot" "$T/goroot-$v" && cd "$SRC/tests/go/exitsyscall" &&
		GOROOT=$T/goroot-$v "$goroot/bin/go" build -o "$exe" .) ||
		{ fail "go $v exitsyscall: build"; continue; }
	GOTRACEBACK=crash CRASH_TIMEOUT=60 try "go $v exitsyscall" "$exe" panic
	check "go $v exitsyscall: caught in the window" grep -q '^syscall.Syscall(' "$T/stderr"
	rm -rf "${T:?}/goroot-$v"
done

# One signature per crash mode whatever the toolchain, a different one for each mode: an
# upgrade of Go must not reset what is counted and alerted on. (Left out: signals sent from
# outside, since which thread takes them varies from run to run, and mapwrite, whose
# throwing writer does too.)
same_signature() { # same_signature MODE
	local n
	n=$(awk -v m="$1" '$2 == "default" && $3 == m { print $4 }' "$T/signatures" | sort -u | wc -l)
	[ "$n" = 1 ] || { grep " default $1 " "$T/signatures"; return 1; }
}
for mode in panic nil overflow cgo; do
	check "signature of $mode: one across toolchains" same_signature "$mode"
done
check "signatures: one per mode" test "$(awk '$2 == "default" && $3 !~ /:/ { print $3, $4 }' \
	"$T/signatures" | sort -u | awk '{ print $2 }' | sort | uniq -d | wc -l)" = 0

# The comparator can fail: a goroutine's line number changed is caught.
# (The last goroutine's lines: the crashing one's runtime frames are not compared.)
tac "$T/extracted" | sed '0,/\.go:\([0-9]*\) /s//.go:9999 /' | tac >"$T/changed"
check "comparator catches a changed line" sh -c "! '$T/tbcompare' '$T/stderr' '$T/changed' >/dev/null"

# A program that is not Go: nothing to show, said plainly.
build_c_crasher c-crasher
rm -rf "${STORE:?}"/2*
crash "$T/c-crasher" || fail "C program: no crash"
wait_entries 1 && wait_handlers
check "C program: stacks refuses" sh -c "! ctl_out=\$('$GOCRASHCTL' --store='$STORE' stacks latest 2>&1) && echo \"\$ctl_out\" | grep -qi 'not a go program'"
finish
