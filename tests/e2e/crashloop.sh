#!/bin/bash
# A crash loop, as a supervisor restarting a Go service makes one: 100 crashes of one bug in
# about a minute, and two other programs crashing once each meanwhile, under the real kernel
# and the real journald. Afterwards the store holds the other two crashes with their cores,
# CoresPerSignature cores of the loop, a count of every crash, and stays within its quota;
# the journal has a handful of lines, not a hundred.
. "$(dirname "$0")/lib.sh"

goroot=$(ls -d /usr/lib/go-1.* 2>/dev/null | sort -V | tail -1)
[ -n "$goroot" ] || skip "no Debian Go toolchain (golang-1.NN-go) installed"
start_journald
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$T/gocache GOPATH=$T/gopath
(cd "$SRC/tests/go/panic" && "$goroot/bin/go" build -o "$T/looping" .) || skip "go build failed"
build_c_crasher other-a
build_c_crasher other-b
# The defaults of the rate limit (lib.sh turns it off for the other tests).
printf '[Store]\nMaxUse=256M\nCoresPerSignature=3\n[Capture]\nRateLimitIntervalSec=10min\nRateLimitBurst=5\n' | write_config
use_gocrashd
since=$(date +%s.%N)

crash ./other-a
start=$(date +%s)
for i in $(seq 1 100); do
	GOTRACEBACK=crash crash ./looping panic
	[ "$i" = 50 ] && crash ./other-b
done
elapsed=$(($(date +%s) - start))
wait_handlers
echo "100 crashes in ${elapsed}s"

entries() { ctl list --json | python3 -c "
import json, sys
e = json.load(sys.stdin)
exe = sys.argv[1]
sel = [x for x in e if (x['exe'] or '').endswith('/' + exe)]
print(len(sel), sum(1 for x in sel if x['core_stored']))" "$1"; }
check "other-a kept with its core ($(entries other-a))" test "$(entries other-a)" = "1 1"
check "other-b kept with its core ($(entries other-b))" test "$(entries other-b)" = "1 1"
read -r loop_entries loop_cores <<<"$(entries looping)"
check "the loop keeps CoresPerSignature=3 cores ($loop_cores)" test "$loop_cores" = 3
check "the loop's stored entries are few ($loop_entries)" test "$loop_entries" -ge 3 -a "$loop_entries" -le 10
count=$(ctl groups --json | python3 -c "
import json, sys
g = [x for x in json.load(sys.stdin) if any(e.endswith('/looping') for e in x.get('exes') or [])]
print(g[0]['count'] if g else 0)")
check "the loop's group counts every crash ($count)" test "$count" = 100
used=$(du -sb "$STORE" | cut -f1)
check "the store is within MaxUse ($used bytes)" test "$used" -le $((256 << 20))
journalctl --sync 2>/dev/null || true
lines=$(journalctl -o json --no-pager --since=@"$since" 2>/dev/null |
	python3 -c "
import json, sys
n = 0
for line in sys.stdin:
    e = json.loads(line)
    if e.get('SYSLOG_IDENTIFIER') == 'gocrashd' or 'GOCRASH_CORE_ID' in e or 'GOCRASH_SUPPRESSED' in e:
        n += 1
print(n)")
check "a handful of journal lines, not a hundred ($lines)" test "$lines" -le 30
finish
