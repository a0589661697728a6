#!/bin/bash
# The analysis yields to another crash's drain, through the real kernel: while a drain is
# announced in the store (the test takes what a capture takes from the start of its drain to
# the release: an open file description read lock on STORE/.draining) and every CPU is busy,
# a Go crash's analysis waits in the background, then completes once the announcement ends;
# its entry says how long it yielded. It yields for a fourth of TimeLimitSec= at most, and
# not at all with no drain announced.
. "$(dirname "$0")/lib.sh"

goroot=$(ls -d /usr/lib/go-1.* 2>/dev/null | tail -1 || true)
[ -n "$goroot" ] || skip "no Debian Go toolchain (golang-1.NN-go) installed"
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$T/gocache GOPATH=$T/gopath
exe=$T/panic
(cd "$SRC/tests/go/panic" && "$goroot/bin/go" build -o "$exe" .) || { fail "go build"; finish; }

field() { # field NAME: the last entry's NAME, or "none"
	ctl list --json | python3 -c "import json,sys; print(json.load(sys.stdin)[-1].get('$1', 'none'))"
}

# announce SECONDS: holds the announcement in the background, until SECONDS have passed.
announce() {
	python3 - "$STORE/.draining" "$1" <<'PY' &
import fcntl, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_CREAT, 0o600)
# struct flock: l_type, l_whence, l_start, l_len, l_pid (0 for OFD locks)
fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhxxxxqqixxxx", fcntl.F_RDLCK, 0, 0, 1, 0))
time.sleep(float(sys.argv[2]))
PY
	ANNOUNCER=$!
}

BURNERS=()
burn() { # every CPU busy at normal priority, for at most 60 s
	for _ in $(seq 1 "$(nproc)"); do
		timeout 60 sh -c 'while :; do :; done' &
		BURNERS+=($!)
	done
}
unburn() {
	kill "${BURNERS[@]}" 2>/dev/null || true
	wait "${BURNERS[@]}" 2>/dev/null || true
	BURNERS=()
}
trap 'unburn; [ -z "${ANNOUNCER:-}" ] || kill "$ANNOUNCER" 2>/dev/null || true' EXIT

printf 'MaxUse=100%%\nKeepFree=1M\n' | write_config
use_gocrashd
GOTRACEBACK=crash crash "$exe" panic || fail "crash 1"
check "entry 1" wait_entries 1
check "handler 1 done" wait_handlers
check "analysis 1 ok" test "$(field analysis)" = ok
check "no drain announced: it did not yield" test "$(field analysis_yield_usec)" = none

# Announced for 4 s while the CPUs are busy: the analysis (30 ms alone) waits for the end.
announce 4
sleep 0.5
burn
GOTRACEBACK=crash crash "$exe" panic || fail "crash 2"
check "entry 2" wait_entries 2
check "handler 2 done" wait_handlers
wait "$ANNOUNCER" || true
unburn
yielded=$(field analysis_yield_usec)
echo "analysis $(field analysis_usec) us, of which yielded $yielded us"
check "analysis 2 ok" test "$(field analysis)" = ok
check "it yielded a second or more" test "${yielded/none/0}" -ge 1000000
check "it took no less than it yielded" test "$(field analysis_usec)" -ge "${yielded/none/0}"

# TimeLimitSec=8: 2 s at most in the background, then at normal priority it completes while
# the announcement (10 s) still goes on.
printf 'MaxUse=100%%\nKeepFree=1M\n[Analysis]\nTimeLimitSec=8\n' | write_config
announce 10
sleep 0.5
burn
GOTRACEBACK=crash crash "$exe" panic || fail "crash 3"
check "entry 3" wait_entries 3
check "handler 3 done" wait_handlers
check "the announcement still went on" kill -0 "$ANNOUNCER"
unburn
kill "$ANNOUNCER" 2>/dev/null || true
yielded=$(field analysis_yield_usec)
echo "analysis $(field analysis_usec) us, of which yielded $yielded us (at most 2 s)"
check "analysis 3 ok" test "$(field analysis)" = ok
check "it yielded 2 s, not more" sh -c "[ ${yielded/none/0} -ge 1900000 ] && [ ${yielded/none/0} -le 2500000 ]"
finish
