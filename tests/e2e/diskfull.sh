#!/bin/bash
# A full filesystem, for real: the store on a 30 MiB tmpfs, crashes through the real kernel.
# - Filled below KeepFree by another user: the earlier entries stay (they were all removed,
#   and the new core stored as 0 bytes anyway); the new crash gets an entry saying its core was
#   not stored and why, and a journal line saying so.
# - Four concurrent big captures: every crash leaves an entry, a journal line and a readable,
#   flagged core (here they usually stop at the space check rather than meet ENOSPC).
# - Another user fills the disk while a core is written, a certain ENOSPC: the core is cut at
#   a frame boundary, restorable and flagged, and the journal says so (the crash left no entry
#   at all; cores that kept frames had no seek table: "Bad message").
# - Full between the core and the meta (the reserve's space taken by someone else): the entry
#   is kept without its core, and the journal says so.
. "$(dirname "$0")/lib.sh"

command -v journalctl >/dev/null || skip "journalctl is not installed"
start_journald
build_c_crasher crash-c
gcc -O2 -o "$T/bigheap" "$SRC/tests/e2e/bigheap.c"
mkdir -p "$T/small"
mount -t tmpfs -o size=30M,mode=755 gc-test "$T/small" || skip "cannot mount tmpfs"
STORE=$T/small/store

journal_message() { # journal_message ID: MESSAGE of that crash's journal entry, empty if none
	local e
	e=$(journal_entry "$1")
	[ -n "$e" ] && printf '%s' "$e" | python3 -c "import json,sys; print(json.load(sys.stdin)['MESSAGE'])"
}
info_field() { # info_field ID FIELD
	ctl --json info "$1" | python3 -c "import json,sys; v=json.load(sys.stdin).get('$2'); print(json.dumps(v) if isinstance(v,bool) or v is None else v)"
}

# --- Filled by someone else, below KeepFree --------------------------------------------------
printf '[Store]\nKeepFree=8M\nMaxUse=100%%\n' | write_config
use_gocrashd
for i in 1 2 3; do
	crash ./crash-c
	wait_entries $i
done
wait_handlers
before=$(ctl list --json | python3 -c 'import json,sys; print(" ".join(e["id"] for e in json.load(sys.stdin)))')
mkdir "$T/small/fill"
chown nobody "$T/small/fill"
avail_mib=$(($(df -B1M --output=avail "$T/small" | tail -1) - 4))
setpriv --reuid=nobody --regid=nogroup --clear-groups \
	dd if=/dev/zero of="$T/small/fill/f" bs=1M count="$avail_mib" status=none
crash ./crash-c
check "the new crash has an entry" wait_entries 4
wait_handlers
after=$(ctl list --json | python3 -c 'import json,sys; print(" ".join(e["id"] for e in json.load(sys.stdin)[:3]))')
check "the earlier entries survive ($before / $after)" test "$before" = "$after"
id=$(json_field id)
check "the new core is not stored" test "$(json_field core_stored)" = false
check "... flagged truncated" test "$(json_field truncated)" = true
check "... because of KeepFree" sh -c "'$GOCRASHCTL' --store='$STORE' --json info $id | grep -q 'KeepFree=8'"
error=$(info_field "$id" core_error)
echo "core_error: $error"
check "... and says not stored, not empty" test "${error#not stored: disk nearly full}" != "$error"
msg=$(journal_message "$id")
echo "journal: $msg"
check "the journal says the core was not stored" sh -c "printf '%s' '$msg' | grep -q 'core not stored'"
rm -f "$T/small/fill/f"

# --- Concurrent big captures into what is left: real ENOSPC ----------------------------------
rm -rf "$STORE"
printf '[Store]\nKeepFree=0\nMaxUse=0\n' | write_config
pids=()
for i in 1 2 3 4; do crash ./bigheap 256 & pids+=($!); done
wait "${pids[@]}" # not journald, which start_journald may have started
check "four crashes, four entries" wait_entries 4
wait_handlers
check "four entries, no more" test "$(count_entries)" = 4
check "no temporary entries left" test -z "$(ls -A "$STORE" | grep '^\.tmp' || true)"
enospc=0
for id in $(ctl list --json | python3 -c 'import json,sys; [print(e["id"]) for e in json.load(sys.stdin)]'); do
	stored=$(info_field "$id" core_stored)
	error=$(info_field "$id" core_error)
	echo "$id: stored=$stored truncated=$(info_field "$id" truncated) $(info_field "$id" stored_size) bytes, error: $error"
	case "$error" in *"No space left"*) enospc=$((enospc + 1)) ;; esac
	check "$id flagged truncated" test "$(info_field "$id" truncated)" = true
	if [ "$stored" = true ]; then
		check "$id: zstd -t passes" zstd -q -t "$STORE/$id/core.zst"
		check "$id: gocrashctl dump restores it" ctl dump "$id" -o "$T/cut.core"
		case "$error" in *"No space left"*)
			check "$id: cut at a frame boundary" \
				test $(($(stat -c %s "$T/cut.core") % (4 << 20))) = 0 ;;
		esac
	else
		check "$id: not stored, and why" test "$error" != null
	fi
	msg=$(journal_message "$id")
	check "$id: a journal line ($msg)" sh -c "printf '%s' '$msg' | grep -Eq 'core stored truncated|core not stored'"
done
echo "$enospc of 4 captures met ENOSPC"

