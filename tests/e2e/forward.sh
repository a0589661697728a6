#!/bin/bash
# NonGo=forward under the real kernel: a C program's core goes, unread and with the arguments
# its pattern asks for, to the handler that was active before `gocrashctl enable`; a Go
# program's core is still stored by gocrashd; an unusable previous handler costs no core.
. "$(dirname "$0")/lib.sh"

preserve /etc/sysctl.d/50-gocrashd.conf "$(build_define GC_STATE_FILE)"
build_c_crasher crash-c
printf '[Capture]\nNonGo=forward\n' | write_config
printf '#!/bin/sh\nprintf "%%s\\n" "$@" > %s/prev.args\ncat > %s/prev.core\n' "$T" "$T" >"$T/prev"
chmod +x "$T/prev"
printf '|%s/prev %%P %%e %%s %%p %%E %%c %%h %%%% %%t\n' "$T" >/proc/sys/kernel/core_pattern
"$GOCRASHCTL" --config="$T/c" enable >/dev/null
use_gocrashd   # the build tree's handler, not the installed path enable wrote

crash ./crash-c
for i in $(seq 1 100); do [ -s "$T/prev.args" ] && ! pgrep -f "$T/gocrashd" >/dev/null && break; sleep 0.1; done
wait_handlers
arg() { sed -n "${1}p" "$T/prev.args"; }
check "forwarded to the previous handler" test -s "$T/prev.core"
check "%P is a pid" sh -c "test $(arg 1) -gt 1"
check "%e is the comm" test "$(arg 2)" = crash-c
check "%s is the signal" test "$(arg 3)" = 11
check "%p is the pid (same namespace)" test "$(arg 4)" = "$(arg 1)"
check "%E is the path with !" test "$(arg 5)" = "$(printf '%s' "$T/crash-c" | tr / !)"
check "%c is the core limit" test -n "$(arg 6)"
check "%h is the hostname" test "$(arg 7)" = "$(hostname)"
check "%% is %" test "$(arg 8)" = "%"
check "%t is a time" sh -c "test $(arg 9) -gt 1600000000"
check "the forwarded core is a whole ELF core" sh -c "readelf -n '$T/prev.core' | grep -q NT_FILE"
check "gocrashd stored nothing" test "$([ -d "$STORE" ] && count_entries || echo 0)" = 0

goroot=$(ls -d /usr/lib/go-1.* 2>/dev/null | head -1 || true)
if [ -n "$goroot" ]; then
	(cd "$SRC/tests/go/panic" && GOTOOLCHAIN=local GOPROXY=off GOCACHE=$T/gocache \
		"$goroot/bin/go" build -o "$T/gopanic" .)
	rm -f "$T/prev.core"
	GOTRACEBACK=crash crash ./gopanic
	check "a Go crash is stored by gocrashd" wait_entries 1
	wait_handlers
	check "and not forwarded" test ! -e "$T/prev.core"
fi

# A previous handler that cannot run: gocrashd stores the core itself.
state=$(build_define GC_STATE_FILE)
printf 'core_pipe_limit=0\ncore_pattern=|/nonexistent/handler %%p\n' >"$state"
n=$(count_entries 2>/dev/null || echo 0)
crash ./crash-c
check "unusable previous handler: stored here" wait_entries $((n + 1))
wait_handlers
check "that entry is the C program" test "$(json_field comm)" = crash-c
finish
