#!/bin/bash
# Crashes at the same moment, through the real kernel and through parallel replays, all land
# in the store whole, with distinct ids, and the quota holds.
. "$(dirname "$0")/lib.sh"

build_c_crasher crash-c
printf '[Store]\nMaxCores=20\n' | write_config
use_gocrashd
for i in 1 2 3 4; do crash ./crash-c & done
wait
check "four kernel captures" wait_entries 4
wait_handlers
check "four entries" test "$(count_entries)" = 4

raw_core_of ./crash-c
for i in $(seq 1 24); do
	"$GOCRASHD" --config="$T/c" --no-journal --exe="$T/crash-c" 777 crash-c 11 1700000000 0 0 <"$T/raw.core" &
done
wait
# MaxCores counts cores: the 8 oldest go, and every entry stays.
cores() { ctl list --json | python3 -c 'import json,sys; print(sum(e["core_stored"] for e in json.load(sys.stdin)))'; }
check "MaxCores=20 holds ($(cores) cores)" test "$(cores)" = 20
check "every entry stays" test "$(count_entries)" = 28
check "ids distinct" test "$(ctl list --json | python3 -c 'import json,sys; l=json.load(sys.stdin); print(len({e["id"] for e in l}))')" = 28
check "no temporary entries left" test -z "$(ls -A "$STORE" | grep '^\.tmp' || true)"
for id in $(ctl list --json | python3 -c 'import json,sys; [print(e["id"]) for e in json.load(sys.stdin) if e["pid"]==777 and e["core_stored"]][:3]'); do
	ctl dump "$id" -o "$T/x.core"
	check "entry $id intact" cmp "$T/raw.core" "$T/x.core"
done
finish
