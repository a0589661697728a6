#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Trims a Go program's raw ELF core to what the Go analysis reads: every PT_LOAD segment whose
# removal leaves the analysis' goroutines file unchanged is dropped (program header and bytes),
# one at a time from the largest, and the rest is packed after the notes. Then the same for the
# executable's sections, which are zeroed rather than dropped (the file keeps its layout).
#   trim.py GOCRASHD EXE RAW_CORE OUT_CORE OUT_EXE
# The analysis is gocrashd itself (--exe, a scratch store, no journal); its result is the
# stored goroutines file, decompressed.
import os
import struct
import subprocess
import sys
import tempfile

PT_LOAD = 1


def phdrs(core):
    phoff, = struct.unpack_from('<Q', core, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', core, 0x36)
    return [struct.unpack_from('<IIQQQQQQ', core, phoff + i * phentsize) for i in range(phnum)]


def build(core, keep):
    """The core with only the program headers in keep, their bytes packed in order."""
    old = phdrs(core)
    kept = [p for i, p in enumerate(old) if keep[i]]
    phoff, ehsize = 64, 64
    offset = phoff + 56 * len(kept)
    header = bytearray(core[:ehsize])
    struct.pack_into('<Q', header, 0x20, phoff)
    struct.pack_into('<H', header, 0x38, len(kept))
    table, body = b'', b''
    for (ptype, flags, off, vaddr, paddr, filesz, memsz, align) in kept:
        if ptype == PT_LOAD and filesz:
            pad = -(offset + len(body)) % 4096  # keep the pages aligned, as the kernel does
            body += b'\0' * pad
        start = offset + len(body)
        body += core[off:off + filesz]
        table += struct.pack('<IIQQQQQQ', ptype, flags, start, vaddr, paddr, filesz, memsz,
                             align)
    return bytes(header) + table + body


def text_section(exe):
    """(offset, size) of .text."""
    shoff, = struct.unpack_from('<Q', exe, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', exe, 0x3a)
    shdrs = [struct.unpack_from('<IIQQQQ', exe, shoff + i * shentsize) for i in range(shnum)]
    names = shdrs[shstrndx][4]
    for name, stype, flags, addr, off, size in shdrs:
        if exe[names + name:names + name + 6] == b'.text\0':
            return off, size
    raise SystemExit('no .text')


def zero_unread(gocrashd, exe, core, want, off, size):
    """Zeroes what of exe[off:off + size] the analysis does not need, in halves down to 4 KiB
    pieces. Returns the bytes zeroed."""
    saved = bytes(exe[off:off + size])
    exe[off:off + size] = bytes(size)
    if goroutines(gocrashd, bytes(exe), core) == want:
        return size
    exe[off:off + size] = saved
    if size <= 4096:
        return 0
    half = (size // 2 + 4095) & ~4095
    return (zero_unread(gocrashd, exe, core, want, off, half) +
            zero_unread(gocrashd, exe, core, want, off + half, size - half))


def goroutines(gocrashd, exe_bytes, core):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'core')
        open(path, 'wb').write(core)
        exe = os.path.join(d, 'exe')
        open(exe, 'wb').write(exe_bytes)
        os.chmod(exe, 0o755)
        store = os.path.join(d, 'store')
        with open(path, 'rb') as f:
            subprocess.run([gocrashd, '--store=' + store, '--exe=' + exe, '--no-journal', '4242',
                            'small', '6'], stdin=f, stderr=subprocess.DEVNULL, check=True)
        entry = [e for e in os.listdir(store) if not e.startswith('.')][0]
        report = os.path.join(store, entry, 'goroutines')
        if not os.path.exists(report):
            return None
        return subprocess.run(['zstd', '-qdc', report], capture_output=True,
                              check=True).stdout


def main(gocrashd, exe_path, raw, out, out_exe):
    core = open(raw, 'rb').read()
    exe = open(exe_path, 'rb').read()
    old = phdrs(core)
    want = goroutines(gocrashd, exe, core)
    assert want and b'\ngoroutine\t' in want, 'the untrimmed core gives no goroutines'
    keep = [True] * len(old)
    for i in sorted(range(len(old)), key=lambda i: -old[i][5]):
        if old[i][0] != PT_LOAD:
            continue
        keep[i] = False
        if goroutines(gocrashd, exe, build(core, keep)) != want:
            keep[i] = True
    trimmed = build(core, keep)
    open(out, 'wb').write(trimmed)
    print(f'{sum(keep)} of {len(old)} program headers kept, {len(core)} -> {len(trimmed)} bytes')
    # .text only, which holds the machine code the analysis reads a few functions of to find
    # the runtime's globals; the tables it reads (.gopclntab, types) stay whole, so that a
    # damaged core still leads to real data.
    zeroed = bytearray(exe)
    n_zeroed = zero_unread(gocrashd, zeroed, trimmed, want, *text_section(exe))
    open(out_exe, 'wb').write(zeroed)
    print(f'{n_zeroed} of the executable\'s {len(exe)} bytes zeroed')


main(*sys.argv[1:])
