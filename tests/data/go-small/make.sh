#!/bin/bash
# SPDX-License-Identifier: MIT
# Remakes the small fixture of fuzz-goanalyze (see README.md here). Changes core_pattern through
# tests/e2e/lib.sh (its lock, restored on exit), so run it as the e2e tests are run:
#   GC_BUILD_ROOT=$PWD/build GC_SOURCE_ROOT=$PWD bash tests/data/go-small/make.sh
. "$GC_SOURCE_ROOT/tests/e2e/lib.sh"

go=/usr/lib/go-1.27/bin/go
out=$SRC/tests/data/go-small
export GOTOOLCHAIN=local GOPROXY=off GOCACHE=$T/gocache GOPATH=$T/gopath CGO_ENABLED=0
(cd "$SRC/tests/go/small" && "$go" build -trimpath -ldflags='-s -w' -o "$T/prog" .)
GOMAXPROCS=1 GOTRACEBACK=crash raw_core_of ./prog
[ -s "$T/raw.core" ] || { echo "no core"; exit 1; }
"$out/trim.py" "$GOCRASHD" "$T/prog" "$T/raw.core" "$T/small.core" "$T/small.exe"
zstd -q -19 -f "$T/small.core" -o "$out/go1.27-small.core.zst"
zstd -q -19 -f "$T/small.exe" -o "$out/go1.27-small.exe.zst"
cp "$T/stderr" "$out/go1.27-small.stderr"
