#!/bin/bash
# The analysis under [Analysis] limits, on a real Go crash with many goroutines: past
# TimeLimitSec the walk stops itself and keeps what it read (with a note); under a
# MemoryLimit too small for the report the child fails. Either way the core is stored whole
# and the journal's analysis field says what happened.
. "$(dirname "$0")/lib.sh"

goroot=$(ls -d /usr/lib/go-1.* 2>/dev/null | sort -V | tail -1 || true)
[ -n "$goroot" ] || skip "no Debian Go toolchain (golang-1.NN-go) installed"
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$T/gocache GOPATH=$T/gopath
(cd "$SRC/tests/go/crash" && "$goroot/bin/go" build -o "$T/crash" .)

# 250,000 goroutines take about 3.6 s to analyse here with go1.27 (100,000 took 3 s with
# go1.24, 1.5 s with go1.27), the first 0.7 s before the walk (the core's notes, the
# binary's function table): the walk stops at 3/4 of a 2 s limit, part way through. With a
# 1 s limit, a CI run once stopped before the first goroutine.
printf '[Analysis]\nTimeLimitSec=2\n' | write_config
use_gocrashd
GOTRACEBACK=crash crash "$T/crash" many 250000 || fail "no crash"
check "time limit: entry" wait_entries 1
wait_handlers
id=$(json_field id)
meta() { sed -n "s/^$1=//p" "$STORE/$id/meta"; }
check "time limit: analysis ended by itself" test "$(meta analysis)" = ok
check "time limit: a note says it ran out of time" sh -c "grep -q '^go_note=.*ran out of time' '$STORE/$id/meta'"
check "time limit: some goroutines read" test "$(meta go_goroutines)" -gt 0
check "time limit: not all of them" test "$(meta go_goroutines)" -lt 250017
check "time limit: reason still read" test "$(meta go_reason)" = "panic: many goroutines are parked"
ctl dump "$id" -o "$T/a.core"
check "time limit: core stored whole" test "$(stat -c %s "$T/a.core")" = "$(meta core_size)"

# Not enough memory for the report: the child fails, the core stays.
printf '[Analysis]\nMemoryLimit=48M\n' | write_config
"$GOCRASHD" --config="$T/c" --exe="$T/crash" --no-journal 4343 crash 6 <"$T/a.core" 2>"$T/log" || true
check "memory limit: entry" wait_entries 2
mid=$(json_field id)
check "memory limit: the analysis failed, said so" sh -c "grep -Eq '^analysis=(failed|crashed)' '$STORE/$mid/meta'"
check "memory limit: logged" grep -q "analysis of $mid failed" "$T/log"
ctl dump "$mid" -o "$T/b.core"
check "memory limit: core stored intact" cmp "$T/a.core" "$T/b.core"
finish
