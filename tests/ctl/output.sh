#!/bin/bash
# gocrashctl's output on a store made here (no kernel; nothing outside a temporary
# directory): --json=short|pretty|off for every verb that writes JSON, list and groups fitted
# to a width ($COLUMNS, and a real terminal through script(1)), and the verbs that only show
# leaving the store exactly as they found it. As root, one entry is a real capture: gocrashd
# fed a real core on stdin, as the kernel would (no core_pattern involved).
set -euo pipefail
CTL=${GC_BUILD_ROOT:?run through meson test}/daemon/gocrashctl
GOCRASHD=$GC_BUILD_ROOT/daemon/gocrashd
DATA=${GC_TEST_DATA:?}
T=$(mktemp -d /tmp/gc-ctl-output.XXXXXX)
SLEEPER=
trap '[ -n "$SLEEPER" ] && kill "$SLEEPER" 2>/dev/null; rm -rf "$T"' EXIT
S=$T/store
mkdir -m 700 "$S"
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else fail "$what"; fi
}
unset COLUMNS
ctl() { GOCRASHCTL_PAGER=cat "$CTL" --store="$S" "$@"; }

ESC=$'\033'
entry() { # entry ID META_FIXTURE [LINES...]: an entry from a meta of tests/data/meta
	local id=$1 fixture=$2
	shift 2
	mkdir -m 700 "$S/$id"
	{
		sed '/^id=/d' "$DATA/meta/$fixture"
		printf 'id=%s\n' "$id"
		printf '%s\n' "$@"
	} >"$S/$id/meta"
	chmod 600 "$S/$id/meta"
}
GO_ID=20261203-074903-30017
entry "$GO_ID" go-panic.meta
cp "$DATA/go/go1.22-panic.core.zst" "$S/$GO_ID/core.zst"
printf 'gocrash-goroutines\t1\nreport\t27\tgo1.27.4\t1\tpanic: boom\t6\tda18e6c0a306b9c5\t0\ngoroutine\t1\t0xc000002380\t0x0\t0\t2\t0\trunning\t0\t0\t1\t1\t0\t0\t0\t0\nframe\tmain.main\t/tmp/x/main.go\t42\t0\t0x401000\t0x400f00\t0xc000100f00\t0xc000100f80\t\\N\nend\t1\t1\t0\t0\n' \
	>"$S/$GO_ID/goroutines"
entry 20261203-080000-555 c-truncated.meta
entry 20261203-090000-777 every-field.meta
entry 20261203-100000-4242424 go-panic.meta "exe=/opt/a/very/long/path/to/the/${ESC}[2Jexecutable/of/a/service" \
	"go_reason=panic: a reason much longer than any terminal line could show: $(printf 'x%.0s' {1..150})"
if [ "$(id -u)" = 0 ]; then
	zstd -dqf "$DATA/go/go1.22-panic.exe.zst" -o "$T/gosvc"
	chmod +x "$T/gosvc"
	sleep 600 &
	SLEEPER=$!
	zstd -dc "$DATA/go/go1.22-panic.core.zst" |
		"$GOCRASHD" --config="$T/none.conf" --store="$S" --exe="$T/gosvc" --no-journal \
			"$SLEEPER" gosvc 6 "$(date +%s)" 0 0 2>"$T/gocrashd.err" || true
	kill "$SLEEPER"
	SLEEPER=
	check "gocrashd stored a real entry" test "$(find "$S" -mindepth 2 -name core.zst | wc -l)" = 2
else
	echo "SKIP (part): not root, so no real capture by gocrashd (its analysis child needs root)"
fi

