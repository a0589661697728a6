#!/bin/bash
# NonGo=skip and NonGo=summary under the real kernel: a C program's core is dropped or reduced
# to metadata, while a Go program's core is still stored.
. "$(dirname "$0")/lib.sh"

build_c_crasher crash-c
use_gocrashd

printf '[Capture]\nNonGo=skip\n' | write_config
crash ./crash-c
check "handler finished" wait_handlers
check "skip: nothing stored" test "$( [ -d "$STORE" ] && count_entries || echo 0)" = 0

printf '[Capture]\nNonGo=summary\n' | write_config
crash ./crash-c
check "summary: an entry" wait_entries 1
wait_handlers
check "summary: no core kept" test "$(json_field core_stored)" = false
check "summary: no core file" test ! -e "$STORE/$(json_field id)/core.zst"
check "summary: size still known" test "$(json_field core_size)" -gt 0
check "summary: signal recorded" test "$(json_field signal)" = 11
check "summary: dump says there is no core" sh -c "'$GOCRASHCTL' --store='$STORE' dump latest -o '$T/x'; test \$? = 1"

goroot=$(ls -d /usr/lib/go-1.* 2>/dev/null | head -1 || true)
if [ -n "$goroot" ]; then
	printf '[Capture]\nNonGo=skip\n' | write_config
	(cd "$SRC/tests/go/panic" && GOTOOLCHAIN=local GOPROXY=off GOCACHE=$T/gocache \
		"$goroot/bin/go" build -o "$T/gopanic" .)
	GOTRACEBACK=crash crash ./gopanic
	check "skip: a Go program is still stored" wait_entries 2
	wait_handlers
	check "skip: Go core present" test "$(json_field core_stored)" = true
else
	echo "no Go toolchain: Go half of the policy test not run"
fi
finish
