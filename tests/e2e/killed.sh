#!/bin/bash
# A handler killed mid-stream (OOM killer, reboot) leaves its temporary entry; the next
# capture knows at once that its writer is dead (its lock is free), and commits it as
# truncated with the whole frames that reached the disk. No committed crash goes for it, and
# no .tmp is left.
. "$(dirname "$0")/lib.sh"

size_mib=${GC_KILLED_MIB:-768}
avail=$(df -k --output=avail /tmp | tail -1)
[ "$avail" -gt $((size_mib * 1024)) ] || skip "not enough space in /tmp for a ${size_mib} MiB core"
build_c_crasher crash-c
gcc -O2 -o "$T/bigheap" "$SRC/tests/e2e/bigheap.c"
write_config </dev/null
use_gocrashd

crash ./crash-c
check "a first crash is committed" wait_entries 1
wait_handlers
first=$(json_field id)

tmp_core() { ls "$STORE"/.tmp-*/core.zst 2>/dev/null | head -1 || true; }
crash ./bigheap "$size_mib" &
crasher=$!
killed=
for i in $(seq 1 600); do
	core=$(tmp_core)
	# Some frames out, far from the end: a few MiB of a core that compresses to ~1/4.
	if [ -n "$core" ] && [ "$(stat -c %s "$core")" -ge $((8 << 20)) ]; then
		handler=$(pgrep -f "$T/gocrashd" | head -1 || true)
		[ -n "$handler" ] && kill -KILL "$handler" && killed=$handler
		break
	fi
	sleep 0.05
done
wait "$crasher" || true
check "the handler was killed mid-stream" test -n "$killed"
wait_handlers
tmp=$(ls -d "$STORE"/.tmp-* 2>/dev/null | head -1 || true)
check "the killed handler left its temporary entry" test -n "$tmp"
check "... marked as held by a writer" test -e "$tmp/.writer"
[ -n "$tmp" ] || finish
id=${tmp##*/.tmp-}
left=$(stat -c %s "$tmp/core.zst" || echo 0)

crash ./crash-c
check "the next crash is committed, the killed one recovered" wait_entries 3
wait_handlers
check "no temporary entry left" test -z "$(ls -A "$STORE" | grep '^\.tmp' || true)"
check "the first crash stays" sh -c "'$GOCRASHCTL' --store='$STORE' info '$first' >/dev/null"
info=$(ctl --json info "$id" || true)
get() { printf '%s' "$info" | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1'))"; }
echo "killed at $left bytes stored; recovered $(get core_size) raw bytes in $(get stored_size)"
check "recovered as truncated" test "$(get truncated)" = True
check "the reason says the handler was killed" sh -c "printf '%s' '$(get truncated_reason)' | grep -q killed"
check "its pid is the crashed one's" test "$(get pid)" = "${id##*-}"
check "zstd -t accepts the recovered core" zstd -q -t "$STORE/$id/core.zst"
check "stored_size is the file's size" test "$(get stored_size)" = "$(stat -c %s "$STORE/$id/core.zst")"
ctl dump "$id" -o "$T/recovered.core"
check "the dump holds core_size bytes" test "$(stat -c %s "$T/recovered.core")" = "$(get core_size)"
check "the dump is an ELF core" sh -c "head -c 4 '$T/recovered.core' | od -An -c | grep -q 'E   L   F'"
check "whole frames only (4 MiB each)" test $(($(get core_size) % (4 << 20))) = 0
check "at least one frame" test "$(get core_size)" -gt 0
finish
