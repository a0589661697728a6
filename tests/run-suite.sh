#!/bin/bash
# The whole test suite on a fresh Debian 12 machine, as root: installs what it needs from
# Debian, builds with warnings as errors, runs unit, fuzz-replay and end-to-end tests, and
# ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run as root: the end-to-end tests use the real kernel" >&2; exit 2; }
bash tests/setup-debian.sh test || { echo "0 passed, 1 failed"; exit 1; }
build=${GC_TEST_BUILD:-build-tests}
if [ ! -d "$build" ]; then
	meson setup "$build" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null ||
		{ echo "0 passed, 1 failed"; exit 1; }
fi
ninja -C "$build" || { echo "0 passed, 1 failed"; exit 1; }
meson test -C "$build" --print-errorlogs "$@"
rc=$?
python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): passed += 1
    elif r == "SKIP": skipped += 1
    else: failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $rc
