// The program whose GOTRACEBACK=crash output tests/unit/test-goreport.c reproduces:
// goroutines blocked alike (for grouping), one locked to its thread, one deeper than the
// runtime prints (for the elision rules), and a panic below an inlined call.
package main

import (
	"runtime"
	"time"
)

type point struct{ x, y int }

var (
	depth = 120
	ch    = make(chan int)
)

//go:noinline
func waiter(c chan int) {
	<-c
}

//go:noinline
func deep() int {
	if depth == 0 {
		<-ch
		return 0
	}
	depth--
	return deep() + 1
}

//go:noinline
func crash(p *point, s string, xs []int) {
	panic("boom")
}

func outer(p *point) {
	crash(p, "hi", nil)
}

func main() {
	for i := 0; i < 3; i++ {
		go waiter(ch)
	}
	go func() {
		runtime.LockOSThread()
		<-ch
	}()
	go deep()
	time.Sleep(100 * time.Millisecond)
	outer(&point{1, 2})
}
