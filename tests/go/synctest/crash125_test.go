//go:build go1.25

package synctest

import (
	"testing"
	"testing/synctest"
)

func TestCrash(t *testing.T) {
	synctest.Test(t, func(t *testing.T) { inBubble(synctest.Wait) })
}
