// A Go program that crashes on demand, for the end-to-end tests.
package main

import (
	"fmt"
	"os"
	"time"
)

func handler(n int) {
	if n == 0 {
		panic("boom")
	}
	handler(n - 1)
}

func main() {
	for i := 0; i < 8; i++ {
		go func() { time.Sleep(time.Hour) }()
	}
	mode := "panic"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "panic":
		handler(3)
	case "nil":
		var p *int
		fmt.Println(*p)
	}
}
