#!/bin/bash
# The crashed program's executable on a FUSE file system whose server stops answering opens
# (tests/e2e/stallfs.c), through the real kernel: the root part opens /proc/PID/exe before it
# drains the pipe, and an open there used to hold the handler, and with it the dying process
# and one of core_pipe_limit's slots, until the server answered. The open is bounded (1 s):
# the process must be released and its core stored, the executable counted as unknown.
. "$(dirname "$0")/lib.sh"

[ -c /dev/fuse ] || skip "no /dev/fuse"
gcc -O2 -Wall -o "$T/stallfs" "$SRC/tests/e2e/stallfs.c"
mkdir "$T/fuse"
"$T/stallfs" "$T/fuse" /bin/sleep >"$T/stallfs.out" 2>"$T/stallfs.err" &
FUSE_PID=$!
stop_fuse() { # closing the connection fails the unanswered open: the handler can end
	kill "$FUSE_PID" 2>/dev/null || true
	wait "$FUSE_PID" 2>/dev/null || true
	umount -l "$T/fuse" 2>/dev/null || true
}
trap 'stop_fuse; cleanup' EXIT
for _ in $(seq 1 50); do grep -q ready "$T/stallfs.out" && break; sleep 0.1; done
grep -q ready "$T/stallfs.out" || skip "cannot mount a FUSE file system here: $(cat "$T/stallfs.err")"

write_config </dev/null
use_gocrashd

state_of() { awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || echo gone; }
(cd "$T" && ulimit -c unlimited && exec "$T/fuse/exe" 600) &
pid=$!
sleep 0.5
check "the program runs from FUSE" test "$(readlink "/proc/$pid/exe")" = "$T/fuse/exe"
kill -USR1 "$FUSE_PID" # from now on, opens stall
start=$(date +%s%N)
kill -SEGV "$pid"
for _ in $(seq 1 150); do
	case $(state_of "$pid") in Z | X | gone) break ;; esac
	sleep 0.1
done
held_ms=$((($(date +%s%N) - start) / 1000000))
echo "process held for $held_ms ms"
check "the handler's open of the executable stalled" grep -q "an open, left unanswered" "$T/stallfs.err"
check "process released within 4 s (held $held_ms ms)" test "$held_ms" -lt 4000
# Still held (a handler without the bound): closing the connection fails the open.
case $(state_of "$pid") in Z | X | gone) ;; *) stop_fuse ;; esac
wait "$pid" 2>/dev/null || true
check "core stored" wait_entries 1
check "core complete" test "$(json_field core_stored)" = true
check "not truncated" test "$(json_field truncated)" = false
check "the executable's path is known" test "$(json_field exe)" = "$T/fuse/exe"
ctl dump latest -o "$T/stalled.core"
check "core readable" sh -c "readelf -n '$T/stalled.core' | grep -q NT_PRSTATUS"
stop_fuse
check "handler done once the file system goes" wait_handlers
finish
