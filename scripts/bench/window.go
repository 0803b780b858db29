//go:build linux

package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"imagekit-uploader/emulator"
)

// window measures the desktop app against the upload command on the same
// photos, to the same local server, in one run: wall time, CPU and peak
// memory. It runs the real window under Xvfb, with a throwaway keyring, so
// it re-executes itself under scripts/with-keyring.sh and xvfb-run.
//
//	go run ./scripts/bench window [-files 300] [-mp 24] [-exported]
func window(args []string) {
	fs := flag.NewFlagSet("window", flag.ExitOnError)
	files := fs.Int("files", 300, "how many photos")
	profile := fs.String("profile", "", "write the window's CPU profile here (go tool pprof)")
	mp := fs.Int("mp", 24, "megapixels each")
	exported := fs.Bool("exported", false, "photos as editors and CMSs export them: no EXIF thumbnail, so a row's thumbnail decodes the photo")
	fs.Parse(args)
	if os.Getenv("BENCH_UNDER_XVFB") == "" {
		self, err := os.Executable()
		check(err)
		cmd := exec.Command("scripts/with-keyring.sh", append([]string{"xvfb-run", "-a", "-s", "-screen 0 1280x800x24", self, "window"}, args...)...)
		cmd.Env = append(os.Environ(), "BENCH_UNDER_XVFB=1", "LANG=en_US.UTF-8")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		check(cmd.Run())
		return
	}
	work, err := os.MkdirTemp("", "ik-window-")
	check(err)
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "imagekit-uploader")
	run("go", "build", "-o", bin, ".")

	// One camera-like photo (grain over a gradient, an EXIF thumbnail), made
	// by a child process: a process's peak memory passes to the children it
	// starts (the kernel folds it into their ru_maxrss at exec), and this one
	// must stay small for the command's figure to be its own. Then copies
	// that differ in a byte after the image's end.
	self, err := os.Executable()
	check(err)
	photoPath := filepath.Join(work, "photo.jpg")
	kind := "camera"
	if *exported {
		kind = "exported"
	}
	run(self, "photo", strconv.Itoa(6000**mp/24), strconv.Itoa(4000**mp/24), photoPath, kind)
	photo, err := os.ReadFile(photoPath)
	check(err)
	dir := filepath.Join(work, "shoot")
	check(os.Mkdir(dir, 0o755))
	var paths []string
	for i := range *files {
		p := filepath.Join(dir, fmt.Sprintf("IMG_%04d.jpg", i))
		check(os.WriteFile(p, append(photo, []byte(strconv.Itoa(i))...), 0o644))
		paths = append(paths, p)
	}
	total := float64(len(photo)) * float64(*files) / (1 << 20)
	fmt.Printf("Measured %s: %d %s photos of %d MP (%.1f MB each, %.0f MiB in all), to a local emulator, the window under Xvfb.\n\n",
		time.Now().UTC().Format("2006-01-02"), *files, kind, *mp, float64(len(photo))/1e6, total)

	// The command. Both runs start from the same page cache (settle).
	dropped := settle(paths)
	emu := startEmulator(bin, work)
	cli := exec.Command(bin, "upload", "--endpoint", emu.url, "--public-key", emulator.DemoPublicKey, "--plan", "pro", dir)
	var out strings.Builder
	cli.Stdout, cli.Stderr = &out, &out
	start := time.Now()
	if err := cli.Run(); err != nil {
		log.Fatalf("upload: %v\n%s", err, out.String())
	}
	cliWall := time.Since(start)
	cliCPU := cli.ProcessState.UserTime() + cli.ProcessState.SystemTime()
	cliRSS := maxRSS(cli)
	cliEmuCPU := procCPU(emu.cmd.Process.Pid)
	emu.stop()
	check(os.RemoveAll(emu.dir))

	// The window: first idle, then the same photos given on its command line
	// and uploaded with Ctrl+Enter.
	home := filepath.Join(work, "home")
	emu = startEmulator(bin, work)
	defer emu.stop()
	prefs := filepath.Join(home, ".config", "fyne", "io.imagekit.uploader")
	check(os.MkdirAll(prefs, 0o700))
	b, _ := json.Marshal(map[string]any{"account.publicKey": emulator.DemoPublicKey, "account.endpoint": emu.url, "account.mode": "key",
		"account.plan": "pro", "account.concurrency": 4})
	check(os.WriteFile(filepath.Join(prefs, "preferences.json"), b, 0o600))
	key := exec.Command(bin, "key", "set", "--public-key", emulator.DemoPublicKey)
	key.Env = append(os.Environ(), "HOME="+home)
	key.Stdin = strings.NewReader(emulator.DemoPrivateKey + "\n")
	check(key.Run())

	idle := startApp(bin, home, nil)
	time.Sleep(3 * time.Second)
	idleRSS := procStatus(idle.Process.Pid, "VmHWM")
	idle.Process.Kill()
	idle.Wait()

	var env []string
	if *profile != "" {
		abs, _ := filepath.Abs(*profile)
		env = append(env, "IMAGEKIT_UPLOADER_CPUPROFILE="+abs)
	}
	app := startApp(bin, home, env, paths...)
	wid := windowOf(app.Process.Pid)
	time.Sleep(2 * time.Second) // the rows listed
	listedRSS := procStatus(app.Process.Pid, "VmRSS")
	cpuBefore := procCPU(app.Process.Pid)
	xvfb := pidOf("Xvfb")
	xBefore := procCPU(xvfb)
	emuBefore := procCPU(emu.cmd.Process.Pid)
	run("xdotool", "mousemove", "--window", wid, "700", "700", "click", "1") // focus (no window manager under Xvfb)
	settle(paths)
	run("xdotool", "key", "ctrl+Return")
	start = time.Now()
	// The k-th file is stored by the emulator (a blob) and then recorded by
	// the window (a line of its History, synced before a row says so); the
	// loop ends when both have all of them.
	stored := filepath.Join(emu.dir, "blobs")
	storedAt := make([]time.Duration, *files)
	recordedAt := make([]time.Duration, *files)
	var appWall time.Duration
	for ns, nr := 0, 0; nr < *files; time.Sleep(20 * time.Millisecond) {
		now := time.Since(start)
		for c := min(countFiles(stored), *files); ns < c; ns++ {
			storedAt[ns] = now
		}
		for c := min(countLines(prefs, "history.jsonl"), ns); nr < c; nr++ {
			recordedAt[nr] = now
		}
		if ns == *files && appWall == 0 {
			appWall = now
		}
		if now > 10*time.Minute {
			log.Fatalf("in 10 minutes the window stored %d of %d and recorded %d", ns, *files, nr)
		}
	}
	first := storedAt[0]
	var lag time.Duration
	for k := range recordedAt {
		lag = max(lag, recordedAt[k]-storedAt[k])
	}
	appCPU := procCPU(app.Process.Pid) - cpuBefore
	xCPU := procCPU(xvfb) - xBefore
	emuCPU := procCPU(emu.cmd.Process.Pid) - emuBefore
	appRSS := procStatus(app.Process.Pid, "VmHWM")
	app.Process.Signal(os.Interrupt) // a clean quit: the profile, if asked for, is written
	app.Wait()

	fmt.Println("| | `upload` command | the window |")
	fmt.Println("|---|---|---|")
	fmt.Printf("| wall time, start → all stored | %.1f s | %.1f s (%.1f×; the first stored after %.1f s) |\n", cliWall.Seconds(), appWall.Seconds(), appWall.Seconds()/cliWall.Seconds(), first.Seconds())
	fmt.Printf("| CPU of the process while uploading | %.1f s | %.1f s (%.1f×) |\n", cliCPU.Seconds(), appCPU.Seconds(), appCPU.Seconds()/cliCPU.Seconds())
	fmt.Printf("| History behind the server, at most | – | %.2f s |\n", lag.Seconds())
	fmt.Printf("| peak RSS | %.0f MiB | %.0f MiB (idle window %.0f MiB; %.0f MiB with the photos listed; +%.0f MiB over idle) |\n",
		cliRSS, appRSS, idleRSS, listedRSS, appRSS-idleRSS)
	fmt.Printf("\nThe emulator used %.1f s of CPU serving the command, %.1f s serving the window (Xvfb %.1f s; the window's run had %.1f s of two cores).\n",
		cliEmuCPU.Seconds(), emuCPU.Seconds(), xCPU.Seconds(), 2*appWall.Seconds())
	if !dropped {
		fmt.Println("\nThe page cache could not be dropped between the runs (that needs root), so the figures vary with what the machine did before.")
	}
}

