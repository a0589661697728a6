#!/bin/bash
# A 1.5 GiB core of a real, non-zero heap through the real kernel: gocrashd's peak RSS stays
# within 64 MiB, and the stored core restores to the exact stream the kernel sent.
. "$(dirname "$0")/lib.sh"

size_mib=${GC_BIG_CORE_MIB:-1536}
avail=$(df -k --output=avail /tmp | tail -1)
[ "$avail" -gt $((size_mib * 1024 * 2)) ] || skip "not enough space in /tmp for a ${size_mib} MiB core"
gcc -O2 -o "$T/bigheap" "$SRC/tests/e2e/bigheap.c"
write_config </dev/null
# Tee the kernel's stream into a hash, not a file: no uncompressed copy on disk.
printf '#!/bin/bash\ntee >(sha256sum | cut -d" " -f1 > %s/raw.sha) | %s/gocrashd --config=%s/c "$@"\n' \
	"$T" "$T" "$T" >"$T/teed"
chmod +x "$T/teed"
printf '|%s/teed %%P %%e %%s %%t %%u %%g\n' "$T" >/proc/sys/kernel/core_pattern
echo 4 >/proc/sys/kernel/core_pipe_limit

crash ./bigheap "$size_mib"
check "entry" wait_entries 1
wait_handlers
for i in $(seq 1 50); do [ -s "$T/raw.sha" ] && break; sleep 0.1; done
info=$(ctl --json info latest)
get() { printf '%s' "$info" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
rss=$(get capture_max_rss_kib)
raw=$(get core_size)
stored=$(get stored_size)
echo "core ${raw} bytes, stored ${stored} bytes, peak RSS ${rss} KiB," \
	"pipe held $(get capture_drain_usec) us, total $(get capture_total_usec) us"
check "core larger than the heap" test "$raw" -gt $((size_mib << 20))
check "peak RSS ${rss} KiB <= 64 MiB" test "$rss" -le 65536
check "compressed" test "$stored" -lt "$raw"
check "not truncated" test "$(get truncated)" = False
opt() { printf '%s' "$info" | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1', ''))"; }
first=$(opt capture_first_stored_size)
if [ -n "$first" ]; then
	# Adaptive=yes: frames stored fast while the kernel waited were recompressed at Level=.
	echo "$(opt capture_fast_frames) frames stored fast, $first bytes, recompressed to $stored"
	check "recompressed core is smaller than first stored" test "$stored" -lt "$first"
fi
check "stored_size is the file's size" test "$stored" = "$(stat -c %s "$STORE"/*/core.zst)"
handler_rss=$(opt handler_max_rss_kib)
check "whole handler's peak RSS ${handler_rss} KiB <= 64 MiB" test "${handler_rss:-0}" -le 65536
got=$(ctl dump latest -o - | sha256sum | cut -d' ' -f1)
check "restored core has the kernel stream's hash" test "$got" = "$(cat "$T/raw.sha")"
finish
