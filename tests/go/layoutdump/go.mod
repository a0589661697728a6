module gocrashd.test/layoutdump

go 1.19
