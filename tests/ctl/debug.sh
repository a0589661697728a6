#!/bin/bash
# gocrashctl debug's refusals on a store made by hand (no kernel, nothing outside a temporary
# directory): crashes without a core (evicted, analysis only, never stored) say which and
# start no debugger; usage errors of -A; not root. The debugger itself: e2e-debug.
set -euo pipefail
CTL=${GC_BUILD_ROOT:?run through meson test}/daemon/gocrashctl
T=$(mktemp -d /tmp/gc-ctl-debug.XXXXXX)
trap 'rm -rf "$T"' EXIT
S=$T/store
mkdir -m 700 "$S" "$T/tmp"
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
check() { # check DESCRIPTION COMMAND...
	local what=$1; shift
	if "$@"; then echo "ok: $what"; else fail "$what"; fi
}
# A "debugger" that says it ran: none of these may reach it.
printf '#!/bin/sh\necho ran >%s/ran\n' "$T" >"$T/fake-dlv"
chmod +x "$T/fake-dlv"
debug() { # debug ARGS...: rc and stderr in $T/rc, $T/err
	local rc=0
	TMPDIR=$T/tmp "$CTL" --store="$S" debug --debugger="$T/fake-dlv" "$@" 2>"$T/err" </dev/null || rc=$?
	echo "$rc" >"$T/rc"
}
entry() { # entry ID TIME_SEC [META LINES...]
	local id=$1 time=$2; shift 2
	mkdir -m 700 "$S/$id"
	printf 'id=%s\ntime_usec=%s000000\npid=42\nuid=0\ngid=0\nsignal=6\ngo=1\nexe=/srv/api\n' \
		"$id" "$time" >"$S/$id/meta"
	printf '%s\n' "$@" >>"$S/$id/meta"
}
entry 20261204-100001-42 1764842401 core_stored=0 'core_dropped=evicted for MaxCores=1'
entry 20261204-100002-42 1764842402 core_stored=0 \
	'core_dropped=analysis only: CoresPerSignature=3'
entry 20261204-100003-42 1764842403 core_stored=0

if [ "$(id -u)" != 0 ]; then
	debug 20261204-100001
	check "not root: refused" grep -q "only root" "$T/err"
	echo "SKIP: the other checks need root (the store's cores are root's)"
	[ "$FAILS" -eq 0 ] && exit 77 || exit 1
fi
debug 20261204-100001
check "evicted: exit 1" test "$(cat "$T/rc")" = 1
check "evicted: says so" grep -q "crash 20261204-100001-42 has no core: it was evicted for MaxCores=1; gocrashctl stacks" "$T/err"
debug 20261204-100002
check "analysis only: says so" grep -q "has no core: it was stored with its analysis only (analysis only: CoresPerSignature=3)" "$T/err"
debug # the last one
check "never stored: says so" grep -q "20261204-100003-42 has no core: none was stored" "$T/err"
debug 4243
check "no match: exit 1" test "$(cat "$T/rc")" = 1
check "no match: says so" grep -q "debug: no crash matches 4243" "$T/err"
debug -A "'unterminated" 20261204-100001
check "a quote -A does not close: usage error" test "$(cat "$T/rc")" = 2
check "saying what is wrong" grep -q "a quote is not closed" "$T/err"
check "no debugger ran" test ! -e "$T/ran"
check "nothing left in TMPDIR" test -z "$(ls -A "$T/tmp")"
[ "$FAILS" -eq 0 ] && echo "all checks passed" || { echo "$FAILS check(s) failed"; exit 1; }
