#!/bin/bash
# A crash loop through the real kernel and the real journald: a Go service crashing 20 times
# in a row, with RateLimitBurst=3 in a drop-in, has 3 entries stored and 17 crashes counted;
# its unit's journal has the 3 crash entries, one line when the limit started and, after the
# interval, one summary (written by the next capture, of another program), not 20 entries.
. "$(dirname "$0")/lib.sh"

command -v journalctl >/dev/null || skip "journalctl is not installed"
goroot=$(ls -d /usr/lib/go-1.* 2>/dev/null | sort -V | tail -1 || true)
[ -n "$goroot" ] || skip "no Debian Go toolchain"
start_journald
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$T/gocache GOPATH=$T/gopath
(cd "$SRC/tests/go/crash" && "$goroot/bin/go" build -o "$T/gloop" .)
build_c_crasher other

# The interval is long enough for 20 crashes on a loaded machine; the decision goes by the
# kernel's %t, whole seconds.
INTERVAL=30
write_config </dev/null
mkdir -p "$T/c.d"
printf '[Capture]\nRateLimitIntervalSec=%ss\nRateLimitBurst=3\n' "$INTERVAL" >"$T/c.d/50-loop.conf"
use_gocrashd
unit=gcloop-$$.service
start=$(date +%s)
for i in $(seq 1 20); do
	GOTRACEBACK=crash in_unit_cgroup "system.slice/$unit" "$T/gloop" panic || fail "crash $i"
done
took=$(($(date +%s) - start))
echo "20 crashes took ${took}s"
[ "$took" -lt $((INTERVAL - 2)) ] || fail "the loop took ${took}s: longer than the interval allows"
wait_handlers
check "3 entries stored" test "$(count_entries)" = 3
check "... of the unit" test "$(ctl list --json | python3 -c "import json,sys; print(sum(e.get('unit') == '$unit' for e in json.load(sys.stdin)))")" = 3
state=$(ls "$STORE/.ratelimit")
check "one state file" test "$(echo "$state" | wc -l)" = 1
check "... 20 crashes, 17 counted" sh -c "grep -qx crashes=20 '$STORE/.ratelimit/$state' && grep -qx suppressed=17 '$STORE/.ratelimit/$state'"
check "... its key, the unit" grep -qx "key=$unit" "$STORE/.ratelimit/$state"

journal() { # journal MATCH...: the entries, as JSON lines
	journalctl --sync 2>/dev/null || true
	journalctl -o json --no-pager "$@" 2>/dev/null || true
}
starts() { journal MESSAGE_ID=afc5f9f78d5c4baa9756d7ba7ea0ab46 OBJECT_SYSTEMD_UNIT="$unit"; }
summaries() { journal MESSAGE_ID=54e8ac74c4dc4b94a870ca4aef4ecd71 OBJECT_SYSTEMD_UNIT="$unit"; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.readline()).get('$1'))"; }
for i in $(seq 1 25); do [ -n "$(starts)" ] && break; sleep 0.2; done
check "one start line" test "$(starts | wc -l)" = 1
smsg=$(starts | field MESSAGE)
echo "start: $smsg"
check "... reads well" sh -c "printf '%s' '$smsg' | grep -Eq '^$unit is crash-looping: 4 crashes in ${INTERVAL}s; further crashes until [0-9]{2}:[0-9]{2}:[0-9]{2} are counted, not stored\$'"
check "... at warning" test "$(starts | field PRIORITY)" = 4
check "no summary before the interval ends" test -z "$(summaries)"

