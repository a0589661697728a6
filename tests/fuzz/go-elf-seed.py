#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes a small ELF that holds what gc_gobin_inspect() reads of a Go executable and nothing
# else, for corpus/buildinfo/: a PT_NOTE segment with the Go build id note and a GNU build id
# note, and a PT_LOAD segment with the .go.buildinfo blob, both copied from a real Go
# executable (section headers left out: the readers fall back to the segments).
#   tests/fuzz/go-elf-seed.py EXE OUT     (EXE: zstd -d tests/data/go/go1.22-panic.exe.zst)
import struct
import sys


def sections(elf):
    shoff, = struct.unpack_from('<Q', elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', elf, 0x3a)
    shdrs = [struct.unpack_from('<IIQQQQIIQQ', elf, shoff + i * shentsize) for i in range(shnum)]
    strtab = shdrs[shstrndx][4]
    for sh in shdrs:
        name = elf[strtab + sh[0]:elf.index(b'\0', strtab + sh[0])].decode()
        yield name, sh[3], elf[sh[4]:sh[4] + sh[5]]


def note(name, ntype, desc):
    pad = lambda b: b + b'\0' * (-len(b) % 4)
    return struct.pack('<III', len(name) + 1, len(desc), ntype) + pad(name + b'\0') + pad(desc)


def main(exe, out):
    elf = open(exe, 'rb').read()
    found = {name: (addr, data) for name, addr, data in sections(elf)}
    notes = found['.note.go.buildid'][1] + note(b'GNU', 3, bytes(range(20)))
    bi_addr, buildinfo = found['.go.buildinfo']
    ehsize, phentsize, phnum = 64, 56, 2
    notes_off = ehsize + phentsize * phnum
    bi_off = (notes_off + len(notes) + 15) & ~15
    header = b'\x7fELF' + bytes([2, 1, 1, 0]) + b'\0' * 8
    header += struct.pack('<HHIQQQIHHHHHH', 2, 62, 1, 0x401000, ehsize, 0, 0, ehsize,
                          phentsize, phnum, 64, 0, 0)
    phdrs = struct.pack('<IIQQQQQQ', 4, 4, notes_off, 0x400000 + notes_off,
                        0x400000 + notes_off, len(notes), len(notes), 4)
    phdrs += struct.pack('<IIQQQQQQ', 1, 6, bi_off, bi_addr, bi_addr, len(buildinfo),
                         len(buildinfo), 0x1000)
    body = header + phdrs + notes
    body += b'\0' * (bi_off - len(body)) + buildinfo
    open(out, 'wb').write(body)


main(sys.argv[1], sys.argv[2])
