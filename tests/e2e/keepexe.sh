#!/bin/bash
# KeepExecutable=go through the real kernel: a Go program crashing twice leaves one kept
# executable, referred to by both entries, whose bytes are the binary's and whose build id
# is the one the core names; gocrashctl dump --exe gives it back; once the quotas removed
# both entries, it is gone too. A C crash keeps nothing (KeepExecutable=go).
. "$(dirname "$0")/lib.sh"

goroot=$(ls -d /usr/lib/go-1.* 2>/dev/null | tail -1 || true)
[ -n "$goroot" ] || skip "no Debian Go toolchain (golang-1.NN-go) installed"
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$T/gocache GOPATH=$T/gopath
exe=$T/panic
(cd "$SRC/tests/go/panic" && "$goroot/bin/go" build -o "$exe" .) || { fail "go build"; finish; }
go_build_id=$("$goroot/bin/go" tool buildid "$exe")

# Room enough whatever the test machine's disk holds: the copy is not made past a limit.
printf 'MaxUse=100%%\nKeepFree=1M\n' | write_config
use_gocrashd
for n in 1 2; do
	GOTRACEBACK=crash crash "$exe" panic || fail "crash $n"
	check "entry $n" wait_entries $n
	check "handler $n done" wait_handlers
done
kept_dir=$STORE/.executables
kept_count() { find "$kept_dir" -maxdepth 1 -name '*.zst' 2>/dev/null | wc -l; }
check "one executable kept for two crashes" test "$(kept_count)" = 1
key=$(json_field exe_kept 0)
check "the first entry refers to it" test -f "$kept_dir/$key.zst"
check "the second entry refers to the same" test "$(json_field exe_kept 1)" = "$key"
check "a Go build id's key" sh -c "echo '$key' | grep -Eq '^go-[0-9a-f]{32}\$'"
check "the entry's build id is go tool buildid's" test "$(json_field build_id)" = "$go_build_id"
check "the executable matches the core's build ids" test "$(json_field exe_check)" = match
zstd -q -d -c "$kept_dir/$key.zst" >"$T/unzstd"
check "zstd -d restores the binary" cmp "$exe" "$T/unzstd"
check "the restored binary has the build id" test "$("$goroot/bin/go" tool buildid "$T/unzstd")" = "$go_build_id"
ctl dump --exe latest -o "$T/dumped"
check "dump --exe -o gives the binary" cmp "$exe" "$T/dumped"
check "dump --exe of the first crash, to a pipe, gives the binary" \
	sh -c "'$GOCRASHCTL' --store='$STORE' dump --exe '$(json_field id 0)' | cmp - '$exe'"
ctl --json dump --exe latest -o "$T/dumped2" >"$T/dump.json"
check "dump --exe --json names the key" grep -q "\"exe_kept\":\"$key\"" "$T/dump.json"
echo "kept $(stat -c %s "$kept_dir/$key.zst") bytes for a binary of $(stat -c %s "$exe")"

# A crash of a C program: nothing kept for it; with MaxCores=1 (and MaxEntries=1, for the
# eviction that keeps entries) the Go entries go, and their executable with them.
build_c_crasher crash-c
printf 'MaxUse=100%%\nKeepFree=1M\nMaxCores=1\nMaxEntries=1\n' | write_config
crash "$T/crash-c" || fail "C crash"
check "handler done" wait_handlers
check "only the C crash is left" test "$(count_entries)" = 1
check "it is the C crash" test "$(json_field go)" = false
check "it keeps no executable" python3 -c "import json,sys; assert json.load(sys.stdin)[-1].get('exe_kept') is None" < <(ctl --json list)
check "the kept executable went with its last entry" test "$(kept_count)" = 0
if ctl dump --exe latest -o "$T/none" 2>"$T/none.err"; then fail "dump --exe without one"; else
	check "dump --exe says there is none" grep -q "no kept executable" "$T/none.err"
fi
finish
