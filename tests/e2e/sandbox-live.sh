#!/bin/bash
# The analysis child under its full sandbox (its own uid, limits, the seccomp filter, chrooted
# into the crashed process's root) on live crashes through the real kernel: a filter that
# misses a call the analysis makes would kill it (analysis=crashed) and lose the Go report.
# The Go program is the prebuilt test executable, so no toolchain is needed.
. "$(dirname "$0")/lib.sh"

write_config </dev/null
use_gocrashd
zstd -dqf "$SRC/tests/data/go/go1.22-panic.exe.zst" -o "$T/prog"
chmod 755 "$T/prog"
GOTRACEBACK=crash crash "$T/prog" panic
check "go: entry" wait_entries 1
check "go: handler done" wait_handlers
check "go: analysis ok" test "$(json_field analysis)" = ok
check "go: goroutines read" python3 -c "import json,sys; n=json.load(sys.stdin)[-1]['go_goroutines']; assert n > 1, n" < <(ctl --json list)
check "go: report stored" sh -c "\"$GOCRASHCTL\" --store=\"$STORE\" stacks latest | grep -q '^goroutine 1 '"

# A dynamically linked C program, whose core's NT_FILE note names the host's libc.
build_c_crasher crasher
crash "$T/crasher"
check "c: entry" wait_entries 2
check "c: handler done" wait_handlers
check "c: analysis ok" test "$(json_field analysis)" = ok
check "c: notes read" test "$(json_field core_threads)" = 2
finish