# --- Another user fills the disk while a core is being written: ENOSPC for sure ---------------
rm -rf "$STORE"
crash ./bigheap 256 &
crash_pid=$!
for i in $(seq 1 1000); do
	f=$(ls "$STORE"/.tmp-*/core.zst 2>/dev/null | head -1 || true)
	[ -n "$f" ] && [ "$(stat -c %s "$f" 2>/dev/null || echo 0)" -gt $((1 << 20)) ] && break
	sleep 0.01
done
setpriv --reuid=nobody --regid=nogroup --clear-groups \
	dd if=/dev/zero of="$T/small/fill/f" bs=1M status=none 2>/dev/null || true
wait "$crash_pid"
check "an entry" wait_entries 1
wait_handlers
id=$(json_field id)
error=$(info_field "$id" core_error)
echo "$id: stored=$(info_field "$id" core_stored) $(info_field "$id" stored_size) bytes, error: $error"
check "the write met ENOSPC" sh -c "printf '%s' '$error' | grep -q 'No space left'"
check "the core is stored" test "$(info_field "$id" core_stored)" = true
check "... flagged truncated" test "$(info_field "$id" truncated)" = true
check "... zstd -t passes" zstd -q -t "$STORE/$id/core.zst"
check "... gocrashctl dump restores it" ctl dump "$id" -o "$T/cut.core"
size=$(stat -c %s "$T/cut.core")
check "... cut at a frame boundary ($size bytes)" test "$size" -gt 0 -a $((size % (4 << 20))) = 0
check "... a prefix of the stream" test "$size" -lt "$(info_field "$id" core_size)"
msg=$(journal_message "$id")
echo "journal: $msg"
check "the journal says it was cut, and why" \
	sh -c "printf '%s' '$msg' | grep 'core stored truncated (' | grep -q 'No space left'"
rm -f "$T/small/fill/f"

# --- Full again between the core and its meta: the entry keeps the meta, not the core ------
# The reserve given back for the meta went to another writer before the meta was written (a
# race no test wins on purpose): a shim (tests/e2e/metafull.c) makes the handler's first meta
# write meet ENOSPC. The crash must keep an entry and its journal line; its own core goes.
rm -rf "$STORE"
gcc -O2 -shared -fPIC -o "$T/metafull.so" "$SRC/tests/e2e/metafull.c" -ldl
printf '#!/bin/sh\nLD_PRELOAD=%s/metafull.so ASAN_OPTIONS=verify_asan_link_order=0 exec %s/gocrashd "$@"\n' \
	"$T" "$T" >"$T/gocrashd-metafull"
chmod +x "$T/gocrashd-metafull"
printf '[Store]\nMaxUse=100%%\nKeepFree=1M\n' | write_config
sed 's#|[^ ]*/gocrashd #|'"$T"'/gocrashd-metafull #' /proc/sys/kernel/core_pattern >"$T/pattern"
cat "$T/pattern" >/proc/sys/kernel/core_pattern
crash ./crash-c
check "an entry" wait_entries 1
wait_handlers
use_gocrashd
id=$(json_field id)
echo "$id: stored=$(info_field "$id" core_stored), truncated: $(info_field "$id" truncated_reason), error: $(info_field "$id" core_error)"
check "its core was dropped" test "$(info_field "$id" core_stored)" = false
check "... no core file left" test ! -e "$STORE/$id/core.zst" -o ! -s "$STORE/$id/core.zst"
check "... flagged truncated, saying why" \
	sh -c "'$GOCRASHCTL' --store='$STORE' --json info $id | grep -q 'no space left for the entry'"
msg=$(journal_message "$id")
echo "journal: $msg"
check "the journal has the crash, and that its core was not stored" \
	sh -c "printf '%s' '$msg' | grep '^crash-c\[[0-9]*\] crashed with SIGSEGV' | grep -q 'not stored'"

# --- No inode left: not even an entry can be made ----------------------------------------------
# The crash still gets its journal line, saying that nothing was kept and why.
mkdir -p "$T/tiny"
mount -t tmpfs -o size=30M,nr_inodes=64,mode=755 gc-tiny "$T/tiny" || skip "cannot mount tmpfs"
AT_EXIT+=("umount '$T/tiny'")
STORE=$T/tiny/store
write_config </dev/null
build_c_crasher noinode
"$GOCRASHD" --config="$T/c" --no-journal --exe="$T/noinode" 1 x 11 </dev/null 2>/dev/null || true
mkdir -p "$T/tiny/fill"
for i in $(seq 1 100); do touch "$T/tiny/fill/$i" 2>/dev/null || break; done
crash ./noinode
wait_handlers
check "no entry could be made" test "$(ls "$STORE" | grep -c '^[0-9]')" = 1
e=
for i in $(seq 1 50); do
	journalctl --sync 2>/dev/null || true
	e=$(journalctl -o json --no-pager MESSAGE_ID=$MESSAGE_ID GOCRASH_COMM=noinode 2>/dev/null | tail -1)
	[ -n "$e" ] && break
	sleep 0.2
done
msg=$(printf '%s' "$e" | python3 -c "import json,sys; print(json.load(sys.stdin)['MESSAGE'])" 2>/dev/null || true)
echo "journal: $msg"
check "the journal still has the crash" sh -c "printf '%s' '$msg' | grep -q '^noinode\[[0-9]*\] crashed with SIGSEGV; nothing stored'"
check "... and why" sh -c "printf '%s' '$msg' | grep -q 'no entry could be created: No space left on device'"
finish
