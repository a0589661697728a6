module gocrashd.test/tbcompare

go 1.19
