// Package sub holds a function in a second package, so the tests see a second file table entry.
package sub

import "strings"

//go:noinline
func Shout(s string) string {
	return strings.ToUpper(s) + "!"
}
