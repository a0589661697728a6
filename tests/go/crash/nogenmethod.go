//go:build !go1.27

package main

// startGenericMethods has nothing to start before Go 1.27, which added generic methods.
func startGenericMethods() {}
