//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"imagekit-uploader/emulator"
	"imagekit-uploader/keystore"
)

// wan measures uploads over a simulated wide-area network: every connection
// to the upload server, and to the token endpoint, goes through a proxy of
// ours that delays each direction and charges a round trip to open. It
// prints the table docs/BENCHMARKS.md keeps.
//
//	go run ./scripts/bench wan [-files 200] [-delay 50ms] [-cap 50] [-big 32]
func wan(args []string) {
	fs := flag.NewFlagSet("wan", flag.ExitOnError)
	files := fs.Int("files", 200, "how many 64 KiB files")
	delay := fs.Duration("delay", 50*time.Millisecond, "one-way delay, each direction")
	capMbit := fs.Float64("cap", 50, "bandwidth cap for the large file, Mbit/s")
	bigMiB := fs.Int("big", 32, "the large file, MiB")
	fs.Parse(args)
	work, err := os.MkdirTemp("", "ik-wan-")
	check(err)
	defer os.RemoveAll(work)
	bin := buildStatic(work)

	emu := startEmulator(bin, work)
	defer emu.stop()
	ts := startTokenServer(bin, work)
	defer ts.Process.Kill()
	target, _ := url.Parse(emu.url)
	up := startWAN(target.Host, *delay, 0)
	auth := startWAN(ts.addr, *delay, 0)
	uploadURL := strings.Replace(emu.url, target.Host, up, 1)
	authURL := "http://" + auth + "/auth"

	dir, paths := makeSmallFiles(work, "w", *files)
	rtt := 2 * *delay
	fmt.Printf("Measured %s: %d files of 64 KiB through a proxy that adds %s each way (a %s round trip, one more to open a connection).\n\n",
		time.Now().UTC().Format("2006-01-02"), *files, *delay, rtt)
	fmt.Println("| how | c=4 | c=16 |")
	fmt.Println("|---|---|---|")
	limit := func(c int) time.Duration { return time.Duration(float64(*files)/float64(c)*float64(rtt)) + rtt }
	fmt.Printf("| latency limit (files ÷ c × RTT, plus one handshake) | %.2f s | %.2f s |\n", limit(4).Seconds(), limit(16).Seconds())
	local := map[int]time.Duration{}
	for _, c := range []int{4, 16} {
		local[c] = timeWAN(bin, nil, "--endpoint", uploadURL, "--public-key", emulator.DemoPublicKey, "--folder", "/bench", "--concurrency", fmt.Sprint(c), dir)
	}
	fmt.Printf("| `upload`, local key | %.2f s (%.2f× the limit) | %.2f s (%.2f×) |\n",
		local[4].Seconds(), local[4].Seconds()/limit(4).Seconds(), local[16].Seconds(), local[16].Seconds()/limit(16).Seconds())
	remote := map[int]time.Duration{}
	for _, c := range []int{4, 16} {
		remote[c] = timeWAN(bin, []string{"IMAGEKIT_TOKEN_ENDPOINT_SECRET=" + benchSecret},
			"--endpoint", uploadURL, "--token-endpoint", authURL, "--public-key", emulator.DemoPublicKey, "--folder", "/bench", "--concurrency", fmt.Sprint(c), dir)
	}
	fmt.Printf("| `upload --token-endpoint` (the endpoint also %s away) | %.2f s (%.2f× local key) | %.2f s (%.2f× local key) |\n",
		rtt, remote[4].Seconds(), remote[4].Seconds()/local[4].Seconds(), remote[16].Seconds(), remote[16].Seconds()/local[16].Seconds())
	par := curlMany(uploadURL, paths, 8)
	fmt.Printf("| 8 parallel `curl -F` loops | %.2f s | |\n", par.Seconds())
	loop := curlMany(uploadURL, paths, 1)
	fmt.Printf("| one `curl -F` loop | %.2f s | |\n", loop.Seconds())

	// One large file through a capped link: how close to the cap.
	capped := startWAN(target.Host, *delay, int64(*capMbit*1e6/8))
	cappedURL := strings.Replace(emu.url, target.Host, capped, 1)
	big := filepath.Join(work, "big.mp4")
	makeFile(big, int64(*bigMiB)<<20)
	ideal := time.Duration(float64(int64(*bigMiB)<<20) * 8 / (*capMbit * 1e6) * float64(time.Second))
	bigT := timeWAN(bin, nil, "--endpoint", cappedURL, "--public-key", emulator.DemoPublicKey, "--plan", "pro", big)
	curlT := timeCurl(cappedURL, big, "big.mp4")
	fmt.Printf("\nOne %d MiB file through a %.0f Mbit/s cap (the cap alone: %.2f s): `upload` %.2f s (%.0f%% of the cap), `curl -F` %.2f s (%.0f%%).\n",
		*bigMiB, *capMbit, ideal.Seconds(), bigT.Seconds(), 100*ideal.Seconds()/bigT.Seconds(), curlT.Seconds(), 100*ideal.Seconds()/curlT.Seconds())

	// The token server itself, on loopback, with a policy on.
	n, d := hammerTokens("http://"+ts.addr+"/auth", 32, 3*time.Second)
	fmt.Printf("\nThe token server, policy on (clients file, folder prefix, unique names, a rate far above the load): %d tokens in %s, %.0f a second, 32 clients on keep-alive connections.\n",
		n, d.Round(time.Millisecond), float64(n)/d.Seconds())
}

