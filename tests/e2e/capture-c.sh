#!/bin/bash
# A C program crashes under the real kernel; gocrashd stores its core, gocrashctl lists it and
# restores it byte for byte (compared with a tee of the same stream), readelf and gdb read it.
. "$(dirname "$0")/lib.sh"

build_c_crasher crash-c
write_config </dev/null
# The kernel's stream goes both to a raw file and to gocrashd: same core, two copies.
printf '#!/bin/sh\ntee %s/raw.core | %s/gocrashd --config=%s/c "$@"\n' "$T" "$T" "$T" >"$T/teed"
chmod +x "$T/teed"
printf '|%s/teed --dump-mode=%%d %%P %%e %%s %%t %%u %%g\n' "$T" >/proc/sys/kernel/core_pattern
echo 4 >/proc/sys/kernel/core_pipe_limit

crash ./crash-c
check "an entry appears" wait_entries 1
wait_handlers

check "one entry" test "$(count_entries)" = 1
check "signal is SIGSEGV" test "$(json_field signal)" = 11
check "comm is crash-c" test "$(json_field comm)" = crash-c
check "exe is the program" test "$(json_field exe)" = "$T/crash-c"
check "not a Go program" test "$(json_field go)" = false
check "not truncated" test "$(json_field truncated)" = false
check "raw size recorded" test "$(json_field core_size)" = "$(stat -c %s "$T/raw.core")"
check "uid recorded" test "$(json_field uid)" = 0
check "build id recorded" test "$(json_field build_id)" = \
	"$(readelf -n "$T/crash-c" | awk '/Build ID/ { print $3 }')"
check "analysed in the sandbox" test "$(json_field analysis)" = ok
check "notes read: both threads" test "$(json_field core_threads)" = 2
check "notes read: fault address" test "$(json_field fault_addr)" = 0x0
json_typed() { # numbers as numbers, booleans as booleans, so that jq compares them
	ctl --json info latest | python3 -c '
import json, sys
e = json.load(sys.stdin)
for k in ("pid", "signal", "core_size", "stored_size", "core_threads", "fault_signal",
          "fault_code", "capture_drain_usec", "capture_max_rss_kib", "analysis_usec"):
    assert type(e[k]) is int, (k, e[k])
for k in ("core_stored", "truncated", "go"):
    assert type(e[k]) is bool, (k, e[k])
for k in ("fault_addr", "analysis", "signal_name", "fault_signal_name", "time"):
    assert type(e[k]) is str, (k, e[k])
assert e["unit"] is None or type(e["unit"]) is str'
}
check "--json is typed" json_typed
check "compressed" test "$(json_field stored_size)" -lt "$(json_field core_size)"

id=$(json_field id)
ctl dump "$id" -o "$T/dumped.core"
check "dump is byte-identical to the kernel's stream" cmp "$T/raw.core" "$T/dumped.core"
check "dump is sparse" test "$(du -k "$T/dumped.core" | cut -f1)" -lt \
	"$(( $(stat -c %s "$T/dumped.core") / 1024 ))"
ctl dump latest -o "$T/latest.core"
check "latest is the same crash" cmp "$T/raw.core" "$T/latest.core"
check "plain zstd restores it too" sh -c "zstd -q -d -c '$STORE/$id/core.zst' | cmp - '$T/raw.core'"
check "readelf reads the notes" sh -c "readelf -n '$T/dumped.core' | grep -q NT_PRSTATUS"
check "gdb finds main" sh -c "gdb -batch -ex bt '$T/crash-c' '$T/dumped.core' 2>&1 | grep -q 'in main ()\\|main () at'"
check "store is 0711 (searchable, not listable)" test "$(stat -c %a "$STORE")" = 711
check "core is 0600" test "$(stat -c %a "$STORE/$id/core.zst")" = 600
check "info shows the signal" sh -c "'$GOCRASHCTL' --store='$STORE' info '$id' | grep -q SIGSEGV"
check "info names the user" sh -c "'$GOCRASHCTL' --store='$STORE' info '$id' | grep -q 'UID: 0 (root)'"
check "info names the fault code" sh -c "'$GOCRASHCTL' --store='$STORE' info '$id' | grep -q 'Fault Code: 1 (SEGV_MAPERR)'"
check "info explains the dump mode" sh -c "'$GOCRASHCTL' --store='$STORE' info '$id' | grep -q \"Dump Mode: 1 (the user's)\""
check "info --json is one object" sh -c "'$GOCRASHCTL' --store='$STORE' --json info latest | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"id\"]==\"$id\"'"
check "unknown id exits 1" sh -c "'$GOCRASHCTL' --store='$STORE' info nosuchid; test \$? = 1"
check "bad usage exits 2" sh -c "'$GOCRASHCTL' --store='$STORE' frobnicate; test \$? = 2"

# Replay: the same raw core through gocrashd outside the kernel, with --exe.
"$GOCRASHD" --config="$T/c" --no-journal --exe="$T/crash-c" 4242 crash-c 11 <"$T/raw.core"
check "replay stored" test "$(count_entries)" = 2
ctl dump "$(json_field id)" -o "$T/replayed.core"
check "replay dump is byte-identical" cmp "$T/raw.core" "$T/replayed.core"
check "replay takes comm from argv/notes" test "$(json_field comm)" = crash-c

# Choosing a crash as with coredumpctl: matches, a time window, the last one by default.
n_of() { ctl --json list "$@" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
last_id() { ctl --json "$@" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
pid1=$(ctl --json list | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["pid"])')
check "list PID: the kernel's crash only" test "$(n_of "$pid1")" = 1
check "list PID PID: either" test "$(n_of "$pid1" 4242)" = 2
check "list COMM: both" test "$(n_of crash-c)" = 2
check "list COMM PID: both must hold" test "$(n_of crash-c 4242)" = 1
check "list FIELD=VALUE" test "$(n_of signal=SIGSEGV pid=4242)" = 1
check "list --since=-1h: both" test "$(n_of --since=-1h)" = 2
check "list --until=-1h: none, exit 1" sh -c "'$GOCRASHCTL' --store='$STORE' list --until=-1h; test \$? = 1"
check "list -1: the last" test "$(n_of -1)" = 1
check "list -r: newest first" test "$(ctl --json list -r | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["pid"])')" = 4242
check "no command: list" sh -c "'$GOCRASHCTL' --store='$STORE' | grep -q '^$id '"
check "info without a match: the last crash" test "$(last_id info)" = "$(json_field id)"
check "info PID" test "$(last_id info "$pid1")" = "$id"
check "info with no match: said, exit 1" sh -c "'$GOCRASHCTL' --store='$STORE' info 777 2>&1 | grep -q 'info: no crash matches 777'"
check "stacks of a C crash: said" sh -c "! '$GOCRASHCTL' --store='$STORE' stacks $pid1"
check "unknown command: said" sh -c "'$GOCRASHCTL' --store='$STORE' lsit 2>&1 | grep -q 'unknown command \"lsit\"'"
check "unknown field: said" sh -c "'$GOCRASHCTL' --store='$STORE' list foo=1 2>&1 | grep -q 'not a match: \"foo=1\"'"
finish
