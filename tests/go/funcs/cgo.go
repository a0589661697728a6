//go:build cgo

package main

// static int c_value(void) { return 42; }
import "C"

func cgoValue() int { return int(C.c_value()) }
