module svcheap

go 1.19
