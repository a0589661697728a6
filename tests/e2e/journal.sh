#!/bin/bash
# Every crash writes one journal entry with the project's MESSAGE_ID and GOCRASH_* fields,
# read back from the real journald with journalctl.
. "$(dirname "$0")/lib.sh"

command -v journalctl >/dev/null || skip "journalctl is not installed"
start_journald
build_c_crasher "crash me"  # a comm with a space: %e splits into two argv words
write_config </dev/null
use_gocrashd
crash "./crash me"
check "entry" wait_entries 1
wait_handlers
id=$(json_field id)
check "comm with a space kept whole" test "$(json_field comm)" = "crash me"
entry=
for i in $(seq 1 50); do
	journalctl --sync 2>/dev/null || true
	entry=$(journalctl -o json --no-pager MESSAGE_ID=$MESSAGE_ID GOCRASH_CORE_ID="$id" 2>/dev/null | tail -1)
	[ -n "$entry" ] && break
	sleep 0.2
done
check "journal entry found by MESSAGE_ID" test -n "$entry"
field() { printf '%s' "$entry" | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1'))"; }
check "PRIORITY=2" test "$(field PRIORITY)" = 2
check "GOCRASH_SIGNAL_NAME=SIGSEGV" test "$(field GOCRASH_SIGNAL_NAME)" = SIGSEGV
check "GOCRASH_SIGNAL=11" test "$(field GOCRASH_SIGNAL)" = 11
check "GOCRASH_COMM" test "$(field GOCRASH_COMM)" = "crash me"
check "GOCRASH_EXE" test "$(field GOCRASH_EXE)" = "$T/crash me"
check "GOCRASH_CORE_SIZE" test "$(field GOCRASH_CORE_SIZE)" = "$(json_field core_size)"
check "GOCRASH_STORED_SIZE" test "$(field GOCRASH_STORED_SIZE)" = "$(json_field stored_size)"
check "GOCRASH_TRUNCATED=0" test "$(field GOCRASH_TRUNCATED)" = 0
check "GOCRASH_PID" test "$(field GOCRASH_PID)" = "$(json_field pid)"
check "GOCRASH_UID" test "$(field GOCRASH_UID)" = 0
check "MESSAGE reads well" sh -c "printf '%s' '$(field MESSAGE)' | grep -q 'crash me\\[[0-9]*\\] crashed with SIGSEGV; core stored as $id'"

# journald unreachable (its socket directory hidden in a private mount namespace): the core is
# still stored and the summary goes to the kernel log.
ctl dump "$id" -o "$T/raw.core"
before=$(count_entries)
unshare -m sh -c "mount -t tmpfs gc-nojournal /run/systemd/journal &&
	exec '$GOCRASHD' --config='$T/c' --exe='$T/crash me' 4343 crashnojournal 11 < '$T/raw.core'"
check "stored with journald down" test "$(count_entries)" = $((before + 1))
nid=$(json_field id)
check "summary in the kernel log" sh -c "dmesg | grep -q 'crashed with SIGSEGV; core stored as $nid'"
finish
