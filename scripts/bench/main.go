//go:build linux

// Command bench measures the upload command and the local server against
// curl -F on loopback: peak memory (RSS) by file size, throughput, and many
// small files. It prints a Markdown report for docs/BENCHMARKS.md.
//
//	go run ./scripts/bench [-sizes 64,256,1024] [-small 1000] [-bin PATH]
//	go run ./scripts/bench wan      # over a simulated wide-area network (wan.go)
//	go run ./scripts/bench window   # the window against the command on camera photos (window.go)
//	go run ./scripts/bench list     # a million-line list, a million-upload index, URL items (list.go)
//	go run ./scripts/bench nginx    # one large file to nginx, upload vs curl -F (nginx.go)
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"imagekit-uploader/emulator"
	"imagekit-uploader/keystore"
	"imagekit-uploader/signer"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "wan":
			log.SetFlags(0)
			wan(os.Args[2:])
			return
		case "window":
			log.SetFlags(0)
			window(os.Args[2:])
			return
		case "list":
			log.SetFlags(0)
			list(os.Args[2:])
			return
		case "nginx":
			log.SetFlags(0)
			nginxBench(os.Args[2:])
			return
		case "photo": // window's helper
			photo(os.Args[2:])
			return
		}
	}
	sizes := flag.String("sizes", "64,256,1024", "big file sizes, MiB")
	small := flag.Int("small", 1000, "how many 64 KiB files")
	bin := flag.String("bin", "", "imagekit-uploader binary (default: build one)")
	flag.Parse()
	log.SetFlags(0)
	work, err := os.MkdirTemp("", "ik-bench-")
	check(err)
	defer os.RemoveAll(work)
	if *bin == "" {
		*bin = filepath.Join(work, "imagekit-uploader")
		run("go", "build", "-o", *bin, ".")
	}
	fmt.Printf("Measured %s on %s/%s, %d cores, %s.\n\n", time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())

	fmt.Println("### One large file (upload command vs curl -F, same server, loopback)")
	fmt.Println()
	fmt.Println("| file | upload: time | upload: MB/s | upload: peak RSS | curl: time | curl: MB/s | upload/curl | server peak RSS |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, s := range strings.Split(*sizes, ",") {
		mib, err := strconv.Atoi(strings.TrimSpace(s))
		check(err)
		path := filepath.Join(work, fmt.Sprintf("big-%d.mp4", mib))
		makeFile(path, int64(mib)<<20)
		emu := startEmulator(*bin, work)
		upT, upRSS := timeUpload(*bin, emu.url, path)
		curlT := timeCurl(emu.url, path, "big.mp4")
		serverRSS := emu.stop()
		mb := float64(mib) * (1 << 20) / 1e6
		fmt.Printf("| %d MiB | %.2f s | %.0f | %.1f MiB | %.2f s | %.0f | %.2f× | %.1f MiB |\n",
			mib, upT.Seconds(), mb/upT.Seconds(), upRSS, curlT.Seconds(), mb/curlT.Seconds(), curlT.Seconds()/upT.Seconds(), serverRSS)
		os.Remove(path)
	}

	fmt.Printf("\n### %d files of 64 KiB\n\n", *small)
	dir, files := makeSmallFiles(work, "s", *small)
	emu := startEmulator(*bin, work)
	upT, upRSS := timeUploadArgs(*bin, emu.url, "--concurrency", "8", dir)
	loopT := curlMany(emu.url, files, 1)
	parT := curlMany(emu.url, files, 8)
	emu.stop()
	fmt.Println("| how | time | files/s |")
	fmt.Println("|---|---|---|")
	n := float64(*small)
	fmt.Printf("| `upload --concurrency 8` | %.2f s | %.0f (peak RSS %.1f MiB) |\n", upT.Seconds(), n/upT.Seconds(), upRSS)
	fmt.Printf("| a loop of `curl -F` | %.2f s | %.0f |\n", loopT.Seconds(), n/loopT.Seconds())
	fmt.Printf("| 8 parallel `curl -F` loops | %.2f s | %.0f |\n", parT.Seconds(), n/parT.Seconds())
	fmt.Printf("\nupload vs curl loop: %.1f× faster; vs 8 parallel curls: %.2f×.\n", loopT.Seconds()/upT.Seconds(), parT.Seconds()/upT.Seconds())

	static := filepath.Join(work, "imagekit-uploader-static")
	cmd := exec.Command("go", "build", "-tags", "nogui", "-o", static, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	check(cmd.Run())
	big := filepath.Join(work, "big-256.mp4")
	makeFile(big, 256<<20)
	fmt.Println("\n### The command line with and without the window linked in (256 MiB upload)")
	fmt.Println()
	fmt.Println("| binary | size | `--version`: peak RSS | emulator idle: peak RSS | upload 256 MiB: time | peak RSS |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, b := range []struct{ name, path string }{{"desktop (cgo, Fyne, GL)", *bin}, {"static (`CGO_ENABLED=0 -tags nogui`)", static}} {
		info, err := os.Stat(b.path)
		check(err)
		v := exec.Command(b.path, "--version")
		check(v.Run())
		idle := startEmulator(b.path, work)
		time.Sleep(time.Second)
		idleRSS := idle.stop()
		emu := startEmulator(b.path, work)
		t, rss := timeUpload(b.path, emu.url, big)
		emu.stop()
		fmt.Printf("| %s | %.1f MB | %.1f MiB | %.1f MiB | %.2f s | %.1f MiB |\n", b.name, float64(info.Size())/1e6, maxRSS(v), idleRSS, t.Seconds(), rss)
	}
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func run(name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
}

// makeFile writes size pseudo-random bytes (incompressible, not sparse).
// makeSmallFiles writes n files of 64 KiB to a new folder "small" under
// work, and returns the folder and their paths.
func makeSmallFiles(work, prefix string, n int) (string, []string) {
	dir := filepath.Join(work, "small")
	check(os.Mkdir(dir, 0o755))
	paths := make([]string, n)
	for i := range paths {
		paths[i] = filepath.Join(dir, fmt.Sprintf("%s%05d.bin", prefix, i))
		makeFile(paths[i], 64<<10)
	}
	return dir, paths
}

func makeFile(path string, size int64) {
	f, err := os.Create(path)
	check(err)
	buf := make([]byte, 1<<20)
	var x uint64 = 88172645463325252
	for written := int64(0); written < size; {
		for i := 0; i < len(buf); i += 8 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			for j := 0; j < 8 && i+j < len(buf); j++ {
				buf[i+j] = byte(x >> (8 * j))
			}
		}
		n := min(int64(len(buf)), size-written)
		_, err := f.Write(buf[:n])
		check(err)
		written += n
	}
	check(f.Close())
}

