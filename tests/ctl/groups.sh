#!/bin/bash
# gocrashctl groups on a store made by hand (no kernel, no root, nothing outside a temporary
# directory): entries of an earlier version that name no group, a group file with a count
# beyond its entries, hostile bytes in what the crashed process chose, --json, --signature,
# -n, -r, --no-legend and the exit codes.
set -euo pipefail
CTL=${GC_BUILD_ROOT:?run through meson test}/daemon/gocrashctl
T=$(mktemp -d /tmp/gc-ctl-groups.XXXXXX)
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

SIG=0123456789abcdef
ESC=$'\033'
entry() { # entry ID TIME_SEC CORE_STORED [META LINES...]: an entry as gocrashd 0.x wrote it
	local id=$1 time=$2 core=$3; shift 3
	mkdir -m 700 "$S/$id"
	{
		printf 'id=%s\ntime_usec=%s000000\npid=42\nuid=0\ngid=0\ncore_stored=%s\n' \
			"$id" "$time" "$core"
		printf '%s\n' "$@"
	} >"$S/$id/meta"
}
# Three crashes of a Go service (one core), and one of a C program with a hostile name.
for i in 1 2 3; do
	entry "20261204-10000$i-42" "176484240$i" $((i == 1)) signal=6 exe=/srv/api \
		unit=api.service go=1 "go_version=go1.22.$i" \
		'go_reason=panic: boom\n\tpanic: earlier' 'go_crash_site=main.handler (main.go:42)' \
		"go_signature=$SIG"
done
entry 20261204-110000-7 1764846000 1 signal=11 "exe=/usr/bin/ev${ESC}[2Jil" go=0

ctl groups >"$T/out"
cat "$T/out"
check "a header and one line per group" test "$(wc -l <"$T/out")" = 3
check "header" grep -q '^GROUP  *COUNT CORES FIRST  *LAST  *UNIT  *GO  *REASON$' "$T/out"
check "the Go group: count, cores, unit, versions, reason at crash site" \
	grep -q "^$SIG  *3  *1 .* api.service  *go1.22.3+2  *panic: boom at main.handler (main.go:42)$" "$T/out"
check "most recent last" grep -q 'SIGSEGV$' <(tail -n 1 "$T/out")
check "no raw escape" bash -c "! grep -q \$'\\033' '$T/out'"
check "the executable escaped, standing for the unit" grep -qF 'ev\x1b[2Jil' "$T/out"

ctl --json groups >"$T/json"
check "--json parses, two groups" python3 -c "
import json, sys
g = json.load(open('$T/json'))
assert len(g) == 2, g
a = g[0]
assert a['group'] == '$SIG' and a['count'] == 3 and a['entries'] == 3 and a['cores'] == 1, a
assert a['first_usec'] == 1764842401000000 and a['last'] == '2025-12-04T10:00:03.000000Z', a
assert a['go_versions'] == ['go1.22.1', 'go1.22.2', 'go1.22.3'] and a['units'] == ['api.service'], a
assert a['last_id'] == '20261204-100003-42' and a['reason'] == 'panic: boom', a
assert g[1]['exes'] == ['/usr/bin/ev\x1b[2Jil'] and g[1]['crash_site'] is None, g[1]
"

# A group file counts what entries no longer show (evicted, rate-limited), and survives
# hostile values: a newline in one must not forge a line.
mkdir -m 700 "$S/.groups"
printf 'version=1\nid=%s\ncount=104\nfirst_usec=1764842000000000\nlast_usec=1764842403000000\nlast_id=20261204-100003-42\nreason=panic: boom\\nforged line\ncrash_site=main.handler (main.go:42)\nunit=api.service\nunit=x\\ny.service\nexe=/srv/api\ngo_version=go1.22.3\n' \
	"$SIG" >"$S/.groups/$SIG"
ctl --no-legend groups >"$T/out"
cat "$T/out"
check "--no-legend: one line per group" test "$(wc -l <"$T/out")" = 2
check "the file's count, the entries' cores" grep -q "^$SIG  *104  *1 " "$T/out"
check "the newest unit escaped, with the other counted" grep -qF 'x\ny.service+1' "$T/out"

check "--signature selects" test "$(ctl --no-legend --signature=0123 groups | wc -l)" = 1
check "-n 1 -r: the most recent" bash -c "GOCRASHCTL_PAGER=cat '$CTL' --store='$S' --no-legend -r -n 1 groups | grep -q SIGSEGV"
set +e
ctl --signature=ffff groups >/dev/null 2>"$T/err"
rc=$?
set -e
check "no group matches: exit 1 and why" test "$rc" = 1 -a -s "$T/err"
check "-q says nothing" test -z "$(ctl -q --signature=ffff groups 2>&1)"
set +e
ctl groups extra >/dev/null 2>&1
rc=$?
set -e
check "groups takes no argument: usage error" test "$rc" = 2
mkdir -m 700 "$T/empty"
check "an empty store: [] with --json" test "$("$CTL" --store="$T/empty" --json groups)" = "[]"

[ "$FAILS" -eq 0 ] && echo "all checks passed" || { echo "$FAILS check(s) failed"; exit 1; }
