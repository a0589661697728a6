//go:build !go1.25 && goexperiment.synctest

package synctest

import (
	"testing"
	"testing/synctest"
)

func TestCrash(t *testing.T) {
	synctest.Run(func() { inBubble(synctest.Wait) })
}
