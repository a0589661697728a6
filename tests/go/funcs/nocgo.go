//go:build !cgo

package main

func cgoValue() int { return 0 }
