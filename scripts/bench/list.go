//go:build linux

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"imagekit-uploader/emulator"
	"imagekit-uploader/keystore"
	"imagekit-uploader/uploader"
)

// list measures what a migration's scale costs: a list of a million
// lines planned (--dry-run), split (--shard) and summed (report), an index
// of a million uploads read in and opened, and URL items, which ImageKit
// fetches itself, through a slow link. It prints the tables
// docs/BENCHMARKS.md keeps.
//
//	go run ./scripts/bench list [-lines 1000000] [-urls 200] [-delay 100ms]
func list(args []string) {
	fs := flag.NewFlagSet("list", flag.ExitOnError)
	lines := fs.Int("lines", 1_000_000, "lines of the list, and uploads in the index")
	urls := fs.Int("urls", 200, "URL items through the slow link")
	delay := fs.Duration("delay", 100*time.Millisecond, "the slow link's delay, each direction")
	fs.Parse(args)
	work, err := os.MkdirTemp("", "ik-list-")
	check(err)
	defer os.RemoveAll(work)
	bin := buildStatic(work)

	// The list: 70% URLs (presigned), 20% JSON items with their own
	// fields, 10% local files (1,000 of them, each named 100 times).
	locals := make([]string, 1000)
	for i := range locals {
		locals[i] = filepath.Join(work, "files", fmt.Sprintf("photo-%04d.jpg", i))
		os.MkdirAll(filepath.Dir(locals[i]), 0o755)
		check(os.WriteFile(locals[i], []byte("jpeg bytes "+fmt.Sprint(i)), 0o644))
	}
	listPath := filepath.Join(work, "items.txt")
	f, err := os.Create(listPath)
	check(err)
	for i := range *lines {
		switch i % 10 {
		case 0:
			fmt.Fprintln(f, locals[(i/10)%len(locals)])
		case 1, 2:
			fmt.Fprintf(f, `{"file": "https://old-cms.example/media/%d/original", "fileName": "item-%d.jpg", "folder": "/catalogue/%d", "tags": ["migrated", "batch-%d"]}`+"\n", i, i, i%97, i%13)
		default:
			fmt.Fprintf(f, "https://bucket.s3.amazonaws.com/photos/IMG_%07d.jpg?X-Amz-Signature=%016x&X-Amz-Expires=3600\n", i, rand.Uint64())
		}
	}
	check(f.Close())
	info, _ := os.Stat(listPath)
	fmt.Printf("Measured %s on %d cores: a list of %d lines (%.0f MiB: 70%% presigned URLs, 20%% JSON items with their own fields, 10%% local files).\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), *lines, float64(info.Size())/(1<<20))
	fmt.Println("| what | time | lines a second | peak RSS |")
	fmt.Println("|---|---|---|---|")
	report := filepath.Join(work, "report.jsonl")
	row := func(what string, out string, args ...string) {
		d, rss := timeCmd(bin, out, args...)
		fmt.Printf("| %s | %.2f s | %.0f | %.0f MiB |\n", what, d.Seconds(), float64(*lines)/d.Seconds(), rss)
	}
	row("`upload --from-list --dry-run --json` (every line checked and printed)", report, "upload", "--from-list", listPath, "--dry-run", "--json", "--folder", "/m")
	row("the same, plain lines", os.DevNull, "upload", "--from-list", listPath, "--dry-run", "--folder", "/m")
	row("`--shard 0/4` of it (a worker's share)", os.DevNull, "upload", "--from-list", listPath, "--dry-run", "--shard", "0/4", "--folder", "/m")
	row("`report` over the million --json lines", os.DevNull, "report", report)

	// The index: a million uploads in an earlier version's lines, read in
	// once; then each look-up opens the store, as every operation does.
	dir := filepath.Join(work, "config")
	check(os.MkdirAll(dir, 0o700))
	legacy, err := os.Create(filepath.Join(dir, "uploaded.jsonl"))
	check(err)
	enc := json.NewEncoder(legacy)
	sums := make([]string, 0, 1000)
	for i := range *lines {
		s := sha256.Sum256([]byte(fmt.Sprint(i)))
		sum := hex.EncodeToString(s[:])
		if i%(*lines/1000) == 0 {
			sums = append(sums, sum)
		}
		check(enc.Encode(uploader.Uploaded{SHA256: sum, Size: 1 << 20, Account: "https://upload.imagekit.io/api/v2/files/upload public_x", Folder: "/catalogue",
			FilePath: fmt.Sprintf("/catalogue/photo-%07d_%s.jpg", i, sum[:12]), URL: "https://ik.imagekit.io/x/catalogue/photo.jpg", At: time.Now(), Settings: map[string]string{"isPrivateFile": "false"}}))
	}
	check(legacy.Close())
	start := time.Now()
	x, err := uploader.OpenUploadedIndex(filepath.Join(dir, "uploaded.db"))
	check(err)
	migrated := time.Since(start)
	db, _ := os.Stat(filepath.Join(dir, "uploaded.db"))
	var opens []time.Duration
	for _, sum := range sums {
		t := time.Now()
		if _, ok := x.Find("https://upload.imagekit.io/api/v2/files/upload public_x", "/catalogue", sum); !ok {
			log.Fatal("an upload of the index was not found")
		}
		opens = append(opens, time.Since(t))
	}
	slices.Sort(opens)
	t := time.Now()
	_, err = uploader.OpenUploadedIndex(filepath.Join(dir, "uploaded.db"))
	check(err)
	reopen := time.Since(t)
	fmt.Printf("\nAn index of %d uploads: read in from an earlier version's lines once in %.1f s (%.0f MiB on disk); opened again in %s; a look-up (open, read, close) %s median, %s at the 99th percentile of %d.\n",
		*lines, migrated.Seconds(), float64(db.Size())/(1<<20), reopen.Round(time.Microsecond), opens[len(opens)/2].Round(time.Microsecond), opens[len(opens)*99/100].Round(time.Microsecond), len(opens))

	// URL items through a slow link: the client sends a few hundred bytes
	// each; ImageKit (here the emulator) fetches the bytes itself.
	origin := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write([]byte(strings.Repeat("jpeg "+r.URL.Path, 4000))) // ~100 KB
	})}
	oln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go origin.Serve(oln)
	defer origin.Close()
	emu := startEmulatorArgs(bin, work, "--fetch-allow", oln.Addr().String())
	defer emu.stop()
	target, _ := url.Parse(emu.url)
	slow := strings.Replace(emu.url, target.Host, startWAN(target.Host, *delay, 0), 1)
	ulist := filepath.Join(work, "urls.txt")
	var b strings.Builder
	for i := range *urls {
		fmt.Fprintf(&b, "http://%s/photos/%04d.jpg\n", oln.Addr(), i)
	}
	check(os.WriteFile(ulist, []byte(b.String()), 0o644))
	rtt := 2 * *delay
	limit := time.Duration(float64(*urls)/16*float64(rtt)) + rtt
	cmd := exec.Command(bin, "upload", "--endpoint", slow, "--public-key", emulator.DemoPublicKey, "--concurrency", "16", "--folder", "/urls", "--from-list", ulist)
	cmd.Env = append(os.Environ(), keystore.EnvPrivateKey+"=")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start = time.Now()
	if err := cmd.Run(); err != nil {
		log.Fatalf("upload: %v\n%s", err, out.String())
	}
	took := time.Since(start)

	// A worker's rate against the local server on loopback: the client's own
	// cost an item, with no network to wait for.
	var local, remote strings.Builder
	for i := range 2000 {
		p := filepath.Join(work, "items", fmt.Sprintf("item-%04d.jpg", i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		makeFile(p, 64<<10)
		fmt.Fprintln(&local, p)
		fmt.Fprintf(&remote, "http://%s/photos/r%04d.jpg\n", oln.Addr(), i)
	}
	rate := func(name, items string) float64 {
		lp := filepath.Join(work, name)
		check(os.WriteFile(lp, []byte(items), 0o644))
		c := exec.Command(bin, "upload", "--endpoint", emu.url, "--public-key", emulator.DemoPublicKey, "--concurrency", "16", "--folder", "/"+name, "--journal", "none", "--from-list", lp)
		c.Env = append(os.Environ(), keystore.EnvPrivateKey+"=")
		var out strings.Builder
		c.Stdout, c.Stderr = &out, &out
		t := time.Now()
		if err := c.Run(); err != nil {
			log.Fatalf("upload: %v\n%s", err, out.String())
		}
		return 2000 / time.Since(t).Seconds()
	}
	localRate, urlRate := rate("local", local.String()), rate("urls", remote.String())
	fmt.Printf("\nOne worker at c=16 against the local server on loopback (no network to wait for: the client's own cost): 2,000 local files of 64 KiB from a list, %.0f items/s; 2,000 URL items (fetched by the server from a local origin), %.0f items/s.\n", localRate, urlRate)
	fmt.Printf("\n%d URL items (about 100 KB each, fetched by the server) at c=16 through a link that delays %s each way: %.2f s, %.2f× the latency limit (%d ÷ 16 × %s + one handshake = %.2f s).\n",
		*urls, *delay, took.Seconds(), took.Seconds()/limit.Seconds(), *urls, rtt, limit.Seconds())
}

// timeCmd runs bin with args, stdout to out, and returns its wall time and
// peak RSS (MiB).
func timeCmd(bin, out string, args ...string) (time.Duration, float64) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), keystore.EnvPrivateKey+"=")
	o, err := os.Create(out)
	check(err)
	defer o.Close()
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = o, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil && cmd.ProcessState.ExitCode() > 1 {
		log.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return time.Since(start), maxRSS(cmd)
}
