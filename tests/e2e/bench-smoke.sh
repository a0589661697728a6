#!/bin/bash
# The benchmark's one command keeps working: tests/bench/handlers.sh on a small core, with
# the floor, zstd and gocrashd rows, prints a table with figures in each row, and leaves
# core_pattern and core_pipe_limit as it found them. (Its figures are not judged here.)
. "$(dirname "$0")/lib.sh"

command -v zstd >/dev/null || skip "zstd is missing"
ls /usr/lib/go-1.*/bin/go >/dev/null 2>&1 || skip "no Debian Go toolchain"
rc=0
out=$(SIZES=64 REPS=1 HANDLERS="floor zstd gocrashd" GOROUTINES=0 \
	"$SRC/tests/bench/handlers.sh" "$BUILD" 2>"$T/bench.err") || rc=$?
printf '%s\n' "$out"
[ "$rc" = 0 ] || { tail -20 "$T/bench.err"; fail "handlers.sh exited with $rc"; }
row() { printf '%s\n' "$out" | grep -F "| $1 |"; }
check "floor row has a time" grep -Eq '^\| pipe to .* \(floor\) \| [0-9.]+ s \|' <<<"$(row 'pipe to `cat > /dev/null` (floor)')"
check "zstd row has a size" grep -Eq '\| [0-9]+ MiB \| \+0\.0% \|' <<<"$(row "\`sh -c 'zstd -1 -T0 > FILE'\`")"
check "gocrashd row has time, size, CPU, RSS and journal delay" \
	grep -Eq '^\| gocrashd \| [0-9.]+ s \| .* \| [0-9]+ MiB \| [-+][0-9.]+% \| [0-9.]+ s \| [0-9]+ MiB \| [0-9.]+ s \|$' \
	<<<"$(row gocrashd)"
check "core_pattern restored" test "$(cat /proc/sys/kernel/core_pattern)" = "$SAVED_PATTERN"
check "core_pipe_limit restored" test "$(cat /proc/sys/kernel/core_pipe_limit)" = "$SAVED_PIPE_LIMIT"
finish
