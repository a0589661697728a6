module gocrashd.test/small

go 1.19
