#!/bin/bash
# gocrashctl enable / disable / status against the real kernel settings: enable records the
# handler it replaces, disable puts it back (now, and masks the sysctl.d file for boot); --unit
# refuses without systemd as PID 1 and writes a valid drop-in into a --root tree.
. "$(dirname "$0")/lib.sh"

sysctl_file=/etc/sysctl.d/50-gocrashd.conf
state=$(build_define GC_STATE_FILE)
libexec=$(build_define GC_LIBEXECDIR)
preserve "$sysctl_file" "$state"
write_config </dev/null
gctl() { "$GOCRASHCTL" --config="$T/c" "$@"; }

echo '|/bin/false previous-handler %p' >/proc/sys/kernel/core_pattern
echo 2 >/proc/sys/kernel/core_pipe_limit
gctl enable >/dev/null
ours="|$libexec/gocrashd --dump-mode=%d %P %e %s %t %u %g"
check "enable sets core_pattern" test "$(cat /proc/sys/kernel/core_pattern)" = "$ours"
check "enable raises core_pipe_limit" test "$(cat /proc/sys/kernel/core_pipe_limit)" = 16
check "enable persists" grep -qxF "kernel.core_pattern=$ours" "$sysctl_file"
check "the sysctl.d file loads" sysctl -q -p "$sysctl_file"
check "enable creates the store" test -d "$STORE"
check "status: active" sh -c "'$GOCRASHCTL' --config='$T/c' status | grep -q 'gocrashd (active)'"
check "status: previous handler" test "$(gctl --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["previous_core_pattern"])')" = "|/bin/false previous-handler %p"
check "status: effective config" sh -c "'$GOCRASHCTL' --config='$T/c' status | grep -qx 'Directory=$STORE'"
gctl enable >/dev/null
check "enable twice keeps the real previous" grep -q "previous-handler" "$state"

gctl disable >/dev/null
check "disable restores core_pattern" test "$(cat /proc/sys/kernel/core_pattern)" = "|/bin/false previous-handler %p"
check "disable restores core_pipe_limit" test "$(cat /proc/sys/kernel/core_pipe_limit)" = 2
check "disable masks the boot file" sh -c "test -f $sysctl_file && ! grep -q '^kernel' $sysctl_file"
check "status: not active" sh -c "'$GOCRASHCTL' --config='$T/c' status | grep -q 'not gocrashd'"

before=$(cat /proc/sys/kernel/core_pattern)
rc=0; gctl enable --unit demo.service 2>"$T/err" || rc=$?
if [ -d /run/systemd/system ]; then
	echo "systemd is PID 1 here: the refusal case is not testable"
else
	check "--unit without systemd fails" test "$rc" = 1
	check "--unit failure explains" grep -q "systemd as PID 1" "$T/err"
	check "--unit failure changed nothing" test "$(cat /proc/sys/kernel/core_pattern)" = "$before"
fi

root=$T/root
gctl --root="$root" enable --unit demo.service >/dev/null
dropin=$root/etc/systemd/system/demo.service.d/50-gocrashd.conf
check "drop-in written" test -f "$dropin"
check "drop-in sets GOTRACEBACK" grep -qx 'Environment=GOTRACEBACK=crash' "$dropin"
check "drop-in sets LimitCORE" grep -qx 'LimitCORE=infinity' "$dropin"
check "--root leaves the kernel alone" test "$(cat /proc/sys/kernel/core_pattern)" = "$before"
check "bad unit name refused" sh -c "! '$GOCRASHCTL' --root='$root' enable --unit '../x.service' 2>/dev/null"
if command -v systemd-analyze >/dev/null; then
	printf '[Service]\nExecStart=/bin/true\n' >"$root/etc/systemd/system/demo.service"
	# verify reads the unit's drop-ins and names any of their lines it rejects.
	SYSTEMD_UNIT_PATH="$root/etc/systemd/system:" systemd-analyze verify --man=no \
		"$root/etc/systemd/system/demo.service" >"$T/verify" 2>&1 || true
	check "systemd-analyze verify finds nothing wrong in the drop-in" \
		sh -c "! grep -q 50-gocrashd.conf '$T/verify'"
fi
finish
