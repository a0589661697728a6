//go:build !cgo

package main

import (
	"fmt"
	"os"
)

// crashInC fails the cgo mode in a build without cgo: exit status 3 and a message.
func crashInC() {
	fmt.Fprintln(os.Stderr, "crash: built without cgo, mode cgo unavailable")
	os.Exit(3)
}

// cgoEnabled tells the deadlock mode that the runtime can see a deadlock here.
const cgoEnabled = false
