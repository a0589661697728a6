#!/bin/bash
# gocrashctl -F FIELD, as coredumpctl -F: each value a field takes among the selected crashes,
# once, escaped; --json; the usage errors. A store made by hand, nothing outside a temporary
# directory.
set -euo pipefail
CTL=${GC_BUILD_ROOT:?run through meson test}/daemon/gocrashctl
T=$(mktemp -d /tmp/gc-ctl-field.XXXXXX)
trap 'rm -rf "$T"' EXIT
S=$T/store
mkdir -m 700 "$S"
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
check() { # check DESCRIPTION COMMAND...
	local what=$1; shift
	if "$@"; then echo "ok: $what"; else fail "$what"; fi
}
ctl() { GOCRASHCTL_PAGER=cat "$CTL" --store="$S" "$@"; }
ESC=$'\033'
entry() { # entry ID PID [META LINES...]
	local id=$1 pid=$2; shift 2
	mkdir -m 700 "$S/$id"
	printf 'id=%s\ntime_usec=17648424%02d000000\npid=%s\nuid=0\ngid=0\nsignal=11\ncore_stored=0\n' \
		"$id" "$pid" "$pid" >"$S/$id/meta"
	printf '%s\n' "$@" >>"$S/$id/meta"
}
entry 20261204-100001-1 1 exe=/srv/api unit=api.service
entry 20261204-100002-2 2 exe=/srv/api unit=api.service
entry 20261204-100003-3 3 "exe=/srv/ev${ESC}[2Jil" unit=other.service
entry 20261204-100004-4 4 exe=/srv/worker

check "-F exe: each value once, in order, escaped" \
	test "$(ctl -F exe | tr '\n' ' ')" = '/srv/api /srv/ev\x1b[2Jil /srv/worker '
check "-F by its journal name, any case; crashes without it left out" \
	test "$(ctl --field=gocrash_unit | tr '\n' ' ')" = 'api.service other.service '
check "-F with a match" test "$(ctl -F pid list /srv/api | tr '\n' ' ')" = '1 2 '
check "-F signal: as the meta writes it" test "$(ctl -F signal)" = 11
check "--json -F: an array of strings" python3 -c "
import json, subprocess, os
out = subprocess.run(['$CTL', '--store=$S', '--json', '-F', 'exe'], capture_output=True, check=True).stdout
assert json.loads(out) == ['/srv/api', '/srv/ev\x1b[2Jil', '/srv/worker'], out
"
set +e
ctl -F nosuch >/dev/null 2>"$T/err"; rc=$?
set -e
check "-F of no field: usage error, said" test "$rc" = 2 -a -n "$(grep 'no such field: "nosuch"' "$T/err")"
set +e
ctl -F exe info >/dev/null 2>"$T/err"; rc=$?
set -e
check "-F with info: usage error" test "$rc" = 2 -a -n "$(grep -- '-F is for list' "$T/err")"
set +e
ctl -F exe list 4242 >"$T/out" 2>&1; rc=$?
set -e
check "-F selecting nothing: exit 1, no value" test "$rc" = 1 -a ! -s "$T/out"

# The help names every command, remove and vacuum too; --version answers.
check "--help: every command" sh -c "'$CTL' --help | grep -q '^  remove MATCH' && '$CTL' --help | grep -q '^  vacuum ' && '$CTL' --help | grep -q -- '-F, --field=FIELD'"
check "--version" sh -c "'$CTL' --version | grep -q '^gocrashctl '"

[ "$FAILS" -eq 0 ] && echo "all checks passed" || { echo "$FAILS check(s) failed"; exit 1; }
