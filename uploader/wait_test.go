package uploader

import (
	"testing"
	"time"
)

// waitFor polls until cond holds, or fails the test after a generous
// deadline: for what happens on the server's side after the client is done.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}
