// Package synctest crashes inside a synctest bubble, for the gocrashd end-to-end tests:
//
//	GOTRACEBACK=crash ./synctest.test -test.run=TestCrash
//
// Go 1.25+ (testing/synctest.Test), and 1.24 built with GOEXPERIMENT=synctest
// (synctest.Run). In the bubble, goroutines block durably (sleep, nil channel, empty select,
// sync.Cond.Wait, a bubbled channel) and one does not (a sync.Mutex, which synctest does not
// count as durable); then one panics. The runtime prints each bubbled goroutine's header
// with ", synctest bubble N" (1.24: ", synctest group N", the id of the bubble's root
// goroutine) and, for the durable ones, " (durable)" on 1.25+.
package synctest

import (
	"runtime"
	"sync"
	"time"
)

var sink int

// inBubble runs in the bubble: it starts the blocked goroutines, waits until all are
// blocked, then crashes.
func inBubble(wait func()) {
	var mu, held sync.Mutex
	cond := sync.NewCond(&mu)
	ch := make(chan int)
	held.Lock()
	go func() { sink += <-ch }()                // [chan receive (durable)]
	go func() { time.Sleep(time.Hour) }()       // [sleep (durable)]
	go func() { mu.Lock(); cond.Wait() }()      // [sync.Cond.Wait (durable)]
	go func() { var nilCh chan int; <-nilCh }() // [chan receive (nil chan) (durable)]
	go func() { select {} }()                   // [select (no cases) (durable)]
	wait()
	// Not durable: synctest.Wait would wait for it forever.
	go func() { held.Lock() }() // [sync.Mutex.Lock]
	for i := 0; i < 1000; i++ {
		runtime.Gosched()
	}
	go crash()
	sink += <-ch
}

//go:noinline
func crash() {
	panic("crash in a synctest bubble")
}
