#!/bin/bash
# KeepExecutable= when the executable's file system stops answering reads: a Go program run
# from FUSE (tests/e2e/stallfs.c) whose DWARF, which neither the program nor the probe reads,
# is never served. The copy's child hangs in its read, and is killed at the copy's time
# limit (60 s): the handler ends, the crash is stored and reported, nothing is kept. The
# killed child itself stays stuck in the kernel until the server answers or goes away; the
# next crash (a loop) does not start a second copy that would get stuck the same way.
. "$(dirname "$0")/lib.sh"

[ -c /dev/fuse ] || skip "no /dev/fuse"
command -v journalctl >/dev/null || skip "journalctl is not installed"
goroot=$(ls -d /usr/lib/go-1.* 2>/dev/null | tail -1 || true)
[ -n "$goroot" ] || skip "no Debian Go toolchain (golang-1.NN-go) installed"
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$T/gocache GOPATH=$T/gopath
(cd "$SRC/tests/go/panic" && "$goroot/bin/go" build -o "$T/panic" .) || skip "go build failed"
gcc -O2 -Wall -o "$T/stallfs" "$SRC/tests/e2e/stallfs.c"
# From .debug_info to .symtab, in whole pages: far enough past the data segment (and the
# build info the probe reads) that no readahead of theirs reaches it.
section_offset() { echo $((16#$(readelf -SW "$T/panic" | sed 's/^ *\[ *[0-9]*\]//' | awk -v s="$1" '$1 == s { print $4 }'))); }
start=$((($(section_offset .debug_info) + 4095) / 4096 * 4096))
end=$(($(section_offset .symtab) / 4096 * 4096))
data_end=$(($(section_offset .data) + 65536 * 2))
[ "$start" -gt "$data_end" ] && [ "$end" -gt "$start" ] || skip "no DWARF far enough from the data"
mkdir "$T/fuse"
"$T/stallfs" "$T/fuse" "$T/panic" "$start" "$end" >"$T/stallfs.out" 2>"$T/stallfs.err" &
FUSE_PID=$!
stop_fuse() {
	kill "$FUSE_PID" 2>/dev/null || true
	wait "$FUSE_PID" 2>/dev/null || true
	umount -l "$T/fuse" 2>/dev/null || true
}
trap 'stop_fuse; cleanup' EXIT
for _ in $(seq 1 50); do grep -q ready "$T/stallfs.out" && break; sleep 0.1; done
grep -q ready "$T/stallfs.out" || skip "cannot mount a FUSE file system here: $(cat "$T/stallfs.err")"

start_journald
since=$(date +%s)
printf 'MaxUse=100%%\nKeepFree=1M\n[Analysis]\nTimeLimitSec=5\n' | write_config
use_gocrashd
kill -USR2 "$FUSE_PID" # from now on, reads of the DWARF stall
t0=$(date +%s)
GOTRACEBACK=crash crash "$T/fuse/exe" panic || fail "crash"
check "entry" wait_entries 1
# The handler writes its total cost last: then it is done. Its killed children may still
# be stuck in their reads (uninterruptible here): the sandbox leaves them to init.
handler_done() { ctl --json list | python3 -c "import json,sys; sys.exit(0 if 'handler_cpu_usec' in json.load(sys.stdin)[-1] else 1)"; }
for _ in $(seq 1 150); do handler_done && break; sleep 1; done
took=$(($(date +%s) - t0))
echo "the handler took $took s"
check "the handler ended by itself (took $took s)" handler_done
check "within the copy's limit and a little more" test "$took" -lt 100
check "a read was left unanswered" grep -q "a read, left unanswered" "$T/stallfs.err"
check "the probe was answered: the build id is known" test -n "$(json_field build_id)"
check "core stored" test "$(json_field core_stored)" = true
check "the copy waited for its limit (took $took s)" test "$took" -ge 55
check "nothing kept" test "$(find "$STORE/.executables" -name '*.zst' 2>/dev/null | wc -l)" = 0
check "no entry refers to one" python3 -c "import json,sys; assert json.load(sys.stdin)[-1].get('exe_kept') is None" < <(ctl --json list)
journalctl --sync 2>/dev/null || true
check "the journal says why" sh -c "journalctl --no-pager -o cat --since=@$since | grep -q 'cannot keep the executable of $(json_field id).*timed out'"
check "the crash was reported" test -n "$(journal_entry "$(json_field id)")"
stuck=$(pgrep -f "$T/gocrashd" | wc -l)
echo "processes of the handler left stuck: $stuck"

# The next crash of the loop: the stuck child still holds the copy's lock, so this handler
# waits for it (in the background, as long as a copy may take), then gives up, and leaves
# no second stuck child.
t0=$(date +%s)
GOTRACEBACK=crash crash "$T/fuse/exe" panic || fail "crash 2"
check "entry 2" wait_entries 2
for _ in $(seq 1 150); do handler_done && break; sleep 1; done
took=$(($(date +%s) - t0))
check "handler 2 ended by itself (took $took s)" handler_done
check "crash 2: core stored" test "$(json_field core_stored)" = true
check "crash 2: nothing kept" python3 -c "import json,sys; assert json.load(sys.stdin)[-1].get('exe_kept') is None" < <(ctl --json list)
journalctl --sync 2>/dev/null || true
check "the journal says an earlier copy has not ended" sh -c "journalctl --no-pager -o cat --since=@$since | grep -q 'executable of $(json_field id) is not kept: an earlier copy of it has not ended'"
# (handler 2 writes its cost a moment before it exits)
for _ in $(seq 1 100); do [ "$(pgrep -f "$T/gocrashd" | wc -l)" -le "$stuck" ] && break; sleep 0.1; done
ps -o pid,ppid,stat,wchan:24,args -p "$(pgrep -d, -f "$T/gocrashd" || echo 1)" || true
check "no more stuck processes than after crash 1 ($stuck)" test "$(pgrep -f "$T/gocrashd" | wc -l)" -le "$stuck"
stop_fuse
check "the children left behind end with the server" wait_handlers
finish
