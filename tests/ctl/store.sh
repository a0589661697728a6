#!/bin/bash
# gocrashctl remove and vacuum on a store made by hand (no kernel, nothing outside a temporary
# directory; root, as the commands are root's): what is left on disk after each, the groups'
# counts kept, kept executables collected with their last entry, entries whose handler is at
# work spared, the refusal for other users and the usage errors.
set -euo pipefail
CTL=${GC_BUILD_ROOT:?run through meson test}/daemon/gocrashctl
[ "$(id -u)" = 0 ] || { echo "SKIP: remove and vacuum are root's; run as root"; exit 77; }
T=$(mktemp -d /tmp/gc-ctl-store.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
S=$T/store
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
check() { # check DESCRIPTION COMMAND...
	local what=$1; shift
	if "$@"; then echo "ok: $what"; else fail "$what"; fi
}
# The quotas of these tests only: nothing for the filesystem's state or the crashes' age.
printf '[Store]\nDirectory=%s\nMaxUse=0\nKeepFree=0\nMaxCores=0\nMaxEntries=0\nMaxCoreAge=0\nCoresPerSignature=1000\n' \
	"$S" >"$T/conf"
ctl() { GOCRASHCTL_PAGER=cat "$CTL" --config="$T/conf" "$@"; }
run() { # run OUT COMMAND...: its exit status in $rc, stdout and stderr in OUT
	local out=$1; shift
	rc=0
	"$@" >"$out" 2>&1 || rc=$?
}

NOW=$(date +%s)
entry() { # entry ID CORE_STORED [META LINES...]: an entry whose handler is done
	local id=$1 core=$2; shift 2
	mkdir -m 700 "$S/$id"
	{
		printf 'id=%s\ntime_usec=%s000000\npid=%s\nuid=0\ngid=0\nsignal=11\ncomm=crashy\n' \
			"$id" "$((NOW - 600 + ${id##*-} % 100))" "${id##*-}"
		printf 'core_stored=%s\nstored_size=4096\nhandler_cpu_usec=1\n' "$core"
		printf '%s\n' "$@"
	} >"$S/$id/meta"
	if [ "$core" = 1 ]; then head -c 4096 /dev/urandom >"$S/$id/core.zst"; fi
}
KEY=0123456789abcdef0123456789abcdef01234567
fresh_store() {
	rm -rf "$S"
	mkdir -m 700 "$S" "$S/.executables"
	D=$(date -u +%Y%m%d-%H%M)
	entry "$D"00-41 1 exe=/srv/api "exe_kept=$KEY"
	entry "$D"01-42 1 exe=/srv/api "exe_kept=$KEY"
	entry "$D"02-43 1 exe=/srv/other
	entry "$D"03-44 1 exe=/srv/other
	echo kept >"$S/.executables/$KEY.zst"
}
entries() { find "$S" -mindepth 1 -maxdepth 1 -name '2*' -printf '%f\n' | sort | tr '\n' ' '; }
cores() { find "$S" -mindepth 2 -maxdepth 2 -name core.zst | wc -l; }

fresh_store
# The group files, as the handler writes them: counts beyond the entries (crashes evicted
# or rate-limited before).
mkdir -m 700 "$S/.groups"
for g in $(ctl --json groups | python3 -c 'import json,sys; print(" ".join(g["group"] for g in json.load(sys.stdin)))'); do
	printf 'version=1\nid=%s\ncount=10\nfirst_usec=%s000000\nlast_usec=%s000000\n' "$g" "$NOW" "$NOW" >"$S/.groups/$g"
done
group_counts() { ctl --json groups | python3 -c 'import json,sys; print(" ".join("%d/%d" % (g["count"], g["entries"]) for g in json.load(sys.stdin)))'; }
check "two groups of 10 crashes, 2 entries each" test "$(group_counts)" = "10/2 10/2"

# ---- remove ----
run "$T/out" ctl remove
check "remove without a match: usage error" test "$rc" = 2
check "... saying what is missing" grep -q "remove: say which crashes" "$T/out"
check "... and nothing removed" test "$(entries | wc -w)" = 4

run "$T/out" setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" --store="$S" remove 41
check "remove as another user: refused" test "$rc" = 1
check "... saying it is root's" grep -q "remove: only root can delete in the crash store" "$T/out"
check "... and nothing removed" test "$(entries | wc -w)" = 4
run "$T/out" setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" --store="$S" vacuum
check "vacuum as another user: refused" grep -q "vacuum: only root" "$T/out"

run "$T/out" ctl remove "$D"0
check "an ID prefix of several: an error" test "$rc" = 1
check "... saying so" grep -q "matches more than one crash" "$T/out"
check "... and nothing removed" test "$(entries | wc -w)" = 4

run "$T/out" ctl remove 4242
check "no crash matches: exit 1" test "$rc" = 1
check "... saying so" grep -q "remove: no crash matches 4242" "$T/out"

run "$T/out" ctl remove 41
cat "$T/out"
check "remove PID: exit 0" test "$rc" = 0
check "... says what it removed" grep -q "^Removed ${D}00-41 (/srv/api, " "$T/out"
check "... that entry is gone" test "$(entries)" = "${D}01-42 ${D}02-43 ${D}03-44 "
check "... the executable another entry names stays" test -e "$S/.executables/$KEY.zst"
check "... nothing half-removed" test -z "$(find "$S" -maxdepth 1 -name '.tmp-*')"

run "$T/out" ctl --json remove /srv/api; cat "$T/out"
check "remove EXE --json: an array of what went" python3 -c "
import json
r = json.loads(open('$T/out').read().strip().splitlines()[-1])
assert [e['id'] for e in r] == ['${D}01-42'] and r[0]['removed'] and r[0]['bytes'] >= 4096, r
"
check "... the kept executable went with its last entry" test ! -e "$S/.executables/$KEY.zst"
check "groups keep their counts, their entries go" test "$(group_counts)" = "10/0 10/2"

# An entry whose handler is still at work is left.
sed -i '/^handler_cpu_usec=/d' "$S/${D}03-44/meta"
run "$T/out" ctl remove crashy
cat "$T/out"
check "remove COMM: the others go, exit 1 for the one left" test "$rc" = 1
check "... the one at work is left, saying why" grep -q "left ${D}03-44: its handler is still at work" "$T/out"
check "... and counted" grep -q "Removed 1 of 2 crashes" "$T/out"
check "... what is left" test "$(entries)" = "${D}03-44 "

# A damaged entry can be removed by its id.
mkdir -m 700 "$S/${D}59-99"
echo garbage >"$S/${D}59-99/meta"
touch -d '2 hours ago' "$S/${D}59-99/meta" "$S/${D}59-99"
run "$T/out" ctl remove "${D}59-99"
check "a damaged entry removed by its id" test ! -e "$S/${D}59-99"

# ---- vacuum ----
fresh_store
run "$T/out" ctl vacuum
cat "$T/out"
check "vacuum within every quota: nothing goes" grep -q "^Removed 0 cores and 0 entries" "$T/out"
check "... all four left" test "$(entries | wc -w)" = 4 -a "$(cores)" = 4

run "$T/out" ctl vacuum --vacuum-cores=2
cat "$T/out"
check "vacuum --vacuum-cores=2: exit 0" test "$rc" = 0
check "... two cores removed, no entry" grep -q "^Removed 2 cores and 0 entries" "$T/out"
check "... each said with why" test "$(grep -c "Removed the core of .*MaxCores=2" "$T/out")" = 2
check "... cores before entries: four entries, two cores" test "$(entries | wc -w)" = 4 -a "$(cores)" = 2
check "... the oldest of the group with the most cores" test ! -e "$S/${D}00-41/core.zst" -a ! -e "$S/${D}02-43/core.zst"
check "... their metas say why" grep -q "^core_dropped=.*MaxCores=2" "$S/${D}00-41/meta"
check "... listed as evicted" sh -c "GOCRASHCTL_PAGER=cat '$CTL' --store='$S' --no-legend list | grep -c evicted | grep -qx 2"

run "$T/out" ctl --json vacuum --vacuum-entries=3
check "vacuum --vacuum-entries=3 --json: one entry, the one without a core" python3 -c "
import json
r = json.loads(open('$T/out').read().strip().splitlines()[-1])
assert r['entries_removed'] == 1 and r['cores_removed'] == 0 and r['bytes_freed'] > 0, r
"
check "... the oldest without a core" test ! -e "$S/${D}00-41"
check "... three entries left" test "$(entries | wc -w)" = 3

# The configuration's quotas, and the --vacuum-* options alone as journalctl's.
sed -i 's/^MaxCores=0/MaxCores=1/' "$T/conf"
run "$T/out" ctl --json vacuum
check "vacuum: the configured MaxCores" test "$(cores)" = 1
used=$(tail -n 1 "$T/out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_used"])')
# 1K less than the store holds: the last core goes, and that is enough.
run "$T/out" ctl --vacuum-size=$((used - 1024))
cat "$T/out"
check "--vacuum-size alone runs vacuum: the core, no entry" grep -q "^Removed 1 core and 0 entries" "$T/out"
check "... no core left, three entries" test "$(cores)" = 0 -a "$(entries | wc -w)" = 3
# Less than what the store needs for itself: nothing is removed for it.
run "$T/out" ctl --vacuum-size=1
check "a size no removal can reach: nothing goes" test "$(entries | wc -w)" = 3
run "$T/out" ctl --vacuum-time=1h
check "--vacuum-time takes a time span" test "$rc" = 0

run "$T/out" ctl vacuum --vacuum-size=0
check "--vacuum-size=0: usage error" test "$rc" = 2
run "$T/out" ctl vacuum --vacuum-cores=x
check "--vacuum-cores=x: usage error, saying why" grep -q "not a number above 0" "$T/out"
run "$T/out" ctl list --vacuum-cores=1
check "--vacuum-* with another command: usage error" test "$rc" = 2
run "$T/out" ctl vacuum extra
check "vacuum takes no argument" test "$rc" = 2

[ "$FAILS" -eq 0 ] && echo "all checks passed" || { echo "$FAILS check(s) failed"; exit 1; }
