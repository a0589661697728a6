module gocrashd.test/synctest

go 1.24
