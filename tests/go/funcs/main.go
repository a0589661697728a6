// A small program whose function table the gocrashd tests check against go tool objdump:
// an inlined call chain three deep, a generic function instantiated twice, a closure, a
// method on a pointer receiver and a function in a second package.
package main

// Only builtins and the second package: a standard library import would make each cold
// build in the unit test (five toolchains, several modes) take many seconds more.
import "example.com/gocrash/funcs/sub"

var sink int

// tests/unit/test-gobin.c checks the line numbers of the calls below: keep them in place.

func leaf(x int) int {
	sink += x
	return x * 3
}

func middle(x int) int {
	return leaf(x+1) + 2
}

func top(x int) int {
	return middle(x*2) - 1
}

//go:noinline
func inlineChain(x int) int {
	return top(x) + top(x+5)
}

//go:noinline
func Sum[T int | float64](xs []T) T {
	var s T
	for _, x := range xs {
		s += x
	}
	return s
}

type counter struct{ n int }

//go:noinline
func (c *counter) Add(d int) {
	c.n += d
}

//go:noinline
func makeAdder(base int) func(int) int {
	return func(x int) int {
		sink++
		return base + x
	}
}

func main() {
	c := &counter{}
	c.Add(inlineChain(sink))
	add := makeAdder(c.n)
	println(add(1), Sum([]int{1, 2}), Sum([]float64{1.5}), sub.Shout("hi"), cgoValue())
}
