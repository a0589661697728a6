module gocrashd.test/crash

go 1.19
