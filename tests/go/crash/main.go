// Command crash crashes on demand, for the gocrashd end-to-end tests.
//
// Usage: GOTRACEBACK=crash crash MODE [COUNT]
//
// Before crashing it starts background goroutines in many states (sleeping, blocked on a
// channel receive and send, on a nil channel, in select, on a sync.Mutex, RWMutex,
// WaitGroup and Cond, in a read(2) on a pipe, one locked to its thread, and from Go 1.27 one
// in a generic method), each under a few frames of call depth with an inlined helper, a
// generic function and a closure, so that the traceback and the core hold several kinds
// of goroutine.
//
// Nothing is written to stderr except by the runtime: stderr holds exactly the runtime's
// traceback. Modes that wait for something outside (a signal) write "ready\n" to stdout
// once set up. A bad MODE exits with status 64; the cgo mode in a build without cgo and
// the deadlock mode in a build with cgo exit with status 3 and a message on stderr. Every
// crash ends in SIGABRT (GOTRACEBACK=crash, set by the caller; exit status 134 in a shell).
//
// Modes: panic error custom stringer int namedint nested repanic repanicdefer goexit
// deferfault float complex fatalinpanic nil divide mapwrite deadlock overflow many [COUNT]
// wait busy busywait throw cgo labels.
//
// The comment on each mode shows the first lines the runtime prints; versions differ in
// details noted there. Lines like "goroutine 1 gp=0x... m=0 mp=0x... [running]:" are
// Go 1.22+; older releases print "goroutine 1 [running]:".
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	run(os.Args[1])
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: crash MODE [COUNT]\nmodes: panic error custom stringer int namedint nested repanic repanicdefer goexit deferfault float complex fatalinpanic nil divide mapwrite deadlock overflow many wait busy busywait throw cgo labels")
	os.Exit(64)
}

