// Package sub holds a function in a second package, so the tests see a second package path.
package sub

//go:noinline
func Shout(s string) string {
	return s + "!"
}
