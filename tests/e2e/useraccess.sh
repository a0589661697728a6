#!/bin/bash
# A user sees their own crashes, and only theirs (gocrashd(8), ACCESS), under the real kernel:
# user A's Go program crashes; A finds it with gocrashctl list, info, stacks and dump (the
# same core root dumps) but cannot list the store; user B sees nothing of A's, even by its
# exact ID; a set-uid root program A crashes under fs.suid_dumpable=2 stays root's; root
# sees all. The users are bare uids (no passwd entry needed, nothing to undo).
. "$(dirname "$0")/lib.sh"

command -v getfacl >/dev/null || skip "no getfacl (Debian's acl: tests/setup-debian.sh test)"
goroot=$(ls -d /usr/lib/go-1.* 2>/dev/null | tail -1)
[ -n "$goroot" ] || skip "no Debian Go toolchain (golang-1.NN-go) installed"
A=64101
B=64102
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$T/gocache GOPATH=$T/gopath
(cd "$SRC/tests/go/panic" && "$goroot/bin/go" build -o "$T/panic" .)
cp /bin/sleep "$T/setuid"
chmod 4755 "$T/setuid"
cp "$GOCRASHCTL" "$T/gocrashctl" # the build tree may be out of the users' reach
mkdir "$T/a" "$T/b"
chown $A:$A "$T/a"
chown $B:$B "$T/b"
echo 2 >/proc/sys/fs/suid_dumpable # restored by lib.sh
write_config </dev/null
use_gocrashd

as() { # as UID COMMAND...: run it as that user, no groups, in their own directory
	local uid=$1
	shift
	(cd "$T/$([ "$uid" = $A ] && echo a || echo b)" &&
		exec setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@")
}
ctl_as() { # ctl_as UID ARGS...: gocrashctl as that user, stderr in $T/err.UID
	local uid=$1
	shift
	as "$uid" "$T/gocrashctl" --store="$STORE" --config="$T/c" --no-pager "$@" 2>"$T/err.$uid"
}
ids_of() { python3 -c 'import json,sys; print(" ".join(e["id"] for e in json.load(sys.stdin)))'; }

# A's Go program panics; the handler (root) commits the entry, then adds its goroutines.
(cd "$T/a" && ulimit -c unlimited &&
	GOTRACEBACK=crash exec setpriv --reuid=$A --regid=$A --clear-groups "$T/panic" panic) \
	2>"$T/stderr" || true
check "A's crash: stored" wait_entries 1
wait_handlers
own=$(json_field id)
check "... as A's" test "$(json_field uid)" = $A
check "... dump mode 1" test "$(json_field dump_mode)" = 1
check "the store: searchable, not listable (0711)" test "$(stat -c %a "$STORE")" = 711
getfacl -n -p --omit-header "$STORE/$own" >"$T/acl.dir"
getfacl -n -p --omit-header "$STORE/$own/core.zst" >"$T/acl.core"
check "the entry: u:$A:r-x" grep -qx "user:$A:r-x" "$T/acl.dir"
check "its core: u:$A:r--" grep -qx "user:$A:r--" "$T/acl.core"
check "... no one else" sh -c "! grep -qE '^(group|other)::r' '$T/acl.core'"
for f in meta goroutines; do
	check "its $f (added after the commit too): u:$A:r--" sh -c \
		"getfacl -n -p --omit-header '$STORE/$own/$f' | grep -qx 'user:$A:r--'"
done

check "A lists it" test "$(ctl_as $A list --json | ids_of)" = "$own"
check "... silently" test ! -s "$T/err.$A"
ctl_as $A info "$own" >"$T/info.a" || true
check "A: info names the crash" grep -q "$own" "$T/info.a"
ctl_as $A info >"$T/info.last" || true
check "A: info without a match: their last crash" grep -q "$own" "$T/info.last"
ctl_as $A stacks "$own" >"$T/stacks.a" || true
check "A: stacks" grep -q '^goroutine [0-9]' "$T/stacks.a"
check "... the panic" grep -q 'panic: boom' "$T/stacks.a"
ctl_as $A dump "$own" -o "$T/a/core" || true
ctl dump "$own" -o "$T/root.core"
check "A: dump is the core root dumps" cmp "$T/a/core" "$T/root.core"
ctl_as $A status >"$T/status.a" || true
check "A: status counts what A sees" grep -q 'Crashes: 1 of yours' "$T/status.a"
check "A cannot list the store" sh -c "! setpriv --reuid=$A --regid=$A --clear-groups ls '$STORE' >/dev/null 2>&1"

check "B lists nothing" test "$(ctl_as $B list --json | ids_of)" = ""
check "... silently" test ! -s "$T/err.$B"
ctl_as $B info "$own" >"$T/info.b" && fail "B: info of A's crash succeeded" || ok "B: info of A's crash refused"
check "... as not there, not as denied" sh -c "grep -q 'no crash' '$T/err.$B' && ! grep -qi 'denied' '$T/err.$B'"
ctl_as $B dump "$own" -o "$T/b/core" && fail "B: dump of A's crash succeeded" || ok "B: dump refused"
check "... nothing written" test ! -s "$T/b/core"
ctl_as $B stacks "$own" >/dev/null && fail "B: stacks of A's crash succeeded" || ok "B: stacks refused"
check "B cannot read A's core directly" sh -c "! setpriv --reuid=$B --regid=$B --clear-groups cat '$STORE/$own/core.zst' >/dev/null 2>&1"
check "B cannot read A's index" sh -c "! setpriv --reuid=$B --regid=$B --clear-groups ls '$STORE/.by-user/$A' >/dev/null 2>&1"
ctl_as $B status >"$T/status.b" || true
check "B: status, 0 of theirs" grep -q 'Crashes: 0 of yours' "$T/status.b"

# A set-uid root program A runs: its core may hold root's secrets; the entry is root's.
(cd "$T/a" && ulimit -c unlimited &&
	exec setpriv --reuid=$A --regid=$A --clear-groups "$T/setuid" 100) &
p=$!
for i in $(seq 1 50); do
	[ "$(readlink /proc/$p/exe 2>/dev/null)" = "$T/setuid" ] && break
	sleep 0.05
done
kill -SEGV "$p"
wait "$p" || true
check "set-uid crash: stored" wait_entries 2
wait_handlers
setid=$(json_field id)
check "... dump mode 2" test "$(json_field dump_mode)" = 2
check "... filed under A's uid" test "$(json_field uid)" = $A
check "... no grant on the entry" sh -c "! getfacl -n -p --omit-header '$STORE/$setid' | grep -q '^user:[0-9]'"
check "... nor its core" sh -c "! getfacl -n -p --omit-header '$STORE/$setid/core.zst' | grep -q '^user:[0-9]'"
check "A still lists only the first" test "$(ctl_as $A list --json | ids_of)" = "$own"
ctl_as $A info "$setid" >/dev/null && fail "A: info of the set-uid crash" || ok "A: info of the set-uid crash refused"
ctl_as $A dump "$setid" -o "$T/a/setid.core" && fail "A: dump of the set-uid crash" || ok "A: dump of the set-uid crash refused"
check "A cannot read its core directly" sh -c "! setpriv --reuid=$A --regid=$A --clear-groups cat '$STORE/$setid/core.zst' >/dev/null 2>&1"

check "root sees both" test "$(ctl list --json | ids_of)" = "$own $setid"
finish
