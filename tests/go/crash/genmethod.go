//go:build go1.27

package main

// Go 1.27's generic methods, which the runtime prints as "main.(*box[...]).wait[...]".

type box[T any] struct{ ch chan T }

// wait is a generic method of a generic type, not inlined; take, inlined into it, is one
// too.
//
//go:noinline
func (b *box[T]) wait[U any](u U) T {
	return b.take[U](u)
}

func (b *box[T]) take[U any](U) T {
	return <-b.ch
}

// startGenericMethods: [chan receive] in a generic method.
func startGenericMethods() {
	b := &box[int]{ch: never}
	spawn(1, func() { sink += b.wait[string]("x") })
}