func run(mode string) {
	switch mode {
	case "panic":
		// panic: boom
		startBackground(false)
		descend(3, func() { withValue("boom", raiseString) })

	case "error":
		// panic: open settings.conf: boom
		// (the runtime prints err.Error(); the type of the value is not shown)
		startBackground(false)
		err := fmt.Errorf("open %s: %w", "settings.conf", errors.New("boom"))
		descend(3, func() { withValue(err, raiseError) })

	case "custom":
		// panic: (main.point) 0xc000012345
		// (a struct without Error or String: type and address of the boxed copy)
		startBackground(false)
		descend(3, func() { withValue(point{X: 3, Y: 4}, raisePoint) })

	case "stringer":
		// panic: temperature 451 is too hot
		// (the runtime calls String() before it prints)
		startBackground(false)
		descend(3, func() { withValue(temperature(451), raiseTemperature) })

	case "int":
		// panic: 42
		startBackground(false)
		descend(3, func() { withValue(42, raiseInt) })

	case "namedint":
		// panic: main.exitCode(7)
		// (a named basic type prints as a conversion)
		startBackground(false)
		descend(3, func() { withValue(exitCode(7), raiseExitCode) })

	case "nested":
		// 1.19 to 1.24 print the panic chain oldest first, the recovered one marked:
		//   panic: first
		//   	panic: second [recovered]
		//   	panic: third, after recovering: second
		startBackground(false)
		descend(3, nested)

	case "repanic":
		// A deferred call recovers and panics again with the same value. 1.19 to 1.24:
		//   panic: boom [recovered]
		//   	panic: boom
		// 1.25+ (preprintpanics marks the older panic repanicked, printpanics stops there):
		//   panic: boom [recovered, repanicked]
		startBackground(false)
		descend(3, repanic)

	case "repanicdefer":
		// A deferred call panics again with the same value without recovering it. 1.19 to
		// 1.24:
		//   panic: boom
		//   	panic: boom
		// 1.25 (marks it repanicked even though it was not recovered):
		//   panic: boom [recovered, repanicked]
		// 1.26+:
		//   panic: boom
		startBackground(false)
		descend(3, repanicDefer)

	case "goexit":
		// runtime.Goexit runs the deferred calls, one of which panics: the Goexit is in
		// the panic chain but prints nothing, and no tab:
		//   panic: after Goexit
		startBackground(false)
		descend(3, panicInGoexit)

	case "deferfault":
		// A deferred call faults while the goroutine panics:
		//   panic: first
		//   	panic: runtime error: invalid memory address or nil pointer dereference
		//   [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x...]
		startBackground(false)
		descend(3, faultInDefer)

	case "float":
		// 1.19 to 1.25 print floats as printfloat does, 1.26+ in the shortest form:
		//   panic: +3.000000e-001          panic: 0.30000000000000004
		startBackground(false)
		descend(3, func() { withValue(sinkFloat+0.1+0.2, raiseFloat) })

	case "complex":
		// A complex64 (float32 parts): 1.19 to 1.25 and 1.26+:
		//   panic: (+1.000000e-001-2.000000e+000i)          panic: (0.1-2i)
		startBackground(false)
		descend(3, func() { withValue(complex64(complex(sinkFloat+0.1, -2)), raiseComplex) })

	case "fatalinpanic":
		// A deferred call unlocks an unlocked mutex while the goroutine panics: the sync
		// package calls runtime.fatal. 1.19 to 1.25:
		//   fatal error: sync: unlock of unlocked mutex
		// 1.26+ (printPreFatalDeferPanic) print the goroutine's panics first, then a tab:
		//   panic: boom
		//   	fatal error: sync: unlock of unlocked mutex
		startBackground(false)
		descend(3, fatalInPanic)

	case "nil":
		// panic: runtime error: invalid memory address or nil pointer dereference
		// [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x...]
		startBackground(false)
		descend(3, func() { sink += readX(nil) })

	case "divide":
		// panic: runtime error: integer divide by zero
		// (1.19 to 1.24 on amd64 check the divisor in code: no [signal SIGFPE] line)
		startBackground(false)
		descend(3, func() { sink += divide(sink+1, sink*0) })

	case "mapwrite":
		// fatal error: concurrent map writes
		// (any of the three writers may be the one that throws; the runtime preempts
		// the others while it dies, so they usually show as [runnable])
		startBackground(false)
		atLeastProcs(2)
		descend(3, mapWriters)

	case "deadlock":
		// fatal error: all goroutines are asleep - deadlock!
		// (the scheduler throws on the system stack: "runtime stack:" with
		// runtime.fatal/checkdead, then goroutine 1 [chan receive]). Only the background
		// goroutines that can deadlock are started: a pending timer (sleep) or a thread in
		// a system call would keep the runtime waiting.
		// The runtime never detects a deadlock in a binary that uses cgo (its extra M
		// for callbacks from C counts as running), so a cgo build exits with status 3:
		// build with CGO_ENABLED=0 for this mode.
		if cgoEnabled {
			fmt.Fprintln(os.Stderr, "crash: mode deadlock needs a build with CGO_ENABLED=0")
			os.Exit(3)
		}
		startBackground(true)
		descend(3, func() { sink += waitOn(never) })

	case "overflow":
		// runtime: goroutine stack exceeds 16777216-byte limit
		// runtime: sp=0x... stack=[0x..., 0x...]
		// fatal error: stack overflow
		// (then "runtime stack:" and goroutine 1 with 100 frames and
		// "...additional frames elided..." in 1.19/1.20, 50 + "...N frames elided..." + 50
		// from 1.21). The 16 MiB limit keeps the core and the run small.
		startBackground(false)
		debug.SetMaxStack(16 << 20)
		descend(3, func() { sink += recurse(0) })

	case "many":
		// panic: many goroutines are parked
		// (COUNT goroutines, default 10000, [chan receive] under main.parkMany)
		n := 10000
		if len(os.Args) > 2 {
			var err error
			if n, err = strconv.Atoi(os.Args[2]); err != nil || n < 0 {
				usage()
			}
		}
		startBackground(false)
		startMany(n)
		descend(3, func() { withValue("many goroutines are parked", raiseString) })

	case "wait":
		// Writes "ready" and blocks forever in a channel receive. After kill -ABRT:
		//   SIGABRT: abort
		//   PC=0x... m=0 sigcode=0
		//
		//   goroutine 30 [syscall]:   (the goroutine or "goroutine 0 [idle]" of the
		//   ...                        thread that took the signal, often the reader)
		// then the other goroutines, registers, and a "-----" / "SIGQUIT: quit" section
		// for every other thread. The same with "SIGQUIT: quit" for kill -QUIT.
		startBackground(false)
		fmt.Fprintln(os.Stdout, "ready")
		descend(3, func() { sink += waitOn(never) })

	case "busy":
		// panic: busy goroutines are spinning
		// (the spinning goroutines print "goroutine running on other thread; stack
		// unavailable": they spin in a go:nosplit loop that the runtime cannot preempt)
		startBackground(false)
		startSpinners()
		descend(3, func() { withValue("busy goroutines are spinning", raiseString) })

	case "busywait":
		// busy and wait together: spinning goroutines, "ready", then blocks. After kill
		// -ABRT or -QUIT the main part shows the spinners as "stack unavailable" and each
		// one's thread section ("-----", "SIGQUIT: quit") prints it again with its frames:
		//   goroutine 20 gp=0x... m=6 mp=0x... [running]:
		//   main.spin(...)
		startBackground(false)
		startSpinners()
		fmt.Fprintln(os.Stdout, "ready")
		descend(3, func() { sink += waitOn(never) })

	case "throw":
		// fatal error: sync: unlock of unlocked mutex
		// (through sync.fatal -> runtime.fatal; internal/sync.fatal from 1.24)
		startBackground(false)
		descend(3, unlockTwice)

	case "cgo":
		// The fault is in C; goroutine 1 is [syscall] in runtime.cgocall.
		// 1.19 (1.20 not checked):
		//   fatal error: unexpected signal during runtime execution
		//   [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x...]
		//   (then "runtime stack:" with runtime.throw and runtime.sigpanic)
		// 1.21+:
		//   SIGSEGV: segmentation violation
		//   PC=0x... m=N sigcode=1 addr=0x0
		//   signal arrived during cgo execution
		//   (then all goroutines, registers, and a "-----" / "SIGQUIT: quit" section
		//   for every other thread)
		// Exits with status 3 when built without cgo.
		startBackground(false)
		descend(3, crashInC)

	case "labels":
		// panic: labelled
		// Goroutines with pprof labels, the crashing one too. 1.26 prints them inside the
		// brackets when GODEBUG has tracebacklabels=1:
		//   goroutine 1 gp=0x... m=0 mp=0x... [running labels:{"mode": "labels", ...}]:
		// 1.27 after them, quoting only what needs it; its default is tracebacklabels=1,
		// but a go.mod whose go line is older (this one's) sets 0 in DefaultGODEBUG:
		//   goroutine 1 gp=0x... m=0 mp=0x... [running] {mode: labels, ...}:
		// Before 1.26, or with tracebacklabels=0, no labels.
		startBackground(false)
		startLabelled()
		pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(),
			pprof.Labels("mode", "labels", "request", "42")))
		descend(3, func() { withValue("labelled", raiseString) })

	default:
		usage()
	}
	// Not reached: every mode crashes or blocks forever.
	os.Exit(1)
}

