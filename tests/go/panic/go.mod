module example.com/gocrashd/panic

go 1.19
