// Command exitsyscall panics while goroutines on other threads make system calls, for the
// gocrashd end-to-end tests. Built with a runtime whose debugExtendGrunningNoP is on (and
// its window widened), it catches goroutines in Go 1.26's exitsyscall window: running
// again, without a P, syscallsp still set. The runtime prints their stacks from where the
// system call left, under [running]:
//
//	goroutine 4 gp=0x... m=2 mp=0x... [running]:
//	syscall.Syscall(0x6e, 0x0, 0x0, 0x0)
//	main.spin()
package main

import (
	"runtime"
	"syscall"
	"time"
)

//go:noinline
func spin() {
	for {
		syscall.Syscall(syscall.SYS_GETPPID, 0, 0, 0)
	}
}

func main() {
	// More Ps than goroutines: with the window held open for 200 ms, four spinners on two
	// Ps kept every P in a system call, and the sleeping main goroutine's timer never ran.
	runtime.GOMAXPROCS(8)
	for i := 0; i < 4; i++ {
		go spin()
	}
	time.Sleep(100 * time.Millisecond)
	panic("boom")
}