const benchSecret = "bench-secret-0123456789"

type tokenServerProc struct {
	*exec.Cmd
	addr string
}

// startTokenServer runs token-server with a policy, for the demo key.
func startTokenServer(bin, work string) *tokenServerProc {
	clients := filepath.Join(work, "clients")
	check(os.WriteFile(clients, []byte("bench "+benchSecret+"\n"), 0o600))
	cmd := exec.Command(bin, "token-server", "--listen", "127.0.0.1:0", "--public-key", emulator.DemoPublicKey,
		"--secrets-file", clients, "--folder-prefix", "/bench", "--require-unique", "--rate", "10000000", "--audit-log", filepath.Join(work, "audit.log"))
	cmd.Env = append(os.Environ(), keystore.EnvPrivateKey+"="+emulator.DemoPrivateKey)
	out, err := cmd.StderrPipe()
	check(err)
	check(cmd.Start())
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, after, ok := strings.Cut(sc.Text(), "listening on http://"); ok {
			go io.Copy(io.Discard, out)
			return &tokenServerProc{Cmd: cmd, addr: strings.TrimSuffix(strings.Fields(after)[0], "/auth")}
		}
	}
	log.Fatal("the token server did not start")
	return nil
}

func timeWAN(bin string, env []string, args ...string) time.Duration {
	cmd := exec.Command(bin, append([]string{"upload"}, args...)...)
	cmd.Env = append(append(os.Environ(), keystore.EnvPrivateKey+"="), env...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		log.Fatalf("upload: %v\n%s", err, out.String())
	}
	return time.Since(start)
}

// hammerTokens asks url for tokens from clients goroutines for d; it returns
// how many it got.
func hammerTokens(url string, clients int, d time.Duration) (int64, time.Duration) {
	var got atomic.Int64
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range clients {
		wg.Go(func() {
			for n := 0; time.Now().Before(stop); n++ {
				body, _ := json.Marshal(map[string]any{"uploadPayload": map[string]string{"fileName": fmt.Sprintf("f%d-%d.jpg", i, n), "folder": "/bench/x/"},
					"expire": 300, "publicKey": emulator.DemoPublicKey})
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+benchSecret)
				resp, err := hc.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					got.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return got.Load(), time.Since(start)
}

// startWAN listens on loopback and forwards each connection to target,
// delaying every byte by delay in each direction, charging a round trip
// before the connection is usable (its handshake), and pacing each
// direction to bytesPerSecond when that is not 0. It returns its address.
func startWAN(target string, delay time.Duration, bytesPerSecond int64) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				time.Sleep(2 * delay) // SYN, SYN-ACK: the round trip to open
				t, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer t.Close()
				done := make(chan struct{}, 2)
				go func() { delayed(t, c, delay, bytesPerSecond); done <- struct{}{} }()
				go func() { delayed(c, t, delay, bytesPerSecond); done <- struct{}{} }()
				<-done
				<-done
			}()
		}
	}()
	return ln.Addr().String()
}

// delayed copies src to dst, each chunk delay after it was read.
func delayed(dst, src net.Conn, delay time.Duration, bytesPerSecond int64) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	q := make(chan chunk, 4096)
	go func() {
		for c := range q {
			time.Sleep(time.Until(c.at))
			if _, err := dst.Write(c.b); err != nil {
				break
			}
		}
		for range q { // drain, so the reader never blocks
		}
		if tc, ok := dst.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
	}()
	buf := make([]byte, 32<<10)
	start, n := time.Now(), int64(0)
	for {
		k, err := src.Read(buf)
		if k > 0 {
			q <- chunk{b: append([]byte(nil), buf[:k]...), at: time.Now().Add(delay)}
			if bytesPerSecond > 0 {
				n += int64(k)
				time.Sleep(time.Until(start.Add(time.Duration(float64(n) / float64(bytesPerSecond) * float64(time.Second)))))
			}
		}
		if err != nil {
			close(q)
			return
		}
	}
}

// buildStatic builds the command line without the window (what servers
// run) into work, and returns its path.
func buildStatic(work string) string {
	bin := filepath.Join(work, "imagekit-uploader")
	build := exec.Command("go", "build", "-tags", "nogui", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	check(build.Run())
	return bin
}
