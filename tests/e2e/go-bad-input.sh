#!/bin/bash
# Damaged Go cores and a wrong executable through the real handler: the core is stored intact,
# the analysis ends with a partial result and a note, in bounded time. Input: the real Go core
# in tests/data/go (see its README), replayed with --exe (no core_pattern change needed).
. "$(dirname "$0")/lib.sh"

write_config </dev/null
zstd -dqf "$SRC/tests/data/go/go1.22-panic.core.zst" -o "$T/good.core"
zstd -dqf "$SRC/tests/data/go/go1.22-panic.exe.zst" -o "$T/prog"
chmod 755 "$T/prog"

replay() { # replay NAME CORE [EXE]: gocrashd on a saved core; leaves the entry's meta in $T/meta
	rm -rf "${STORE:?}"/2*
	timeout 120 "$GOCRASHD" --config="$T/c" --exe="${3:-$T/prog}" --no-journal 4242 "$1" 6 \
		<"$2" 2>>"$T/log"
	cp "$STORE"/2*/meta "$T/meta"
}
meta() { sed -n "s/^$1=//p" "$T/meta"; }

replay good "$T/good.core"
check "intact core: analysed" test "$(meta analysis)" = ok
check "intact core: reason" test "$(meta go_reason)" = "panic: boom"
check "intact core: no note" test -z "$(meta go_note)"

# allglen (runtime.allglen, the u64 at this offset of the fixture's raw core: 17) made huge:
# the walk reads past the list into the heap.
off=$((0x716f8))
check "fixture: allglen where expected" test "$(od -A n -t u8 -j $off -N 8 "$T/good.core" | tr -d ' ')" = 17
cp "$T/good.core" "$T/bad.core"
printf '\xff\xff\xff\xff\xff\x00\x00\x00' | dd of="$T/bad.core" bs=1 seek=$off conv=notrunc status=none
start=$(date +%s)
replay bad "$T/bad.core"
check "damaged list: in bounded time" test $(($(date +%s) - start)) -lt 60
check "damaged list: analysis ended normally" test "$(meta analysis)" = ok
check "damaged list: a note says what is wrong" test -n "$(meta go_note)"
ctl dump latest -o "$T/bad.out"
check "damaged list: core stored intact" cmp "$T/bad.core" "$T/bad.out"
check "damaged list: stacks still shown" sh -c "'$GOCRASHCTL' --store='$STORE' stacks latest | grep -q '^goroutine 1 '"

# Random bytes over the goroutine structures and stacks (the first 1 MiB of the heap arena
# segment that holds them), several seeds.
for seed in 1 2 3; do
	cp "$T/good.core" "$T/rnd.core"
	python3 - "$T/rnd.core" "$seed" <<'EOF'
import random, struct, sys
path, seed = sys.argv[1], int(sys.argv[2])
data = bytearray(open(path, 'rb').read())
phoff = struct.unpack_from('<Q', data, 0x20)[0]
phnum = struct.unpack_from('<H', data, 0x38)[0]
rng = random.Random(seed)
for i in range(phnum):
    p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from('<IIQQQQ', data, phoff + 56 * i)
    if p_type == 1 and p_vaddr == 0xc000000000 and p_filesz:
        for _ in range(2000):
            at = p_offset + rng.randrange(min(p_filesz, 1 << 20))
            data[at] = rng.randrange(256)
open(path, 'wb').write(data)
EOF
	start=$(date +%s)
	replay "rnd$seed" "$T/rnd.core"
	check "random damage $seed: in bounded time" test $(($(date +%s) - start)) -lt 60
	check "random damage $seed: analysis did not crash" test "$(meta analysis)" = ok
	ctl dump latest -o "$T/rnd.out"
	check "random damage $seed: core stored intact" cmp "$T/rnd.core" "$T/rnd.out"
done

# A Go executable that is not the one that crashed.
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$T/gocache GOPATH=$T/gopath
goroot=$(ls -d /usr/lib/go-1.* 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$goroot" ]; then
	(cd "$SRC/tests/go/crash" && "$goroot/bin/go" build -o "$T/other" .)
	replay other "$T/good.core" "$T/other"
	check "wrong executable: a note says so" sh -c "grep -q '^go_note=.*does not match the core' '$T/meta'"
	check "wrong executable: core stored" test "$(meta core_stored)" = 1
else
	echo "SKIP (part): no Debian Go toolchain for the wrong-executable case"
fi
finish
