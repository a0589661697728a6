#!/bin/bash
# Bad input never loses what was sent: not-ELF data, a short core, an empty stream and a broken
# config are all stored as received, flagged and explained.
. "$(dirname "$0")/lib.sh"

build_c_crasher crash-c
raw_core_of ./crash-c

write_config </dev/null
replay() { # replay NAME < input
	"$GOCRASHD" --config="$T/c" --no-journal --exe="$T/crash-c" 999 "$1" 11 2>"$T/log"
}

head -c 300000 /dev/urandom >"$T/junk"
replay junk <"$T/junk"
check "junk stored" test "$(json_field comm)" = junk
check "junk flagged as not ELF" sh -c "'$GOCRASHCTL' --store='$STORE' --json info latest | grep -q 'not an ELF core'"
ctl dump latest -o "$T/junk.out"
check "junk restored as received" cmp "$T/junk" "$T/junk.out"

size=$(stat -c %s "$T/raw.core")
head -c $((size / 2)) "$T/raw.core" >"$T/short"
replay short <"$T/short"
check "short core flagged truncated" test "$(json_field truncated)" = true
check "short core explained" test "$(json_field truncated_reason)" != null
ctl dump latest -o "$T/short.out"
check "short core restored as received" cmp "$T/short" "$T/short.out"

replay empty </dev/null
check "empty stream recorded" test "$(json_field comm)" = empty
check "empty stream explained" sh -c "'$GOCRASHCTL' --store='$STORE' --json info latest | grep -q 'empty'"

# A broken config: bad values are reported with file, line and key; the core is stored.
cat >"$T/c" <<EOC
[Store]
Directory=$STORE
MaxUse=lots
MaxCores=-3
[Compression]
Level=banana
[Bogus]
Key=1
EOC
replay badconf <"$T/raw.core"
check "broken config still stores" test "$(count_entries)" = 4
check "comm from the core's notes wins over argv" test "$(json_field comm)" = crash-c
check "bad value named with file and line" grep -q "$T/c:3" "$T/log"
check "bad key named" grep -q "MaxUse" "$T/log"
ctl dump latest -o "$T/badconf.out"
check "broken config core intact" cmp "$T/raw.core" "$T/badconf.out"

# A store directory that cannot be created: the built-in store takes the core.
builtin=$(sed -n 's/^#define GC_STORE_DIR "\(.*\)"$/\1/p' "$BUILD/gc-build.h")
printf '[Store]\nDirectory=/proc/gocrashd-cannot-exist\n' >"$T/c"
replay fallback <"$T/raw.core"
fid=$("$GOCRASHCTL" --store="$builtin" --json list | python3 -c 'import json,sys; print([e["id"] for e in json.load(sys.stdin) if e["pid"]==999][-1])')
check "fallback store used" test -n "$fid"
check "fallback logged" grep -q "falling back to the built-in store" "$T/log"
"$GOCRASHCTL" --store="$builtin" dump "$fid" -o "$T/fallback.core"
check "fallback core intact" cmp "$T/raw.core" "$T/fallback.core"
rm -rf "${builtin:?}/$fid"
finish