var sink int

// --- The crashing goroutine's own frames ---

// descend adds n frames of call depth: main.descend shows up n+1 times in the traceback.
//
//go:noinline
func descend(n int, f func()) {
	if n > 0 {
		descend(n-1, f)
		sink++
		return
	}
	f()
}

// withValue is a generic function on the crashing stack: the runtime prints it as
// main.withValue[...].
//
//go:noinline
func withValue[T any](v T, f func(T)) {
	sink++
	f(v)
}

// The raise* helpers are small enough to be inlined into the function value that
// withValue calls: they print as "main.raise(...)" frames without a +0x offset.

func raise(v any) { panic(v) }

func raiseString(s string)           { raise(s) }
func raiseError(err error)           { raise(err) }
func raisePoint(p point)             { raise(p) }
func raiseTemperature(t temperature) { raise(t) }
func raiseInt(i int)                 { raise(i) }
func raiseExitCode(c exitCode)       { raise(c) }
func raiseFloat(f float64)           { raise(f) }
func raiseComplex(c complex64)       { raise(c) }

// sinkFloat is 0 at run time: the values are computed, not constants.
var sinkFloat float64

type point struct{ X, Y int }

type temperature int

func (t temperature) String() string { return fmt.Sprintf("temperature %d is too hot", int(t)) }

type exitCode int

// nested panics from a deferred call while panicking, then recovers that second panic in
// another deferred call and panics again.
func nested() {
	defer func() {
		r := recover()
		panic(fmt.Sprint("third, after recovering: ", r))
	}()
	defer func() {
		panic("second")
	}()
	panic("first")
}

// repanic recovers the panic in a deferred call and panics again with the value it got.
func repanic() {
	defer func() {
		panic(recover())
	}()
	panic(errors.New("boom"))
}

// repanicDefer panics from a deferred call with the value the function panics with.
func repanicDefer() {
	v := any("boom")
	defer func() {
		panic(v)
	}()
	panic(v)
}

