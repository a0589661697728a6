#!/bin/bash
# A crashing program chooses its comm, its argv, its executable's name and its panic value:
# through the real kernel and handler, escape sequences in them must reach the operator's
# terminal escaped (gocrashctl list, info, stacks under a pseudo-terminal, by script(1)), the
# store must keep the raw bytes, piped `stacks` must stay byte-exact and --json must parse.
# Issue 14, item 8.
. "$(dirname "$0")/lib.sh"

command -v script >/dev/null || skip "script(1) is missing (Debian: bsdutils)"

ESC=$'\033'
C1_CSI=$'\xc2\x9b'
PROMPT="${ESC}[2J${ESC}[Hroot@host:~# "
# Invalid UTF-8 as a crashing program may pass it: a surrogate, a code point above
# U+10FFFF, an overlong '/', a sequence cut short.
BAD_UTF8=$'\xed\xa0\x80\xf4\x90\x80\x80\xc0\xaf\xe2\x82'

# Sets its comm to a screen clear and a newline, then segfaults.
cat >"$T/evil.c" <<'EOC'
#include <sys/prctl.h>
int main(void)
{
	prctl(PR_SET_NAME, "\033[2J\033[H#\nX", 0, 0, 0);
	*(volatile int *)0 = 1;
	return 0;
}
EOC
evil_exe="$T/ev${ESC}[31mil"
gcc -O0 -o "$evil_exe" "$T/evil.c"

# On a terminal: what gocrashctl prints there, through a pseudo-terminal.
# On a pseudo-terminal; GOCRASHCTL_PAGER=cat: no pager (the pager has its own checks below).
on_tty() { GOCRASHCTL_PAGER=${GOCRASHCTL_PAGER-cat} TERM=dumb script -qec "$(printf '%q ' "$GOCRASHCTL" --store="$STORE" "$@")" /dev/null; }
no_raw_controls() { # no_raw_controls FILE: UTF-8 with no control character a terminal acts on
	python3 - "$1" <<'EOP'
import re, sys
data = open(sys.argv[1], 'rb').read()
text = data.decode('utf-8')  # strict: invalid UTF-8 fails
data = data.replace(b'\r\n', b'\n')  # the pty's own line ends
bad = re.search(rb'[\x00-\x08\x0b-\x1f\x7f]', data) or re.search('[\x80-\x9f]', text)
sys.exit(1 if bad else 0)
EOP
}

write_config </dev/null
use_gocrashd

crash "$evil_exe" "$PROMPT" "$BAD_UTF8" "csi${C1_CSI}2J" $'over\rwrite\a'

check "an entry appears" wait_entries 1
wait_handlers

# The store keeps the raw bytes.
check "store: comm raw" grep -aqF "comm=${ESC}[2J${ESC}[H#\\nX" "$STORE"/2*/meta
check "store: command line raw" grep -aqF "$PROMPT $BAD_UTF8 csi${C1_CSI}2J" "$STORE"/2*/meta

# --json: valid JSON, control characters escaped, invalid UTF-8 as U+FFFD.
ctl --json list >"$T/list.json"
check "list --json parses" python3 -c "import json; json.load(open('$T/list.json', 'rb'))"
check "list --json: strict UTF-8" python3 -c "open('$T/list.json', 'rb').read().decode('utf-8')"
check "list --json: no raw ESC" sh -c "! grep -q '$ESC' '$T/list.json'"
check "list --json: comm decodes to the bytes" python3 -c "
import json
e = json.load(open('$T/list.json'))[-1]
assert e['comm'] == '\x1b[2J\x1b[H#\nX', repr(e['comm'])
assert '\x1b[2J\x1b[Hroot@host:~# ' in e['cmdline'], repr(e['cmdline'])
assert '\ufffd' in e['cmdline'] and '\x9b' in e['cmdline'], repr(e['cmdline'])
assert e['exe'].endswith('/ev\x1b[31mil'), repr(e['exe'])"
ctl --json info latest >"$T/info.json"
check "info --json parses" python3 -c "import json; json.load(open('$T/info.json', 'rb'))"

