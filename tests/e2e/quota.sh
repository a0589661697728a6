#!/bin/bash
# Quotas: MaxCores keeps the newest entries, MaxCoreSize truncates and flags, and a nearly
# full filesystem (a small tmpfs) stops the core short of KeepFree instead of filling it.
. "$(dirname "$0")/lib.sh"

build_c_crasher crash-c
raw_core_of ./crash-c
replay() { "$GOCRASHD" --config="$T/c" --no-journal --exe="$T/crash-c" "$1" crash-c 11 <"${2:-$T/raw.core}"; }

printf '[Store]\nMaxCores=2\n' | write_config
for pid in 101 102 103 104; do replay $pid; done
check "MaxCores=2 keeps two" test "$(count_entries)" = 2
check "the newest are kept" test "$(json_field pid 0)/$(json_field pid 1)" = 103/104

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