// settle gives a run the same start as the one before it: the disk synced,
// so that it does not pay for writing back what that run stored, and, when
// allowed (root), the page cache dropped and the photos read back into it.
// Without that the emulator's CPU for the same 300 photos was 6.1–6.5 s on a
// machine with free memory and 11–12 s on one whose memory was all cache,
// which the kernel must reclaim as the emulator writes. It reports whether
// the cache was dropped.
func settle(paths []string) bool {
	syscall.Sync()
	if os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0) != nil {
		return false
	}
	for _, p := range paths {
		f, err := os.Open(p)
		check(err)
		_, err = io.Copy(io.Discard, f)
		f.Close()
		check(err)
	}
	return true
}

// countLines counts the lines of the file called name somewhere under dir
// (the window's storage, which Fyne places), 0 while there is none.
func countLines(dir, name string) int {
	n := 0
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == name {
			b, _ := os.ReadFile(path)
			n = bytes.Count(b, []byte("\n"))
			return filepath.SkipAll
		}
		return nil
	})
	return n
}

// startApp opens the window with a fresh profile in home.
func startApp(bin, home string, env []string, paths ...string) *exec.Cmd {
	cmd := exec.Command(bin, paths...)
	cmd.Env = append(append(os.Environ(), "HOME="+home), env...)
	check(cmd.Start())
	return cmd
}

