#!/bin/bash
# gocrashctl debug as a person uses it, in a real terminal (tmux): a Go program and a C program
# crash under the real kernel; `gocrashctl debug` opens Debian's dlv on the Go crash (its kept
# executable, the binary at the path having been redeployed meanwhile) and gdb on the C one,
# Ctrl-C reaches the debugger and not gocrashctl, `bt` shows the crashing functions, and no
# temporary core is left once the debugger quits. Without a kept copy, a binary replaced at
# its path is refused, and so is dlv on a stripped binary, both with what to do instead.
. "$(dirname "$0")/lib.sh"

for tool in dlv gdb tmux; do
	command -v "$tool" >/dev/null || skip "$tool is not installed (tests/setup-debian.sh test)"
done
goroot=$(ls -d /usr/lib/go-1.* 2>/dev/null | sort -t. -k2 -n | tail -1 || true)
[ -n "$goroot" ] || skip "no Debian Go toolchain (golang-1.NN-go) installed"
echo "Go: $("$goroot/bin/go" version); $(dlv version | sed -n 2p); $(gdb --version | head -1)"
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$T/gocache GOPATH=$T/gopath
go_build() { # go_build PROGRAM OUTPUT [FLAGS]: a program of tests/go
	(cd "$SRC/tests/go/$1" && "$goroot/bin/go" build "${@:3}" -o "$2" .)
}
go_build panic "$T/panic" || { fail "go build"; finish; }
build_c_crasher crash-c
DEBUG_TMP=$T/tmp # gocrashctl's $TMPDIR: where its temporary core goes
mkdir -m 700 "$DEBUG_TMP"
leftovers() { find "$DEBUG_TMP" -mindepth 1 | wc -l; }

SOCKET=gocrashd-debug-$$
AT_EXIT+=("tmux -L $SOCKET kill-server 2>/dev/null")
term() { tmux -L "$SOCKET" "$@"; }
screen() { term capture-pane -p -J -S -200 -t debug; }
wait_screen() { # wait_screen REGEX [SECONDS]: until the terminal shows it
	local i
	for i in $(seq 1 $((${2:-60} * 10))); do
		screen | grep -Eq "$1" && return 0
		sleep 0.1
	done
	echo "--- the terminal, waiting for /$1/:"
	screen | tail -40
	return 1
}
# A terminal 200x50 running `gocrashctl debug ARGS...`, with its exit status shown at its end.
start_debug() {
	term kill-server 2>/dev/null || true
	printf '#!/bin/sh\nTMPDIR=%q %q --store=%q debug' "$DEBUG_TMP" "$GOCRASHCTL" "$STORE" >"$T/run-debug"
	printf ' %q' "$@" >>"$T/run-debug"
	printf '\necho "gocrashctl exited: $?"\nsleep 600\n' >>"$T/run-debug"
	chmod +x "$T/run-debug"
	term new-session -d -s debug -x 200 -y 50 "$T/run-debug"
}
running() { ! screen | grep -q 'gocrashctl exited'; }
type_line() { term send-keys -t debug "$1" Enter; }

printf 'KeepExecutable=go\nMaxUse=100%%\nKeepFree=1M\n' | write_config
use_gocrashd
GOTRACEBACK=crash crash "$T/panic" panic || fail "Go crash"
check "Go entry" wait_entries 1
check "handler done" wait_handlers
go_id=$(json_field id)
check "its executable is kept" test -n "$(json_field exe_kept)"
# Redeployed: another build at the crashed path. The kept copy is the one that crashed.
go_build crash "$T/panic" || fail "go build of another program"

