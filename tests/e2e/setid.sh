#!/bin/bash
# Set-id crashes and whose /proc it is, under the real kernel: a real unprivileged user
# crashes a plain and a set-uid-root program (fs.suid_dumpable=2, as apport sets it). The
# entry records the dump mode (the kernel's %d, or what /proc shows when the pattern has no
# %d), the effective ids and AT_SECURE; NonGo=forward passes the true mode to the previous
# handler; a PID that is not the dumping process is not believed.
. "$(dirname "$0")/lib.sh"

preserve /etc/sysctl.d/50-gocrashd.conf "$(build_define GC_STATE_FILE)"
id nobody >/dev/null 2>&1 || skip "no user nobody"
cp /bin/sleep "$T/plain"
cp /bin/sleep "$T/setuid"
chmod 4755 "$T/setuid"
echo 2 >/proc/sys/fs/suid_dumpable
write_config </dev/null
start_journald

crash_as_nobody() { # crash_as_nobody PROGRAM: run it as nobody, then SIGSEGV it
	(cd "$T" && ulimit -c unlimited &&
		exec setpriv --reuid=65534 --regid=65534 --clear-groups "$T/$1" 100) &
	local p=$! i
	for i in $(seq 1 50); do
		[ "$(readlink /proc/$p/exe 2>/dev/null)" = "$T/$1" ] && break
		sleep 0.05
	done
	kill -SEGV "$p"
	wait "$p" || true
}
field() { # field KEY: of the newest entry, as JSON
	ctl list --json | python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin)[-1].get('$1')))"
}
expect() { # expect PATTERN_OPTION PROGRAM DUMP_MODE EUID AT_SECURE
	local n
	n=$(count_entries 2>/dev/null || echo 0)
	use_gocrashd $1
	crash_as_nobody "$2"
	check "$2 ${1:-(with %d)}: stored" wait_entries $((n + 1))
	wait_handlers
	check "... uid is nobody's" test "$(field uid)" = 65534
	check "... dump mode $3" test "$(field dump_mode)" = "$3"
	check "... euid $4" test "$(field euid)" = "$4"
	check "... AT_SECURE $5" test "$(field at_secure)" = "$5"
	check "... /proc was the dumping process" test "$(field proc_check)" = '"dumping"'
	check "... the executable" test "$(field exe)" = "\"$T/$2\""
}
expect "" plain 1 65534 false
expect "" setuid 2 0 true
expect --old plain 1 65534 false
expect --old setuid 2 0 true
id=$(json_field id)
ctl info "$id" >"$T/info"
check "info shows the dump mode" grep -q 'Dump Mode: 2' "$T/info"
check "... and the effective uid" grep -q 'EUID: 0' "$T/info"
check "the journal has them" sh -c "journalctl -o export MESSAGE_ID=$MESSAGE_ID GOCRASH_CORE_ID=$id \
	| grep -qx GOCRASH_DUMP_MODE=2"

# NonGo=forward: the previous handler is told the true dump mode, not 1 for everyone.
printf '#!/bin/sh\necho "$1" >> %s/prev.modes\ncat > /dev/null\n' "$T" >"$T/prev"
chmod +x "$T/prev"
printf '|%s/prev %%d\n' "$T" >/proc/sys/kernel/core_pattern
"$GOCRASHCTL" --config="$T/c" enable >/dev/null
printf '[Capture]\nNonGo=forward\n' | write_config
for pattern in "" --old; do
	use_gocrashd $pattern
	rm -f "$T/prev.modes"
	crash_as_nobody plain
	for i in $(seq 1 100); do [ -s "$T/prev.modes" ] && break; sleep 0.1; done
	crash_as_nobody setuid
	for i in $(seq 1 100); do [ "$(wc -l <"$T/prev.modes")" = 2 ] && break; sleep 0.1; done
	wait_handlers
	check "forwarded ${pattern:-(with %d)}: modes 1 then 2" test "$(tr '\n' ' ' <"$T/prev.modes")" = "1 2 "
done
write_config </dev/null

# core_pipe_limit 0: recorded; the PID is still checked.
use_gocrashd
echo 0 >/proc/sys/kernel/core_pipe_limit
n=$(count_entries)
crash_as_nobody plain
check "core_pipe_limit 0: stored" wait_entries $((n + 1))
wait_handlers
check "... the limit is recorded" test "$(field core_pipe_limit)" = 0
check "... /proc checked" test "$(field proc_check)" = '"dumping"'

# A PID that is not the dumping process (reused, or a forged replay): nothing of it is used.
ctl dump "$(json_field id)" -o "$T/b.core"
sleep 100 &
other=$!
n=$(count_entries)
"$GOCRASHD" --config="$T/c" "$other" sleep 11 "$(date +%s)" 0 0 <"$T/b.core" 2>"$T/replay.err" || true
kill "$other"
check "a live PID that is not dumping: stored" wait_entries $((n + 1))
check "... marked" test "$(field proc_check)" = '"not dumping"'
check "... its executable not taken" test "$(field exe)" = null
check "... and said" grep -q "not dumping core" "$T/replay.err"

# A user sees their own crashes (the three plain ones), and is not told the store is missing.
cp "$GOCRASHCTL" "$T/gocrashctl"
setpriv --reuid=65534 --regid=65534 --clear-groups "$T/gocrashctl" --store="$STORE" \
	--config="$T/c" status >"$T/status.nobody" 2>&1 || true
check "status as a user: their own crashes only" grep -q "Crashes: 3 of yours" \
	"$T/status.nobody"
check "... not 'does not exist'" sh -c "! grep -q 'does not exist' '$T/status.nobody'"
check "... names the configuration it read" grep -q "Effective configuration ($T/c " \
	"$T/status.nobody"
finish
