package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// startCommand runs a long-lived command in-process and returns the first
// word after marker in its output, and a stop function that waits for its exit code.
func startCommand(t *testing.T, marker string, args ...string) (string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, args, stdio{in: os.Stdin, out: pw, err: pw})
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var found string
	for found == "" && sc.Scan() {
		if _, after, ok := strings.Cut(sc.Text(), marker); ok {
			found = strings.Fields(after)[0]
		}
	}
	go io.Copy(io.Discard, pr)
	if found == "" {
		cancel()
		t.Fatalf("%v never printed %q", args, marker)
	}
	return found, func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("the command did not stop when its context ended")
			return -1
		}
	}
}

func TestEmulatorCommand(t *testing.T) {
	for _, bad := range [][]string{
		{"emulator", "--fail-rate", "2"},
		{"emulator", "--key", "nokey"},
		{"emulator", "--max-file-size", "lots"},
	} {
		if code, _, _ := runCLI(t, "", bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	url, stop := startCommand(t, "upload URL:", "emulator", "--listen", "127.0.0.1:0", "--dir", t.TempDir())
	if !strings.HasSuffix(url, "/api/v2/files/upload") {
		t.Fatalf("upload URL %q", url)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET on the upload URL: %d, want 405", resp.StatusCode)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1048576": 1 << 20, "25MB": 25 << 20, "1.5gb": 3 << 29, "2 KB": 2048} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1MB", "MB", "ten"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
}
