module gocrashd.test/exitsyscall

go 1.19
