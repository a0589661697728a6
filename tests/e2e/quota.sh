#!/bin/bash
# Quotas: MaxCores keeps the newest entries, MaxCoreSize truncates and flags, and a nearly
# full filesystem (a small tmpfs) stops the core short of KeepFree instead of filling it.
. "$(dirname "$0")/lib.sh"

build_c_crasher crash-c
raw_core_of ./crash-c
replay() { "$GOCRASHD" --config="$T/c" --no-journal --exe="$T/crash-c" "$1" crash-c 11 <"${2:-$T/raw.core}"; }

# Four crashes of one program: MaxCores=2 keeps the two newest cores, and every entry.
printf '[Store]\nMaxCores=2\n' | write_config
for pid in 101 102 103 104; do replay $pid; done
check "MaxCores=2 keeps every entry" test "$(count_entries)" = 4
cores() { ctl list --json | python3 -c 'import json,sys; print(" ".join(str(e["pid"]) for e in json.load(sys.stdin) if e["core_stored"]))'; }
check "MaxCores=2 keeps the newest two cores ($(cores))" test "$(cores)" = "103 104"
check "an evicted entry says why" sh -c "'$GOCRASHCTL' --store='$STORE' --json info '$(json_field id 0)' | grep -q 'evicted for MaxCores=2'"
check "list shows it evicted" sh -c "'$GOCRASHCTL' --store='$STORE' list --no-legend | head -1 | grep -qw evicted"
ctl dump "$(json_field id 3)" -o "$T/kept.core"
check "a kept core is whole" cmp "$T/raw.core" "$T/kept.core"

# MaxEntries bounds the history; CoresPerSignature=1 keeps the first core of the group only.
rm -rf "$STORE"
printf '[Store]\nMaxEntries=3\nCoresPerSignature=1\n' | write_config
for pid in 111 112 113 114 115; do replay $pid; done
check "MaxEntries=3 keeps three entries" test "$(count_entries)" = 3
check "CoresPerSignature=1 and MaxEntries=3: the first crash keeps its core ($(cores))" test "$(cores)" = 111
check "the newest entries stay" test "$(json_field pid 1)/$(json_field pid 2)" = 114/115
check "the later ones are analysis only" test "$(json_field core_dropped)" = "analysis only: CoresPerSignature=1"
check "the group counts all five" test "$(ctl groups --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["count"])')" = 5

# CoresPerSignature=0: the analysis only, and no core left anywhere on disk.
rm -rf "$STORE"
printf '[Store]\nCoresPerSignature=0\n' | write_config
replay 121
replay 122
check "CoresPerSignature=0: two entries" test "$(count_entries)" = 2
check "CoresPerSignature=0: no core file in the store" test -z "$(find "$STORE" -name 'core*' -type f)"
check "CoresPerSignature=0: the notes were read" test "$(json_field core_threads)" = 2

rm -rf "$STORE"
printf '[Store]\nMaxCoreSize=1M\n' | write_config
replay 200
check "over MaxCoreSize is truncated" test "$(json_field truncated)" = true
check "reason names MaxCoreSize" sh -c "'$GOCRASHCTL' --store='$STORE' --json info latest | grep -q MaxCoreSize"
check "core_size is the full size" test "$(json_field core_size)" = "$(stat -c %s "$T/raw.core")"
ctl dump latest -o "$T/cut.core"
check "stored part is the first 1 MiB" sh -c "head -c 1048576 '$T/raw.core' | cmp - '$T/cut.core'"

# A 96 MiB filesystem and incompressible input: capture must stop at KeepFree=40M.
mkdir -p "$T/small"
mount -t tmpfs -o size=96M gc-test "$T/small" || skip "cannot mount tmpfs"
STORE=$T/small/store
printf '[Store]\nKeepFree=40M\nMaxUse=100%%\n' | write_config
head -c 200M /dev/urandom >"$T/random"
replay 300 "$T/random"
check "disk-full core truncated" test "$(json_field truncated)" = true
check "reason names KeepFree" sh -c "'$GOCRASHCTL' --store='$STORE' --json info latest | grep -q KeepFree"
free_kb=$(df -k --output=avail "$T/small" | tail -1)
check "KeepFree respected ($free_kb KiB free)" test "$free_kb" -ge $((40 * 1024))
ctl dump latest -o "$T/partial.core"
check "stored part is a prefix" sh -c "cmp -n \$(stat -c %s '$T/partial.core') '$T/random' '$T/partial.core'"

# 16 MiB above KeepFree: less than a check step and the writer's buffers, but more than a
# small core needs. It is stored whole (it was stored empty: the handler stopped a whole
# margin short of KeepFree instead of looking again sooner).
rm -rf "$STORE"
printf '[Store]\nKeepFree=80M\nMaxUse=100%%\n' | write_config
replay 301
check "small core near KeepFree stored whole" test "$(json_field truncated)" = false
ctl dump latest -o "$T/small.core"
check "small core near KeepFree: all of it" cmp "$T/raw.core" "$T/small.core"
finish
