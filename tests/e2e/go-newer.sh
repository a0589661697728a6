#!/bin/bash
# A Go release newer than gocrashd's tables, for real: a test build of the handler whose
# tables stop at go1.24 (tests/meson.build) meets programs built by the newest toolchain.
# With DWARF (a plain go build) the structures come from it and the report is exact, with a
# note; stripped (-s -w), go1.24's are assumed, the note says so, and a report that does not
# match what the runtime printed must say that it does not fit: never silently wrong.
. "$(dirname "$0")/lib.sh"

goroot=$(ls -d /usr/lib/go-1.* 2>/dev/null | sort -V | tail -1 || true)
[ -n "$goroot" ] || skip "no Debian Go toolchain (golang-1.NN-go) installed"
minor=${goroot##*/go-1.}
[ "$minor" -gt 24 ] || skip "the newest toolchain ($goroot) is not newer than go1.24"
ln -sf "$BUILD/tests/gocrashd-go124" "$T/gocrashd"
write_config </dev/null
use_gocrashd
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$T/gocache GOPATH=$T/gopath
(cd "$SRC/tests/go/tbcompare" && "$goroot/bin/go" build -o "$T/tbcompare" .) || skip "cannot build the comparator"
(cd "$SRC/tests/go/crash" && "$goroot/bin/go" build -o "$T/crash" . &&
	"$goroot/bin/go" build -ldflags="-s -w" -o "$T/crash-stripped" .) || fail "build"

note_has() { sed -n 's/^go_note=//p' "$STORE/$(json_field id)/meta" | grep -Eq "$1"; }
info_has() { ctl info latest | grep -Eq "$1"; }
stacks_match() { ctl stacks latest >"$T/extracted" 2>&1 && "$T/tbcompare" "$T/stderr" "$T/extracted"; }

# With DWARF: exact, and said where the structures came from.
rm -rf "${STORE:?}"/2*
GOTRACEBACK=crash crash "$T/crash" panic || fail "no crash"
wait_entries 1 && wait_handlers
check "DWARF: stacks as the runtime printed them" stacks_match
check "DWARF: the note says the structures came from it" note_has "read from the executable's DWARF"
check "DWARF: gocrashctl info shows the note" info_has "Analysis Note.*DWARF"

# Stripped: assumed, said so, and flagged where it does not hold.
rm -rf "${STORE:?}"/2*
GOTRACEBACK=crash crash "$T/crash-stripped" panic || fail "no crash"
wait_entries 1 && wait_handlers
check "stripped: the note says go1.24 was assumed" note_has "has no DWARF: the structures of go1.24 were assumed"
check "stripped: gocrashctl info shows it" info_has "Analysis Note.*no DWARF"
if stacks_match >/dev/null; then
	ok "stripped: the assumed structures happened to fit"
else
	check "stripped: a wrong report says it is likely wrong" note_has "do not fit this program|no goroutines"
fi
finish