# dlv 1.24 (trixie) predates the newest Go: its version check is lifted with -A.
start_debug "$go_id" -A --check-go-version=false
check "dlv starts on the Go crash" wait_screen '^\(dlv\) ' 120
check "the screen names the kept executable" wait_screen 'with dlv on the executable the store kept' 5
check "a temporary core while dlv runs" test "$(find "$DEBUG_TMP" -name core | wc -l)" = 1
core=$(find "$DEBUG_TMP" -name core)
raw=$(ctl --json info "$go_id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["core_size"])')
check "it is the whole core" test "$(stat -c %s "$core")" = "$raw"
check "it is sparse" test "$(($(stat -c %b "$core") * 512))" -lt "$raw"
check "it is root's alone" test "$(stat -c %a "$core")" = 600
term send-keys -t debug C-c
sleep 0.5
check "Ctrl-C leaves gocrashctl running" running
type_line bt
check "dlv's bt shows main.handler" wait_screen 'main\.handler'
check "and main.main" wait_screen 'main\.main'
type_line goroutines
check "dlv lists the goroutines" wait_screen '\[[0-9]+ goroutines\]'
type_line exit
check "gocrashctl ends with dlv" wait_screen 'gocrashctl exited: 0'
check "no temporary core is left after dlv" test "$(leftovers)" = 0
echo "--- dlv's screen:"; screen | grep -v '^$' | tail -25

GOTRACEBACK=crash crash "$T/crash-c" || fail "C crash"
check "C entry" wait_entries 2
check "handler done" wait_handlers
c_id=$(json_field id)
# The debuginfod question of Debian's gdb would wait for an answer: -A with quotes, split as a
# shell splits it.
start_debug "$c_id" -A "-q -iex 'set debuginfod enabled off'"
check "gdb starts on the C crash" wait_screen '^\(gdb\) ' 120
check "gdb reads the core" wait_screen 'Program terminated with signal SIGSEGV'
type_line bt
check "gdb's bt shows the crashing function" wait_screen '#0 +main \(\) at .*crash-c-static\.c:15'
type_line quit
check "gocrashctl ends with gdb" wait_screen 'gocrashctl exited: 0'
check "no temporary core is left after gdb" test "$(leftovers)" = 0
echo "--- gdb's screen:"; screen | grep -v '^$' | tail -12

# The debugger killed: gocrashctl cleans up all the same, and says so.
start_debug "$c_id" -A "-q -iex 'set debuginfod enabled off'"
check "gdb starts again" wait_screen '^\(gdb\) ' 120
pkill -KILL -P "$(term list-panes -t debug -F '#{pane_pid}' | xargs pgrep -P)" -x gdb
check "gocrashctl reports gdb killed" wait_screen 'gdb was killed by SIGKILL'
check "and exits 137" wait_screen 'gocrashctl exited: 137'
check "no temporary core is left after a killed gdb" test "$(leftovers)" = 0

# No kept copy: the binary at the path must be the one that crashed.
printf 'KeepExecutable=no\nMaxUse=100%%\nKeepFree=1M\n' | write_config
go_build panic "$T/panic" || fail "go build"
GOTRACEBACK=crash crash "$T/panic" panic || fail "Go crash, not kept"
check "entry" wait_entries 3
check "handler done" wait_handlers
check "nothing kept" python3 -c "import json,sys; assert json.load(sys.stdin)[-1].get('exe_kept') is None" < <(ctl --json list)
go_build crash "$T/panic" || fail "go build of another program"
rc=0
TMPDIR=$DEBUG_TMP ctl debug "$(json_field id)" -A --check-go-version=false 2>"$T/mismatch.err" </dev/null || rc=$?
cat "$T/mismatch.err"
check "another build at the path is refused" test "$rc" = 1
check "saying it is not the executable of the crash" grep -q "is not the executable of crash .* any more (its build id is not" "$T/mismatch.err"
check "and what to do" grep -q "gocrashctl stacks" "$T/mismatch.err"
check "nothing left behind" test "$(leftovers)" = 0

# Stripped: dlv has nothing to read, gocrashctl says so before starting it.
go_build panic "$T/stripped" -ldflags='-s -w' || fail "go build -s -w"
GOTRACEBACK=crash crash "$T/stripped" panic || fail "stripped Go crash"
check "entry" wait_entries 4
check "handler done" wait_handlers
rc=0
TMPDIR=$DEBUG_TMP ctl debug "$(json_field id)" 2>"$T/stripped.err" </dev/null || rc=$?
cat "$T/stripped.err"
check "dlv on a stripped binary is refused" test "$rc" = 1
check "saying why, and pointing at stacks" grep -q "has no DWARF .*gocrashctl stacks $(json_field id)" "$T/stripped.err"
check "nothing left behind" test "$(leftovers)" = 0
check "gocrashctl stacks reads it" sh -c "'$GOCRASHCTL' --store='$STORE' stacks '$(json_field id)' | grep -q 'main.handler'"
finish
