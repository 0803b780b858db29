package signer

import (
	"strconv"
	"testing"
)

func BenchmarkSign(b *testing.B) {
	s := mustSigner(b)
	fields := map[string]string{"fileName": "a.jpg", "folder": "/shop/summer", "tags": "summer,dress", "useUniqueFileName": "true"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		fields["fileName"] = "a" + strconv.Itoa(i%1000) + ".jpg" // a batch: many names, some repeated
		if _, err := s.Sign(fields); err != nil {
			b.Fatal(err)
		}
	}
}
