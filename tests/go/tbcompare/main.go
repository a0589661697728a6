// Command tbcompare checks a traceback extracted from a core against the one the Go
// runtime printed when the program crashed with GOTRACEBACK=crash.
//
// Usage:
//
//	tbcompare [-strict] RUNTIME_STDERR EXTRACTED
//	tbcompare -dump FILE
//
// RUNTIME_STDERR is the crashed program's stderr; EXTRACTED is a traceback in the same
// format, whose goroutines may come in any order and may include goroutines the runtime
// did not print. Both are parsed into reason lines and goroutines (see Parse); goroutine 0
// (system stacks) and the "runtime stack:" section are ignored, and a goroutine printed
// more than once counts in its most complete printing.
//
// Checks, each failure printed as a diff (- RUNTIME, + EXTRACTED):
//   - the reason lines ("panic: ...", nested "\tpanic: ... [recovered]", "fatal error: ...",
//     the "runtime: ..." lines printed before it, "[signal ...]", and a leading
//     "SIGSEGV: ..." line of a signal crash) are equal, in order; a line that a note of
//     EXTRACTED ("# ... the line \"runtime: goroutine stack exceeds N-byte limit\" is left
//     out", N for any number) says is left out may be missing; a leading SIGABRT/SIGQUIT
//     block (kill from outside) is not compared;
//   - every goroutine of RUNTIME_STDERR is in EXTRACTED with the same status (the minutes
//     may differ by 1), the same labels (Go 1.26+: ` labels:{"k": "v"}` inside the
//     brackets, 1.27: ` {k: v}` after them; byte for byte, or none on both sides) and the
//     same "created by" function, parent, file:line and offset;
//   - when the runtime printed its stack: the same frames in order (function, file, line,
//     +0x offset, inlined or not) and the same elision markers. For the crashing goroutine
//     (the first one the runtime printed) leading frames of "runtime." functions and
//     "panic" are dropped from both sides first, but EXTRACTED must have some if the
//     runtime had some;
//   - a goroutine the runtime printed as "stack unavailable" only needs to exist with the
//     same status.
//
// With -strict, the argument lists, fp/sp/pc values, the gp/m/mp values of the headers
// and the PC= and "signal arrived" lines of a signal crash must be equal too.
//
// The last line printed is "N goroutines compared, M frames, K mismatches".
// Exit status: 0 equal, 1 mismatches, 2 usage or parse error.
//
// -dump prints what the parser made of one file, to debug a comparison.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tbcompare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	strict := fs.Bool("strict", false, "also compare arguments, fp/sp/pc, and gp/m/mp of the headers")
	dump := fs.Bool("dump", false, "print the parsed form of one FILE")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: tbcompare [-strict] RUNTIME_STDERR EXTRACTED\n       tbcompare -dump FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dump {
		if fs.NArg() != 1 {
			fs.Usage()
			return 2
		}
		t, err := parseFile(fs.Arg(0), stderr)
		if err != nil {
			fmt.Fprintln(stderr, "tbcompare:", err)
			return 2
		}
		t.Dump(stdout)
		return 0
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return 2
	}
	want, err := parseFile(fs.Arg(0), stderr)
	if err != nil {
		fmt.Fprintln(stderr, "tbcompare:", err)
		return 2
	}
	got, err := parseFile(fs.Arg(1), stderr)
	if err != nil {
		fmt.Fprintln(stderr, "tbcompare:", err)
		return 2
	}
	c := &Comparer{Strict: *strict, Out: stdout}
	c.Compare(want, got)
	fmt.Fprintf(stdout, "%d goroutines compared, %d frames, %d mismatches\n", c.Goroutines, c.Frames, c.Mismatches)
	if c.Mismatches > 0 {
		return 1
	}
	return 0
}

func parseFile(name string, stderr io.Writer) (*Trace, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := Parse(name, f)
	if err != nil {
		return nil, err
	}
	const maxNotes = 10
	for i, w := range t.Warnings {
		if i == maxNotes {
			fmt.Fprintf(stderr, "tbcompare: note: %d more ignored lines in %s\n", len(t.Warnings)-maxNotes, name)
			break
		}
		fmt.Fprintln(stderr, "tbcompare: note:", w)
	}
	return t, nil
}