# After the interval, any capture writes the summary.
sleep $((start + INTERVAL + 2 - $(date +%s) > 0 ? start + INTERVAL + 2 - $(date +%s) : 0))
crash ./other || fail "the other program did not crash"
wait_handlers
for i in $(seq 1 25); do [ -n "$(summaries)" ] && break; sleep 0.2; done
check "one summary" test "$(summaries | wc -l)" = 1
check "... GOCRASH_SUPPRESSED=17" test "$(summaries | field GOCRASH_SUPPRESSED)" = 17
check "... GOCRASH_CRASHES=20" test "$(summaries | field GOCRASH_CRASHES)" = 20
check "... GOCRASH_EXE" test "$(summaries | field GOCRASH_EXE)" = "$T/gloop"
check "... GOCRASH_GROUP" sh -c "test \"\$(printf '%s' '$(summaries | field GOCRASH_GROUP)' | grep -Ec '^[0-9a-f]{16}\$')\" = 1"
msg=$(summaries | field MESSAGE)
echo "summary: $msg"
check "... reads well" sh -c "printf '%s' '$msg' | grep -Eq '^$unit crashed 17 more times in the last ${INTERVAL}s \(signature [0-9a-f]{16}\), not stored\$'"
check "the other program's crash stored" test "$(count_entries)" = 4
# Everything of the unit in the journal: 3 crashes, the start, the summary.
check "5 journal entries name the unit" test "$(journal OBJECT_SYSTEMD_UNIT="$unit" | wc -l)" = 5
check "journalctl -u shows start and summary" test "$(journalctl --no-pager -u "$unit" 2>/dev/null | grep -Ec 'is crash-looping|more times in the last')" = 2
# Counted into a group, when the store keeps groups (gocrashctl groups).
if ctl groups --json >"$T/groups.json" 2>/dev/null; then
	check "the group counts all 20" python3 -c "
import json, sys
groups = json.load(open('$T/groups.json'))
sys.exit(0 if sum(g.get('count', 0) for g in groups if '$unit' in (g.get('units') or [])) == 20 else 1)"
else
	echo "SKIP (part): no gocrashctl groups in this build"
fi

# Figures, not checks: how long the kernel holds a Go process with a heap of HOLD_MIB MiB
# (tests/bench/crashtime.c: from its last write to waitpid) when gocrashd stores its core
# (the first 3 of its interval) and when it reads it away as a crash loop's (the next 3),
# against the floor of the same run: a pipe to `cat > /dev/null`.
HOLD_MIB=${HOLD_MIB:-256}
gcc -O2 -Wall -o "$T/crashtime" "$SRC/tests/bench/crashtime.c"
(cd "$SRC/tests/bench/svcheap" && "$goroot/bin/go" build -o "$T/svcheap" .)
# In a unit of its own (as in_unit_cgroup puts it), whatever unit the test runs in.
hunit=gcheap-$$.service
in_unit_cgroup "system.slice/$hunit" true >/dev/null || true
procs=
for d in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified /sys/fs/cgroup; do
	[ -f "$d/system.slice/$hunit/cgroup.procs" ] && procs+=" $d/system.slice/$hunit/cgroup.procs"
done
held() {
	(cd "$T" && sh -c "for f in$procs; do echo \$\$ >\$f; done; exec \"\$@\"" sh \
		"$T/crashtime" "$T/svcheap" "$HOLD_MIB") | awk '{ print $1 }'
}
printf '#!/bin/sh\ncat > /dev/null\n' >"$T/floor"
chmod +x "$T/floor"
floors=() stored=() counted=()
for round in 1 2 3; do
	printf '|%s/floor\n' "$T" >/proc/sys/kernel/core_pattern
	floors+=("$(held)")
done
use_gocrashd
for round in 1 2 3; do stored+=("$(held)"); done
for round in 1 2 3; do counted+=("$(held)"); done
# Their recompression runs at idle priority: on a busy machine it may outlast the wait.
wait_handlers || echo "(handlers still recompressing at idle priority)"
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
echo "figures: process held, ${HOLD_MIB} MiB heap, median of 3 (all): floor $(median "${floors[@]}") s" \
	"(${floors[*]}), stored $(median "${stored[@]}") s (${stored[*]})," \
	"rate-limited $(median "${counted[@]}") s (${counted[*]}); load: $(cut -d' ' -f1-3 /proc/loadavg)"
check "the big crashes: 3 stored, the rest counted" test "$(ctl list --json | python3 -c "import json,sys; print(sum(e.get('unit') == '$hunit' for e in json.load(sys.stdin)))")" = 3
finish
