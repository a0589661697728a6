module example.com/gocrash/funcs

go 1.19