type emulatorProc struct {
	cmd *exec.Cmd
	url string
	dir string // where it stores
}

func startEmulator(bin, work string) *emulatorProc { return startEmulatorArgs(bin, work) }

func startEmulatorArgs(bin, work string, args ...string) *emulatorProc {
	dir, err := os.MkdirTemp(work, "store-")
	check(err)
	cmd := exec.Command(bin, append([]string{"emulator", "--listen", "127.0.0.1:0", "--dir", dir, "--max-file-size", "2GB"}, args...)...)
	out, err := cmd.StdoutPipe()
	check(err)
	cmd.Stderr = io.Discard
	check(cmd.Start())
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, after, ok := strings.Cut(sc.Text(), "upload URL:"); ok {
			go io.Copy(io.Discard, out)
			return &emulatorProc{cmd: cmd, url: strings.TrimSpace(after), dir: dir}
		}
	}
	log.Fatal("the emulator did not start")
	return nil
}

// stop ends the emulator and returns its peak RSS in MiB.
func (e *emulatorProc) stop() float64 {
	e.cmd.Process.Signal(os.Interrupt)
	e.cmd.Wait()
	return maxRSS(e.cmd)
}

func maxRSS(cmd *exec.Cmd) float64 {
	return float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KiB on Linux
}

func timeUpload(bin, url, path string) (time.Duration, float64) {
	return timeUploadArgs(bin, url, "--plan", "pro", path) // Pro takes videos up to 2 GB
}

func timeUploadArgs(bin, url string, args ...string) (time.Duration, float64) {
	cmd := exec.Command(bin, append([]string{"upload", "--endpoint", url, "--public-key", emulator.DemoPublicKey}, args...)...)
	cmd.Env = append(os.Environ(), keystore.EnvPrivateKey+"=")
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		log.Fatalf("upload: %v\n%s", err, stderr.String())
	}
	return time.Since(start), maxRSS(cmd)
}

var demo, _ = signer.New(emulator.DemoPublicKey, emulator.DemoPrivateKey, signer.WithLifetime(time.Hour))

// curlArgs signs ahead of time, so curl's timing is the upload alone.
func curlArgs(url, path, name string) []string {
	tok, err := demo.Sign(map[string]string{"fileName": name})
	check(err)
	return []string{"-sS", "--fail", "-o", "/dev/null", "-F", "fileName=" + name, "-F", "token=" + tok, "-F", "file=@" + path, url}
}

func timeCurl(url, path, name string) time.Duration {
	args := curlArgs(url, path, name)
	start := time.Now()
	run("curl", args...)
	return time.Since(start)
}

// curlMany uploads files with `workers` sequential curl loops.
func curlMany(url string, files []string, workers int) time.Duration {
	args := make([][]string, len(files))
	for i, f := range files {
		args[i] = curlArgs(url, f, filepath.Base(f))
	}
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(files); i += workers {
				run("curl", args[i]...)
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}