# On a terminal: escaped, nothing a terminal would act on.
on_tty list >"$T/list.tty"
check "tty list: no raw controls" no_raw_controls "$T/list.tty"
check "tty list: the path shown escaped" grep -qF 'ev\x1b[31mil' "$T/list.tty"
check "tty list: header and one line" test "$(tr -d '\r' <"$T/list.tty" | wc -l)" = 2
on_tty info latest >"$T/info.tty"
check "tty info: no raw controls" no_raw_controls "$T/info.tty"
check "tty info: comm escaped on its line" grep -qF '(\x1b[2J\x1b[H#\nX)' "$T/info.tty"
check "tty info: command line escaped" grep -qF '\x1b[2J\x1b[Hroot@host:~# ' "$T/info.tty"
check "tty info: C1 control escaped" grep -qF 'csi\u009b2J' "$T/info.tty"
check "tty info: invalid UTF-8 escaped" grep -qF '\xed\xa0\x80\xf4\x90\x80\x80\xc0\xaf\xe2\x82' "$T/info.tty"
check "tty info: CR and BEL escaped" grep -qF 'over\rwrite\a' "$T/info.tty"
on_tty dump >"$T/dump.tty" 2>&1 || true
check "tty dump: refused, said once" test "$(grep -c . "$T/dump.tty")" = 1
check "... and why" grep -q 'refusing to write a core to a terminal' "$T/dump.tty"
# Piped, list and info are escaped too: one line per crash, one line per field.
check "piped list: no raw ESC" sh -c "! '$GOCRASHCTL' --store='$STORE' list | grep -q '$ESC'"
check "piped info: no raw ESC" sh -c "! '$GOCRASHCTL' --store='$STORE' info latest | grep -q '$ESC'"

# A Go program whose panic value is the forged prompt.
goroot=$(ls -d /usr/lib/go-1.* 2>/dev/null | tail -n 1)
if [ -z "$goroot" ]; then
	echo "no Debian Go toolchain (golang-1.NN-go): the Go checks are left out"
	finish
	exit 0
fi
mkdir -p "$T/gopanic"
printf 'module gopanic\n\ngo 1.18\n' >"$T/gopanic/go.mod"
cat >"$T/gopanic/main.go" <<'EOG'
package main

import "os"

func main() { panic(os.Args[1]) }
EOG
(cd "$T/gopanic" && GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$T/gocache \
	GOPATH=$T/gopath "$goroot/bin/go" build -o "$T/gopanic/gopanic" .) || { fail "go build"; finish; }
crash env GOTRACEBACK=crash "$T/gopanic/gopanic" "$PROMPT$BAD_UTF8"
cp "$T/stderr" "$T/go.stderr"
check "the Go entry appears" wait_entries 2
wait_handlers
check "Go analysis ran" test "$(json_field analysis)" = ok
check "go_reason --json parses" python3 -c "
import json
e = json.load(open('/dev/stdin'))[-1]
assert e['go_reason'].startswith('panic: \x1b[2J'), repr(e['go_reason'])" < <(ctl --json list)
ctl stacks latest >"$T/stacks.pipe"
check "piped stacks: byte-exact reason line" cmp <(head -n 1 "$T/go.stderr") <(head -n 1 "$T/stacks.pipe")
on_tty stacks latest >"$T/stacks.tty"
check "tty stacks: no raw controls" no_raw_controls "$T/stacks.tty"
check "tty stacks: reason escaped" grep -qF 'panic: \x1b[2J\x1b[Hroot@host:~# \xed\xa0\x80' "$T/stacks.tty"
check "tty stacks: the goroutine is there" grep -q '^goroutine 1 ' "$T/stacks.tty"
on_tty info latest >"$T/goinfo.tty"
check "tty info (Go): no raw controls" no_raw_controls "$T/goinfo.tty"
ctl --json stacks latest >"$T/stacks.json"
check "stacks --json parses" python3 -c "import json; json.load(open('$T/stacks.json', 'rb'))"

# Through a pager on a terminal: what it is given is escaped as the terminal would have been
# (the pager's stdin is a pipe, gocrashctl's stdout was the terminal), and less is told to be
# secure for root. Not through one when piped, nor with --no-pager.
pager="env >'$T/pager.env'; cat >'$T/paged'"
GOCRASHCTL_PAGER=$pager on_tty stacks latest >/dev/null
check "pager: stacks went through it" grep -q '^goroutine 1 ' "$T/paged"
check "... escaped, as on the terminal" grep -qF 'panic: \x1b[2J\x1b[Hroot@host:~# ' "$T/paged"
check "... no raw controls" no_raw_controls "$T/paged"
check "... LESS=FRSXMK" grep -qx 'LESS=FRSXMK' "$T/pager.env"
check "... LESSSECURE=1 for root" grep -qx 'LESSSECURE=1' "$T/pager.env"
rm -f "$T/paged"
GOCRASHCTL_PAGER=$pager on_tty --no-pager list >"$T/nopager.tty"
check "--no-pager: not paged" test ! -e "$T/paged"
check "... but shown" grep -q 'REASON' "$T/nopager.tty"
GOCRASHCTL_PAGER=$pager "$GOCRASHCTL" --store="$STORE" list >/dev/null
check "piped: not paged" test ! -e "$T/paged"
GOCRASHCTL_PAGER=$pager on_tty --no-legend list >/dev/null
check "--no-legend: no header" sh -c "! grep -q REASON '$T/paged'"
finish
