#!/bin/bash
# Writes lib/analysis/golayout.c's entry for a Go release from the DWARF of a program that release's
# toolchain builds, so that adding a release is running this and reviewing a diff:
#
#   tests/golayout-entry.sh /usr/lib/go-1.27 > /tmp/entry.c
#
# The fields and their DWARF names are read from lib/analysis/golayout.c (FIELD lines),
# the one place that maps them; a field the DWARF does not have is written GC_NO_FIELD.
set -euo pipefail
goroot=${1:?usage: golayout-entry.sh GOROOT}
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$work/cache GOPATH=$work/gopath
mkdir "$work/prog"
printf 'module gocrashd.test/trivial\n\ngo 1.19\n' >"$work/prog/go.mod"
printf 'package main\n\nfunc main() { println("hello") }\n' >"$work/prog/main.go"
(cd "$work/prog" && CGO_ENABLED=0 "$goroot/bin/go" build -o "$work/prog.exe" .)
# The dumper is built by the newest toolchain installed: its debug/dwarf reads every release.
newest=$(ls -d /usr/lib/go-1.* | sort -V | tail -1)
(cd "$src/tests/go/layoutdump" && "$newest/bin/go" build -buildvcs=false -o "$work/layoutdump" .)
"$work/layoutdump" "$work/prog.exe" >"$work/dump"
version=$("$goroot/bin/go" env GOVERSION)
minor=${version#go1.}
minor=${minor%%[!0-9]*}

printf '    /* %s, from its DWARF by tests/golayout-entry.sh */\n    {\n\t.minor = %s,\n' "$version" "$minor"
sed -n 's/^ *FIELD(\([a-z0-9_]*\), "\([^"]*\)"),$/\1 \2/p' "$src/lib/analysis/golayout.c" |
	while read -r member dwarf; do
		off=$(awk -v k="$dwarf" '$1 == k { print $2; exit }' "$work/dump")
		printf '\t.%s = %s,\n' "$member" "${off:-GC_NO_FIELD}"
	done
printf '    },\n'
