#!/bin/bash
# The whole test suite on a fresh Debian 12 machine, as root: installs what it needs from
# Debian, builds with warnings as errors, runs unit, fuzz-replay and end-to-end tests, and
# ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run as root: the end-to-end tests use the real kernel" >&2; exit 2; }
bash tests/setup-debian.sh test || { echo "0 passed, 1 failed"; exit 1; }
build=${GC_TEST_BUILD:-build-tests}
asan=${build}-asan
setup() { # setup DIR [meson options]
	[ -d "$1" ] || meson setup "$@" -Dwerror=true >/dev/null || return 1
	ninja -C "$1" >/dev/null || ninja -C "$1"
}
# A plain build for everything (peak RSS figures must be real), and an ASan/UBSan build for
# the unit and fuzz-replay tests.
setup "$build" || { echo "0 passed, 1 failed"; exit 1; }
setup "$asan" -Db_sanitize=address,undefined -Db_lundef=false || { echo "0 passed, 1 failed"; exit 1; }
rc=0
meson test -C "$asan" --print-errorlogs --suite unit --suite fuzz "$@" || rc=1
meson test -C "$build" --print-errorlogs "$@" || rc=1
python3 - "$asan/meson-logs/testlog.json" "$build/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    for line in open(path):
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL"): passed += 1
        elif r == "SKIP": skipped += 1
        else: failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $rc
