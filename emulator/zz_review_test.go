package emulator

import (
	"testing"
)

func TestZZReviewMix(t *testing.T) {
	for _, s := range []string{"429:", ":0.1", "429:0.1,429:0.2", "429:0.1,503:0.2,409:0.7", "429:0.7,503:0.2,409:0.1", "5xx:0.3,cut:0.3,429:0.4",
		"429:-0.1", "429:NaN", "5xx:NaN", "429:NaN,503:0.5", "600:0.1", "399:0.1", "429:Inf", "429:0x1p-2", "429:1e-400", " 429 : 0.1", "429:0.1,", "", "5XX:0.1", "429:0.5,429:0.6", "drop-after-store:1", "cut:1"} {
		m, err := ParseFaultMix(s)
		t.Logf("%-30q -> %+v err=%v", s, m, err)
	}
	m, _ := ParseFaultMix("429:NaN,503:0.5")
	srv := NewServer(WithFaultMix(m))
	defer srv.Close()
	n := map[int]int{}
	for i := 0; i < 1000; i++ {
		n[srv.nextFault(100).Status]++
	}
	t.Logf("429:NaN,503:0.5 over 1000: %v", n)
	m, _ = ParseFaultMix("cut:1")
	srv2 := NewServer(WithFaultMix(m))
	defer srv2.Close()
	f := srv2.nextFault(1)
	t.Logf("cut:1 with contentLength 1: %+v", f)
}
