//go:build cgo

package main

/*
// crash_in_c stores through a null pointer. The pointer is volatile so that the compiler
// keeps the store instead of replacing it with a trap instruction.
static int *volatile null_pointer;

static void crash_in_c(int value) {
	*null_pointer = value;
}
*/
import "C"

// crashInC calls into C code that dereferences NULL: SIGSEGV outside Go code.
func crashInC() {
	C.crash_in_c(C.int(sink + 1))
}

// cgoEnabled tells the deadlock mode that the runtime cannot see a deadlock here.
const cgoEnabled = true
