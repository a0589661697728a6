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
field() { printf '%s' "$entry" | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1'))"; }
entry=$(journal_entry "$id")
check "journal entry found by MESSAGE_ID" test -n "$entry"
check "PRIORITY=2" test "$(field PRIORITY)" = 2
check "GOCRASH_SIGNAL_NAME=SIGSEGV" test "$(field GOCRASH_SIGNAL_NAME)" = SIGSEGV
check "GOCRASH_SIGNAL=11" test "$(field GOCRASH_SIGNAL)" = 11
check "GOCRASH_COMM" test "$(field GOCRASH_COMM)" = "crash me"
check "GOCRASH_EXE" test "$(field GOCRASH_EXE)" = "$T/crash me"
check "GOCRASH_CORE_SIZE" test "$(field GOCRASH_CORE_SIZE)" = "$(json_field core_size)"
# The journal has the size first stored; frames compressed faster while the process waited
# may be recompressed afterwards, and the meta keeps that first size.
first_stored=$(ctl --json info "$id" | python3 -c \
	"import json,sys; d=json.load(sys.stdin); print(d.get('capture_first_stored_size', d['stored_size']))")
check "GOCRASH_STORED_SIZE" test "$(field GOCRASH_STORED_SIZE)" = "$first_stored"
check "GOCRASH_TRUNCATED=0" test "$(field GOCRASH_TRUNCATED)" = 0
check "GOCRASH_PID" test "$(field GOCRASH_PID)" = "$(json_field pid)"
check "GOCRASH_UID" test "$(field GOCRASH_UID)" = 0
check "MESSAGE reads well" sh -c "printf '%s' '$(field MESSAGE)' | grep -q 'crash me\\[[0-9]*\\] crashed with SIGSEGV; core stored as $id'"

# A Go program: the journal says why it crashed, where, and how many goroutines, in one line.
goroot=$(ls -d /usr/lib/go-1.* 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$goroot" ]; then
	export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$T/gocache GOPATH=$T/gopath
	(cd "$SRC/tests/go/crash" && "$goroot/bin/go" build -o "$T/gosvc" .)
	GOTRACEBACK=crash crash "$T/gosvc" panic || fail "Go program: no crash"
	check "Go entry" wait_entries 2
	wait_handlers
	gid=$(json_field id)
	entry=$(journal_entry "$gid")
	check "Go MESSAGE in one line" sh -c "printf '%s' '$(field MESSAGE)' | grep -Eq '^gosvc\[[0-9]+\] panic: boom at main.raise \(main.go:[0-9]+\), [0-9]+ goroutines; core stored as $gid\$'"
	check "GOCRASH_REASON" test "$(field GOCRASH_REASON)" = "panic: boom"
	check "GOCRASH_GO_VERSION" test "$(field GOCRASH_GO_VERSION)" = "$("$goroot/bin/go" version | awk '{ print $3 }')"
	check "GOCRASH_MODULE" sh -c "printf '%s' '$(field GOCRASH_MODULE)' | grep -q '^gocrashd.test/crash'"
	check "GOCRASH_SIGNATURE" sh -c "printf '%s' '$(field GOCRASH_SIGNATURE)' | grep -Eq '^[0-9a-f]{16}\$'"
	check "GOCRASH_GOROUTINES" test "$(field GOCRASH_GOROUTINES)" -gt 10
	check "GOCRASH_STACK names the program's frames" sh -c "printf '%s' '$(field GOCRASH_STACK)' | grep -q '^main.raise (.*main.go:[0-9]*)'"
	check "GOCRASH_ANALYSIS=ok" test "$(field GOCRASH_ANALYSIS)" = ok
	# The same bug again, in a new process: the same signature.
	sig1=$(field GOCRASH_SIGNATURE)
	GOTRACEBACK=crash crash "$T/gosvc" panic || fail "Go program: no second crash"
	wait_entries 3 && wait_handlers
	check "same bug, same signature" test "$(ctl info latest | sed -n 's/^ *Signature: //p')" = "$sig1"
	GOTRACEBACK=crash crash "$T/gosvc" nil || fail "Go program: no nil crash"
	wait_entries 4 && wait_handlers
	check "another bug, another signature" test "$(ctl info latest | sed -n 's/^ *Signature: //p')" != "$sig1"
else
	echo "SKIP (part): no Debian Go toolchain for the Go journal entry"
fi

# In a unit's cgroup, as systemd would have started it: journalctl -u and coredumpctl see it.
unit=gctest-$$.service
before=$(count_entries)
in_unit_cgroup "system.slice/$unit" "./crash me"
check "unit crash stored" wait_entries $((before + 1))
wait_handlers
uid_=$(json_field id)
check "... its unit" test "$(json_field unit)" = "$unit"
check "... its slice" test "$(json_field slice)" = system.slice
check "... its cgroup" test "$(json_field cgroup)" = "/system.slice/$unit"
check "... the host name" test "$(json_field hostname)" = "$(hostname)"
entry=$(journal_entry "$uid_")
check "GOCRASH_TIMESTAMP, the crash's time" test "$(field GOCRASH_TIMESTAMP)" = "$(json_field time_usec)"
check "OBJECT_SYSTEMD_UNIT" test "$(field OBJECT_SYSTEMD_UNIT)" = "$unit"
check "GOCRASH_SLICE" test "$(field GOCRASH_SLICE)" = system.slice
journalctl --sync 2>/dev/null || true
journalctl -u "$unit" -o json --no-pager >"$T/unit.json" 2>/dev/null || true
unit_has() { # unit_has MESSAGE_ID: journalctl -u's output has that entry of this crash
	python3 -c "import json,sys
sys.exit(not any(e.get('MESSAGE_ID') == '$1' and e.get('GOCRASH_CORE_ID') == '$uid_'
                 for e in map(json.loads, open('$T/unit.json'))))"
}
check "journalctl -u shows gocrashd's entry" unit_has "$MESSAGE_ID"
check "... and the coredump-compatible one" unit_has fc2e22bc6ee647b6b90729ab34a250b1
upid=$(json_field pid)
if command -v coredumpctl >/dev/null; then
	coredumpctl --no-pager list "$upid" >"$T/cdlist" 2>&1 || true
	check "coredumpctl list shows it" grep -q " $upid .*present" "$T/cdlist"
	coredumpctl --no-pager info "$upid" >"$T/cdinfo" 2>&1 || true
	check "coredumpctl info: its unit" grep -q "Unit: $unit" "$T/cdinfo"
	check "coredumpctl info: the stored core" grep -q "Storage: $STORE/$uid_/core.zst" "$T/cdinfo"
	coredumpctl --no-pager dump "$upid" -o "$T/cd.core" >/dev/null 2>&1 || true
	ctl dump "$uid_" -o "$T/gc.core"
	check "coredumpctl dump: the core, byte for byte" cmp "$T/cd.core" "$T/gc.core"
else
	fail "coredumpctl is not installed (Debian: systemd-coredump; tests/setup-debian.sh installs it)"
fi
write_config <<'EOC'
[Journal]
CoredumpCompatible=no
EOC
before=$(count_entries)
in_unit_cgroup "system.slice/$unit" "./crash me"
check "CoredumpCompatible=no: stored" wait_entries $((before + 1))
wait_handlers
nid=$(json_field id)
entry=$(journal_entry "$nid")
check "... gocrashd's entry" test -n "$entry"
journalctl --sync 2>/dev/null || true
check "... no coredump entry" test -z "$(journalctl -o json --no-pager MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1 GOCRASH_CORE_ID="$nid" 2>/dev/null)"
write_config </dev/null

# journald unreachable (its socket directory hidden in a private mount namespace): the core is
# still stored and the summary goes to the kernel log.
ctl dump "$id" -o "$T/raw.core"
before=$(count_entries)
unshare -m sh -c "mount -t tmpfs gc-nojournal /run/systemd/journal &&
	exec '$GOCRASHD' --config='$T/c' --exe='$T/crash me' 4343 crashnojournal 11 < '$T/raw.core'"
check "stored with journald down" test "$(count_entries)" = $((before + 1))
nid=$(json_field id)
check "summary in the kernel log" sh -c "dmesg | grep -Eq 'crashed with SIGSEGV, [0-9]+(st|nd|rd|th) crash of this signature since [0-9:]+; (core stored as|core not kept \\(analysis only: CoresPerSignature=3\\), entry) $nid'"
same_group() { ctl list --json | python3 -c 'import json,sys; e=json.load(sys.stdin); print(sum(1 for x in e if x["group"] == e[-1]["group"]))'; }
check "... its group counts every crash of it ($(json_field group_count))" test "$(json_field group_count)" = "$(same_group)"
finish