// panicInGoexit ends the goroutine with runtime.Goexit; a deferred call panics on the way.
func panicInGoexit() {
	defer func() {
		panic("after Goexit")
	}()
	runtime.Goexit()
}

// faultInDefer dereferences nil in a deferred call while panicking.
func faultInDefer() {
	defer func() {
		sink += readX(nil)
	}()
	panic("first")
}

// fatalInPanic makes the sync package throw from a deferred call while panicking.
func fatalInPanic() {
	defer unlockTwice()
	panic("boom")
}

//go:noinline
func readX(p *point) int { return p.X }

//go:noinline
func divide(a, b int) int { return a / b }

// recurse calls itself until the stack limit is hit.
//
//go:noinline
func recurse(n int) int {
	if n < 0 { // never true: keeps the recursion from being optimised away
		return 0
	}
	return recurse(n+1) + 1
}

// mapWriters writes one map from two more goroutines and the caller until the runtime
// notices.
func mapWriters() {
	m := make(map[int]int)
	for i := 0; i < 2; i++ {
		go func(seed int) { writeMap(m, seed) }(i + 1)
	}
	writeMap(m, 0)
}

//go:noinline
func writeMap(m map[int]int, seed int) {
	for i := seed; ; i++ {
		m[i%512] = i
	}
}

// unlockTwice unlocks a mutex that is not locked: the sync package throws.
func unlockTwice() {
	var mu sync.Mutex
	mu.Lock()
	mu.Unlock()
	mu.Unlock()
}

// atLeastProcs makes sure that n goroutines can run at once.
func atLeastProcs(n int) {
	if runtime.GOMAXPROCS(0) < n {
		runtime.GOMAXPROCS(n)
	}
}

// --- Background goroutines ---

// Objects the background goroutines block on: nothing ever sends on, receives from,
// closes or unlocks them.
var (
	never      = make(chan int)
	neverText  = make(chan string)
	nobodyRead = make(chan int)
	held       sync.Mutex     // locked in startBackground
	heldRW     sync.RWMutex   // write-locked in startBackground
	notDone    sync.WaitGroup // Add(1) in startBackground
	condMu     sync.Mutex
	cond       = sync.NewCond(&condMu)
	pipeWrite  int // kept open so that the read never returns
)

// started counts the background goroutines that reached their blocking call (almost:
// Done runs just before it).
var started sync.WaitGroup

// startBackground starts one goroutine of each kind and waits until they have blocked.
// With deadlockable set it leaves out the sleeping goroutine and the one in read(2): a
// pending timer or a thread in a system call keeps the runtime from declaring a deadlock.
func startBackground(deadlockable bool) {
	held.Lock()
	heldRW.Lock()
	notDone.Add(1)

	// [chan receive]
	spawn(2, func() { sink += waitOn(never) })
	// [chan receive]: a second instantiation of the generic function
	spawn(3, func() { sink += len(waitOn(neverText)) })
	// [chan send]
	spawn(1, func() { nobodyRead <- 1 })
	// [chan receive (nil chan)]
	spawn(1, func() {
		var nilChan chan int
		<-nilChan
	})
	// [select]
	spawn(2, func() { sink += selectEither(never, neverText) })
	// [sync.Mutex.Lock] (1.19: [semacquire])
	spawn(2, func() { held.Lock() })
	// [sync.RWMutex.RLock] (1.19: [semacquire])
	spawn(2, func() { heldRW.RLock() })
	// [sync.WaitGroup.Wait] (1.24+; 1.19-1.23: [semacquire])
	spawn(1, func() { notDone.Wait() })
	// [sync.Cond.Wait]
	spawn(1, func() {
		condMu.Lock()
		cond.Wait()
	})
	// [chan receive, locked to thread]
	spawn(2, func() {
		runtime.LockOSThread()
		sink += waitOn(never)
	})
	startGenericMethods()
	if !deadlockable {
		// [sleep]
		spawn(2, func() { time.Sleep(time.Hour) })
		// [syscall]: a plain read(2) on a blocking pipe (os.Pipe would use the poller
		// and show [IO wait] instead).
		var fds [2]int
		if err := syscall.Pipe(fds[:]); err != nil {
			panic(err)
		}
		pipeWrite = fds[1]
		spawn(3, func() { readPipe(fds[0]) })
	}
	started.Wait()
	// Give the last ones time to get from Done to their blocking call.
	time.Sleep(50 * time.Millisecond)
}