func windowOf(pid int) string {
	out, err := exec.Command("timeout", "30", "xdotool", "search", "--sync", "--onlyvisible", "--pid", strconv.Itoa(pid)).Output()
	check(err)
	return strings.Fields(string(out))[0]
}

// pidOf is the pid of the newest process named name.
func pidOf(name string) int {
	out, err := exec.Command("pgrep", "-n", "-x", name).Output()
	check(err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	check(err)
	return pid
}

// procStatus reads a memory figure of /proc/PID/status, in MiB.
func procStatus(pid int, field string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	check(err)
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.Fields(rest)[0], 64)
			return kb / 1024
		}
	}
	return 0
}

// procCPU is the user and system time a process has used.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	check(err)
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // clock ticks, 100 a second on Linux
}

func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), "incoming-") {
			n++
		}
		return nil
	})
	return n
}

// photo writes cameraJPEG(W, H) to PATH: `bench photo W H PATH`.
func photo(args []string) {
	w, _ := strconv.Atoi(args[0])
	h, _ := strconv.Atoi(args[1])
	b := cameraJPEG(w, h)
	if len(args) > 3 && args[3] == "exported" {
		b = exportedJPEG(w, h)
	}
	check(os.WriteFile(args[2], b, 0o644))
}

// exportedJPEG is a photo as a photo editor or a CMS exports it: the same
// image, with no EXIF thumbnail.
func exportedJPEG(w, h int) []byte {
	var photo bytes.Buffer
	check(jpeg.Encode(&photo, grain(w, h), &jpeg.Options{Quality: 85}))
	return photo.Bytes()
}

// grain is a gradient with grain: about a camera JPEG's 0.3 bytes a pixel.
func grain(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			g := r.IntN(40)
			img.Set(x, y, color.RGBA{uint8(x*160/w + g), uint8(y*160/h + g), uint8(100 + g), 255})
		}
	}
	return img
}

// cameraJPEG makes a photo-like JPEG: a gradient with grain, and an EXIF
// segment with a 160 × 120 thumbnail, as cameras write.
func cameraJPEG(w, h int) []byte {
	var photo, thumb bytes.Buffer
	check(jpeg.Encode(&photo, grain(w, h), &jpeg.Options{Quality: 85}))
	small := image.NewRGBA(image.Rect(0, 0, 160, 120))
	check(jpeg.Encode(&thumb, small, nil))
	var tiff bytes.Buffer
	le := binary.LittleEndian
	tiff.WriteString("II*\x00")
	binary.Write(&tiff, le, uint32(8))
	binary.Write(&tiff, le, uint16(0))
	binary.Write(&tiff, le, uint32(14))
	binary.Write(&tiff, le, uint16(2))
	for _, e := range [][2]uint32{{0x0201, 44}, {0x0202, uint32(thumb.Len())}} {
		binary.Write(&tiff, le, uint16(e[0]))
		binary.Write(&tiff, le, uint16(4))
		binary.Write(&tiff, le, uint32(1))
		binary.Write(&tiff, le, e[1])
	}
	binary.Write(&tiff, le, uint32(0))
	tiff.Write(thumb.Bytes())
	app1 := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	var out bytes.Buffer
	out.Write(photo.Bytes()[:2])
	out.Write([]byte{0xFF, 0xE1})
	binary.Write(&out, binary.BigEndian, uint16(len(app1)+2))
	out.Write(app1)
	out.Write(photo.Bytes()[2:])
	return out.Bytes()
}
