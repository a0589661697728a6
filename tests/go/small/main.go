// A small Go program that crashes with as little as possible for the Go analysis to walk, for
// the fuzz fixture tests/data/go-small/: main panics two calls deep, with arguments, while one
// other goroutine waits on a channel it created.
package main

import "os"

//go:noinline
func wait(c chan int) { <-c }

//go:noinline
func boom(n int, s string) { panic(s + " at " + string(rune('0'+n))) }

//go:noinline
func run(n int) {
	c := make(chan int)
	started := make(chan struct{})
	go func() {
		close(started)
		wait(c)
	}()
	<-started
	boom(n, os.Args[0][:0]+"small")
}

func main() { run(3) }