# ---- --json=MODE ----
json_lines() { python3 -c "
import json, sys
n = 0
for line in open(sys.argv[1]):
    json.loads(line)
    n += 1
assert n >= 1
" "$1"; }
same_json() { python3 -c "
import json, sys
a, b = json.load(open(sys.argv[1])), json.loads(open(sys.argv[2]).read())
for x in a, b:
    if isinstance(x, dict):
        x.pop('fs_free', None)  # status: the filesystem is shared
assert a == b, 'differ'
" "$1" "$2"; }
ctl dump "$GO_ID" -o "$T/core" >/dev/null
for verb in list "info $GO_ID" "stacks $GO_ID" groups status "dump $GO_ID -o $T/core"; do
	# shellcheck disable=SC2086
	{
		ctl --json $verb >"$T/plain"
		ctl --json=short $verb >"$T/short"
		ctl --json=pretty $verb >"$T/pretty"
	}
	v=${verb%% *}
	check "$v: --json is --json=short" same_json "$T/plain" "$T/short"
	check "$v: short is one value a line" json_lines "$T/short"
	check "$v: short is one line" test "$(wc -l <"$T/short")" = 1
	check "$v: pretty is the same value" same_json "$T/pretty" "$T/short"
	check "$v: pretty is indented" grep -q '^ \+"[a-z_]*": ' "$T/pretty"
	check "$v: pretty ends with a newline" test "$(tail -c1 "$T/pretty" | od -An -c | tr -d ' ')" = '\n'
done
check "dump -o - --json: the core alone, no JSON after it" cmp -s <(ctl --json dump "$GO_ID" -o -) "$T/core"
check "dump -o - --json=pretty: the same" cmp -s <(ctl --json=pretty dump "$GO_ID" -o -) "$T/core"
check "--json=off is the text" cmp -s <(ctl --json=off info "$GO_ID") <(ctl info "$GO_ID")
check "--json=off after --json" cmp -s <(ctl --json --json=off list) <(ctl list)
set +e
ctl --json=yaml list >/dev/null 2>"$T/err"
rc=$?
set -e
check "--json=yaml: usage error, exit 2" test "$rc" = 2
check "... that names the modes" grep -q 'expected short, pretty or off, got "yaml"' "$T/err"
usage_error() { # usage_error MESSAGE ARGS...: exit 2, and the message says what was wrong
	local want=$1 rc=0
	shift
	ctl "$@" >/dev/null 2>"$T/err" || rc=$?
	[ "$rc" = 2 ] && grep -qF "gocrashctl: $want" "$T/err"
}
check "an unknown option named" usage_error 'unknown option "--frobnicate"' --frobnicate list
check "an unknown short option named" usage_error 'unknown option "-Z"' -rZ list
check "a value missing" usage_error '--output: needs a value' dump --output
check "a value to an option that takes none" usage_error '--exe: takes no value' --exe=1 dump
check "an unknown verb named" usage_error 'unknown command "lsit"' lsit
check "pretty: an empty list is []" test "$(ctl --json=pretty list -S 2000-01-01 -U 2000-01-02)" = "[]"

# ---- widths ----
widest() { tr -d '\r' <"$1" | awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }'; }
ctl list >"$T/unfitted"
check "not a terminal: the fixed layout" grep -q '^ID  *TIME  *PID  *UID SIG  *CORE  *GO  *SIZE EXE  REASON$' "$T/unfitted"
check "not a terminal: lines as long as they are" test "$(widest "$T/unfitted")" -gt 200
COLUMNS=20 ctl list >/dev/null
check "COLUMNS=20: what cannot fit still prints" test "$(COLUMNS=20 ctl list | wc -l)" -gt 1
for width in 60 80 100 132 200; do
	COLUMNS=$width ctl list >"$T/list.$width"
	COLUMNS=$width ctl groups >"$T/groups.$width"
	check "list, COLUMNS=$width: no line wider ($(widest "$T/list.$width"))" \
		test "$(widest "$T/list.$width")" -le "$width"
	check "groups, COLUMNS=$width: no line wider ($(widest "$T/groups.$width"))" \
		test "$(widest "$T/groups.$width")" -le "$width"
	check "list, COLUMNS=$width: every crash" test "$(grep -c '^2026' "$T/list.$width")" = "$(find "$S" -mindepth 2 -name meta | wc -l)"
	check "list, COLUMNS=$width: no raw escape" bash -c "! grep -q \$'\\033' '$T/list.$width'"
done
cat "$T/list.80"
check "80: the ID, PID, signal, executable and reason stay" \
	grep -q '^ID  *PID SIG .*EXE  *REASON$' "$T/list.80"
check "80: the long executable cut at its start" grep -q '^20261203-100000-4242424 .* \.\.\.[^ ]*/of/a/service panic: a reason' "$T/list.80"
check "80: the long reason cut with ..." grep -q 'panic: a reason [^x]*x*\.\.\.$' "$T/list.80"
check "80: no trailing blank" bash -c "! grep -q ' \$' '$T/list.80'"
check "200: all columns" grep -q '^ID  *TIME  *PID  *UID SIG  *CORE  *GO  *SIZE EXE  *REASON$' "$T/list.200"
check "200: the short executable whole" grep -q ' /usr/bin/myservice ' "$T/list.200"
check "--no-legend, fitted: no header" test "$(COLUMNS=80 ctl --no-legend list | grep -c '^ID')" = 0
check "groups, 80: group, count, last, unit, reason" grep -q '^GROUP  *COUNT LAST  *UNIT  *REASON$' "$T/groups.80"
check "a bad COLUMNS is not a width" cmp -s <(COLUMNS=abc ctl list) "$T/unfitted"

# A real terminal 80 columns wide, as a person sees it (script(1) gives a pty).
if command -v script >/dev/null; then
	tty_run() { # tty_run COLUMNS_OR_EMPTY COMMAND...: through a pty of 80 columns
		local env=$1
		shift
		script -qec "stty cols 80 rows 50; $env GOCRASHCTL_PAGER=cat $*" /dev/null </dev/null
	}
	tty_run "" "'$CTL'" --store="'$S'" list >"$T/tty.80"
	cat "$T/tty.80"
	check "a terminal of 80 columns: no line wider ($(widest "$T/tty.80"))" test "$(widest "$T/tty.80")" -le 80
	check "... and the fitted layout" grep -q '^ID  *PID SIG' "$T/tty.80"
	tty_run COLUMNS=132 "'$CTL'" --store="'$S'" list >"$T/tty.132"
	check "\$COLUMNS overrides the terminal's width" cmp -s <(tr -d '\r' <"$T/tty.132") "$T/list.132"
	tty_run "" "'$CTL'" --store="'$S'" groups >"$T/tty.groups"
	check "groups on that terminal: no line wider" test "$(widest "$T/tty.groups")" -le 80
else
	echo "SKIP (part): no script(1) for a real terminal"
fi

# ---- read-only verbs leave the store as they found it ----
# What a writer would change: the store's and .groups' modes (readable by the group: a writer
# tightens them), no .lock yet, a group file to seed.
rm -f "$S/.lock"
mkdir -p -m 750 "$S/.groups"
chmod 750 "$S" "$S/.groups"
rm -f "$S/.groups/.seeded"
snapshot() { find "$S" -printf '%p %m %U %G %s %T@\n' | sort; }
snapshot >"$T/before"
for verb in list "info $GO_ID" "stacks $GO_ID" groups status; do
	# shellcheck disable=SC2086
	{
		ctl $verb >/dev/null 2>&1 || true
		ctl --json $verb >/dev/null 2>&1 || true
		COLUMNS=80 ctl $verb >/dev/null 2>&1 || true
	}
done
ctl info >/dev/null 2>&1 || true
ctl stacks --group "$GO_ID" >/dev/null 2>&1 || true
ctl dump "$GO_ID" -o "$T/core" >/dev/null 2>&1 || true
ctl dump --exe "$GO_ID" -o "$T/exe" >/dev/null 2>&1 || true
ctl --signature=da18 groups >/dev/null 2>&1 || true
snapshot >"$T/after"
check "list, info, stacks, dump, groups, status: the store unchanged" \
	diff "$T/before" "$T/after"
check "... and no .lock made" test ! -e "$S/.lock"

[ "$FAILS" -eq 0 ] && echo "all checks passed" || {
	echo "$FAILS check(s) failed"
	exit 1
}
