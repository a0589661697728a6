#!/bin/bash
# The bash completion of gocrashctl, called as bash calls it (COMP_WORDS, COMP_CWORD, "="
# split off as a word of its own): per verb only its options, and IDs and executables from
# the store that --store= names, whichever way it is written.
set -euo pipefail
: "${GC_BUILD_ROOT:?run through meson test}" "${GC_SOURCE_ROOT:?}"
T=$(mktemp -d /tmp/gc-ctl-completion.XXXXXX)
trap 'rm -rf "$T"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
PATH=$GC_BUILD_ROOT/daemon:$PATH
unset COLUMNS
# shellcheck source=../../daemon/gocrashctl.bash-completion
source "$GC_SOURCE_ROOT/daemon/gocrashctl.bash-completion"

entry() { # entry STORE ID EXE
	mkdir -p -m 700 "$1/$2"
	printf 'id=%s\ntime_usec=1764842401000000\npid=42\nuid=0\ngid=0\nsignal=6\ncore_stored=0\nexe=%s\ncomm=x\ngo=1\ngo_signature=0123456789abcdef\n' \
		"$2" "$3" >"$1/$2/meta"
}
mkdir -m 700 "$T/a" "$T/b"
entry "$T/a" 20261204-100001-42 /srv/api
entry "$T/a" 20261204-100002-43 /usr/bin/worker
entry "$T/b" 20261201-090000-7 /opt/other
# A program that named itself to run a command in whoever completes its path: compgen -W
# expands $(...) in the words it gets.
# shellcheck disable=SC2016
entry "$T/b" 20261201-090001-8 '/opt/$(touch${IFS}'"$T"'/pwned)'
entry "$T/b" 20261201-090002-9 '/opt/`touch${IFS}'"$T"'/pwned2`'

# As bash runs it: in an interactive shell, without errexit or nounset.
complete_now() {
	set +eu
	_gocrashctl
	set -eu
}
# expect "WORDS..." "EXPECTED REPLIES" (sorted, space-separated): the last word is completed.
expect() {
	local want=$2 got
	read -r -a COMP_WORDS <<<"$1"
	[[ $1 == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	complete_now
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | xargs)
	if [ "$got" = "$want" ]; then
		echo "ok: [$1] -> $got"
	else
		fail "[$1]: got \"$got\", want \"$want\""
	fi
}
has() { # has "WORDS..." REPLY...: each REPLY among the completions
	local words=$1 r
	shift
	read -r -a COMP_WORDS <<<"$words"
	[[ $words == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	complete_now
	for r; do
		if [[ " ${COMPREPLY[*]} " == *" $r "* ]]; then
			echo "ok: [$words] offers $r"
		else
			fail "[$words] does not offer $r (${COMPREPLY[*]})"
		fi
	done
}
hasnt() { # hasnt "WORDS..." REPLY...: none of them among the completions
	local words=$1 r
	shift
	read -r -a COMP_WORDS <<<"$words"
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	complete_now
	for r; do
		if [[ " ${COMPREPLY[*]} " == *" $r "* ]]; then
			fail "[$words] offers $r, which does not apply"
		else
			echo "ok: [$words] does not offer $r"
		fi
	done
}

expect "gocrashctl li" "list"
expect "gocrashctl s" "stacks status"
# IDs from the store named on the command line, in each spelling bash gives it.
expect "gocrashctl --store = $T/a info 2026" "20261204-100001-42 20261204-100002-43"
expect "gocrashctl --store=$T/a info 2026" "20261204-100001-42 20261204-100002-43"
expect "gocrashctl --store $T/b dump 2026" "20261201-090000-7 20261201-090001-8 20261201-090002-9"
expect "gocrashctl stacks --store = $T/b 20261201-090000" "20261201-090000-7"
expect "gocrashctl --store = $T/b info /" "/opt/other"
if [ -e "$T/pwned" ] || [ -e "$T/pwned2" ]; then fail "a hostile executable's name ran a command"; else echo "ok: a hostile executable's name is not expanded"; fi
expect "gocrashctl --store = $T/a list /" "/srv/api /usr/bin/worker"
expect "gocrashctl --store = $T/a groups --signature = 01" "0123456789abcdef"
expect "gocrashctl --store = $T/nonexistent info 2026" ""
expect "gocrashctl --store = $T/a groups 2026" ""
# Options per verb.
has "gocrashctl stacks --" --crashed --group --json= --since= --store=
hasnt "gocrashctl stacks --" --exe --unit= --root= --no-legend --signature= --output=
has "gocrashctl dump -" --exe --output= -o
hasnt "gocrashctl dump -" --crashed --group -n -r --no-legend
has "gocrashctl list --" --no-legend --reverse --json=
hasnt "gocrashctl list --" --exe --crashed --unit= --root= --signature=
has "gocrashctl groups --" --signature= --no-legend
has "gocrashctl enable --" --unit= --root=
hasnt "gocrashctl enable --" --json= --since= --crashed --exe
hasnt "gocrashctl disable --" --unit= --json=
has "gocrashctl status --" --json=
hasnt "gocrashctl status --" --since= --crashed --no-legend
has "gocrashctl --" --unit= --crashed --exe
expect "gocrashctl --json = " "off pretty short"
expect "gocrashctl --json = p" "pretty"
expect "gocrashctl list --json=s" "short"

[ "$FAILS" -eq 0 ] && echo "all checks passed" || {
	echo "$FAILS check(s) failed"
	exit 1
}
