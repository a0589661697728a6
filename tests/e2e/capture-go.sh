#!/bin/bash
# Go programs built by every Debian Go toolchain installed crash under the real kernel with
# GOTRACEBACK=crash; gocrashd recognises them as Go, records the version and stores the core.
. "$(dirname "$0")/lib.sh"

toolchains=$(ls -d /usr/lib/go-1.* 2>/dev/null || true)
[ -n "$toolchains" ] || skip "no Debian Go toolchain (golang-1.NN-go) installed"
write_config </dev/null
use_gocrashd
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$T/gocache GOPATH=$T/gopath
n=0
for goroot in $toolchains; do
	v=${goroot##*/go-}
	exe=$T/panic-$v
	(cd "$SRC/tests/go/panic" && "$goroot/bin/go" build -o "$exe" .) || { fail "go $v build"; continue; }
	want=$("$goroot/bin/go" version | awk '{ print $3 }')
	GOTRACEBACK=crash crash "$exe" panic || { fail "go $v: no crash"; continue; }
	n=$((n + 1))
	check "go $v: entry" wait_entries $n
	wait_handlers
	check "go $v: recognised as Go" test "$(json_field go)" = true
	check "go $v: version $want" test "$(json_field go_version)" = "$want"
	check "go $v: SIGABRT" test "$(json_field signal)" = 6
	# The runtime raises it with tgkill: SI_TKILL, negative (0.1.0 wrote it unsigned).
	check "go $v: fault code SI_TKILL" test "$(json_field fault_code)" = -6
	check "go $v: goroutines counted, a number" \
		python3 -c "import json,sys; n=json.load(sys.stdin)[-1]['go_goroutines']; assert type(n) is int and n > 0, n" \
		< <(ctl --json list)
	check "go $v: runtime printed the panic" grep -q "panic: boom" "$T/stderr"
	check "go $v: build id" test -n "$(json_field build_id)"
	id=$(json_field id)
	ctl dump "$id" -o "$T/go.core"
	check "go $v: dump has the raw size" test "$(stat -c %s "$T/go.core")" = "$(json_field core_size)"
	check "go $v: notes readable" sh -c "readelf -n '$T/go.core' | grep -q NT_FILE"
done
finish
