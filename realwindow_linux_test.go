//go:build linux && !nogui

package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"imagekit-uploader/internal/xvfbtest"
)

// startApp runs the app (this test binary as main) in a real window on the
// test's X server, with its own home, and stops it when the test ends.
func startApp(t *testing.T, home string, prefs string, args ...string) *exec.Cmd {
	t.Helper()
	dir := filepath.Join(home, ".config", "fyne", appID)
	os.MkdirAll(dir, 0o700)
	if prefs != "" {
		os.WriteFile(filepath.Join(dir, "preferences.json"), []byte(prefs), 0o600)
	}
	cmd := appCommand(home, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("the app said:\n%s", out.String())
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := exec.CommandContext(ctx, "xdotool", "search", "--sync", "--onlyvisible", "--name", "ImageKit Uploader").Run(); err != nil {
		t.Fatalf("the window did not open: %v", err)
	}
	time.Sleep(time.Second) // its first frame, and its shortcuts
	return cmd
}

// appCommand is the app (this test binary as main) with its own home.
func appCommand(home string, args ...string) *exec.Cmd {
	os.MkdirAll(filepath.Join(home, "run"), 0o700)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_RUNTIME_DIR="+filepath.Join(home, "run"), envRunApp+"="+strings.Join(args, " "),
		"IMAGEKIT_PRIVATE_KEY=", "IMAGEKIT_PUBLIC_KEY=", "DBUS_SESSION_BUS_ADDRESS=disabled:")
	return cmd
}

// clipboardText is the X clipboard's text, or "".
func clipboardText() string {
	out, _ := exec.Command("xclip", "-o", "-selection", "clipboard").Output()
	return string(out)
}

// TestPasteInTheRealWindow: a PNG put on the real X clipboard by another
// program, Ctrl+V in the real window: it is uploaded (to the demo server)
// and, with Settings › After a drop on URL, its link is on the clipboard,
// for any program to paste.
func TestPasteInTheRealWindow(t *testing.T) {
	xvfbtest.Start(t, "xclip", "xdotool")
	startApp(t, t.TempDir(), `{"copyWhenDone":"URL"}`, "--demo")

	img := image.NewRGBA(image.Rect(0, 0, 300, 200))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(0, 0, color.RGBA{1, 2, 3, 255})
	var shot bytes.Buffer
	png.Encode(&shot, img)
	xclip := exec.Command("xclip", "-selection", "clipboard", "-t", "image/png", "-i", "-quiet")
	xclip.Stdin = bytes.NewReader(shot.Bytes())
	if err := xclip.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { xclip.Process.Kill(); xclip.Wait() })
	time.Sleep(300 * time.Millisecond)

	if out, err := exec.Command("xdotool", "key", "ctrl+v").CombinedOutput(); err != nil {
		t.Fatalf("xdotool: %v %s", err, out)
	}
	var link string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if s := strings.TrimSpace(clipboardText()); strings.HasPrefix(s, "http") {
			link = s
			break
		}
	}
	if !strings.Contains(link, "/screenshot-") || !strings.HasSuffix(link, ".png") {
		t.Fatalf("the clipboard holds %q, want the screenshot's link", link)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(stored, shot.Bytes()) {
		t.Errorf("the server has %d bytes, the screenshot was %d", len(stored), shot.Len())
	}
}

// TestSecondLaunchHandsOverToTheWindow: with the window open, a second
// launch with two files (as "Open with" starts it) hands them to the first
// and ends; the first lists them, and uploads them on Ctrl+Enter.
func TestSecondLaunchHandsOverToTheWindow(t *testing.T) {
	xvfbtest.Start(t, "xdotool")
	home := t.TempDir()
	startApp(t, home, "", "--demo")
	dir := t.TempDir()
	a, b := filepath.Join(dir, "first.jpg"), filepath.Join(dir, "second.jpg")
	os.WriteFile(a, []byte("the first photo"), 0o644)
	os.WriteFile(b, []byte("the second photo"), 0o644)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	second := appCommand(home, "--demo", a, b)
	cmd := exec.CommandContext(ctx, second.Path, second.Args[1:]...)
	cmd.Env = second.Env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "The window already open took 2 paths") {
		t.Fatalf("the second launch: %v\n%s", err, out)
	}
	if n, _ := exec.Command("xdotool", "search", "--onlyvisible", "--name", "ImageKit Uploader").Output(); strings.Count(string(n), "\n") != 1 {
		t.Errorf("windows open: %q", n)
	}
	library := filepath.Join(home, ".config", "fyne", appID, "demo-library")
	var stored []string
	pressed := time.Time{}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && len(stored) < 2; time.Sleep(100 * time.Millisecond) {
		// Ctrl+Enter uploads the rows listed by then: the handed-over files
		// are listed a moment after the launch ends, so it is pressed again
		// each second until both are stored.
		if time.Since(pressed) > time.Second {
			if out, err := exec.Command("xdotool", "key", "ctrl+Return").CombinedOutput(); err != nil {
				t.Fatalf("xdotool: %v %s", err, out)
			}
			pressed = time.Now()
		}
		stored = nil
		filepath.WalkDir(library, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if data, _ := os.ReadFile(p); string(data) == "the first photo" || string(data) == "the second photo" {
					stored = append(stored, p)
				}
			}
			return nil
		})
	}
	if len(stored) != 2 {
		t.Fatalf("the demo server stored %d of the two files handed over", len(stored))
	}
}