// spawn starts a goroutine that blocks in block under depth frames of main.layer.
// The goroutine is "created by main.spawn".
func spawn(depth int, block func()) {
	started.Add(1)
	go func() {
		layer(depth, block)
	}()
}

//go:noinline
func layer(n int, block func()) {
	if n > 0 {
		layer(n-1, block)
		sink++
		return
	}
	started.Done()
	block()
}

// waitOn is generic and not inlined; receive is generic and inlined into it.
//
//go:noinline
func waitOn[T any](ch chan T) T {
	return receive(ch)
}

func receive[T any](ch chan T) T {
	return <-ch
}

//go:noinline
func selectEither(a chan int, b chan string) int {
	select {
	case v := <-a:
		return v
	case s := <-b:
		return len(s)
	}
}

//go:noinline
func readPipe(fd int) {
	var buf [16]byte
	for {
		if n, err := syscall.Read(fd, buf[:]); n <= 0 && err != syscall.EINTR {
			// Only if the write end were closed: never in practice.
			select {}
		}
	}
}

// --- labels ---

var labelled sync.WaitGroup

// awkwardLabels need quoting: a space, quote and backslash, control characters and NUL,
// non-ASCII, bytes that are not UTF-8, an empty key and value.
var awkwardLabels = pprof.Labels("", "", "sp ace", "q\"uote\\", "ctl", "\n\r\t\x01\x7f\x00",
	"utf", "\u00e9\u20ac\U0001f600\ufffd", "bad", "\xff\xc3(\xe2\x82", "Z", "a-b",
	"plain", "v1.2/x_y")

// startLabelled starts goroutines with labels and waits until they have blocked: a worker
// under pprof.Do and a goroutine it starts, which inherits its labels; awkward labels; 20
// labels; labels set and taken back; an empty label set (printed as none).
func startLabelled() {
	many := make([]string, 0, 40)
	for i := 0; i < 20; i++ {
		many = append(many, fmt.Sprintf("k%02d", i), strconv.Itoa(i))
	}
	labelled.Add(6)
	go labelledWorker()
	go withLabels(awkwardLabels, blockLabelled)
	go withLabels(pprof.Labels(many...), blockLabelled)
	go withLabels(pprof.Labels("gone", "soon"), func() {
		pprof.SetGoroutineLabels(context.Background())
		blockLabelled()
	})
	go withLabels(pprof.Labels(), blockLabelled)
	labelled.Wait()
	time.Sleep(50 * time.Millisecond)
}

func labelledWorker() {
	pprof.Do(context.Background(), pprof.Labels("worker", "w1", "pool", "main"),
		func(context.Context) {
			go blockLabelled()
			blockLabelled()
		})
}

//go:noinline
func withLabels(labels pprof.LabelSet, block func()) {
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), labels))
	block()
}

//go:noinline
func blockLabelled() {
	labelled.Done()
	sink += waitOn(never)
}

// --- many ---

var manyStarted sync.WaitGroup

// startMany parks n goroutines on a channel receive.
func startMany(n int) {
	manyStarted.Add(n)
	for i := 0; i < n; i++ {
		go parkMany(i)
	}
	manyStarted.Wait()
	time.Sleep(50 * time.Millisecond)
}

//go:noinline
func parkMany(i int) {
	manyStarted.Done()
	sink += waitOn(never) + i
}

// --- busy ---

var spinning int32

// startSpinners starts GOMAXPROCS-1 goroutines (at least 3, GOMAXPROCS raised to 4 if
// lower) that spin on their own threads, and waits until all of them spin.
func startSpinners() {
	atLeastProcs(4)
	// A spinning goroutine cannot be stopped: no garbage collection may start from now.
	debug.SetGCPercent(-1)
	n := runtime.GOMAXPROCS(0) - 1
	for i := 0; i < n; i++ {
		go func() { spinVia(3) }()
	}
	for atomic.LoadInt32(&spinning) < int32(n) {
		runtime.Gosched()
	}
	// Let the last one get from the increment into the loop.
	time.Sleep(10 * time.Millisecond)
}

//go:noinline
func spinVia(n int) {
	if n > 0 {
		spinVia(n - 1)
		return
	}
	atomic.AddInt32(&spinning, 1)
	spin(&sink)
}

// spin loops forever. go:nosplit functions have no preemption points: neither the
// scheduler nor the panicking runtime can stop it. Inlined into a normal function, the
// loop would become preemptible again.
//
//go:nosplit
//go:noinline
func spin(p *int) {
	for {
		*p++
	}
}
