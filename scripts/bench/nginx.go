//go:build linux

package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"imagekit-uploader/emulator"
	"imagekit-uploader/keystore"
)

// nginxBench uploads one large file to a server none of us wrote (nginx,
// which takes the whole body into a file and answers as ImageKit would),
// with upload and with curl -F in alternating pairs, straight and through
// a link capped at 1 Gbit/s. It prints the table docs/BENCHMARKS.md keeps.
//
//	go run ./scripts/bench nginx [-size 512] [-pairs 5]   # needs nginx (apt-get install nginx-light)
func nginxBench(args []string) {
	fs := flag.NewFlagSet("nginx", flag.ExitOnError)
	sizeMiB := fs.Int("size", 512, "the file, MiB")
	pairs := fs.Int("pairs", 5, "alternating pairs per line")
	fs.Parse(args)
	if _, err := exec.LookPath("nginx"); err != nil {
		log.Fatal("nginx is not installed: apt-get install nginx-light")
	}
	work, err := os.MkdirTemp("", "ik-nginx-")
	check(err)
	defer os.RemoveAll(work)
	bin := buildStatic(work)

	size := int64(*sizeMiB) << 20
	answer := fmt.Sprintf(`{"fileId":"f1","name":"big.mp4","filePath":"/big.mp4","url":"http://127.0.0.1/big.mp4","size":%d,"fileType":"non-image","versionInfo":{"id":"v1","name":"Version 1"}}`, size)
	port, back := freePort(), freePort()
	conf := fmt.Sprintf(`master_process off;
daemon off;
error_log %[1]s/error.log;
pid %[1]s/nginx.pid;
events {}
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  server {
    listen 127.0.0.1:%[3]d;
    client_max_body_size 0;
    location / {
      client_body_buffer_size 1m;
      client_body_in_file_only clean;   # the whole body, to a file, before the answer
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_pass http://127.0.0.1:%[4]d;
    }
  }
  server {
    listen 127.0.0.1:%[4]d;
    location / { default_type application/json; return 200 '%[2]s'; }
  }
}
`, work, answer, port, back)
	// nginx's workers run as nobody: they write the bodies here.
	check(os.Chmod(work, 0o755))
	check(os.MkdirAll(filepath.Join(work, "body"), 0o700))
	check(os.Chmod(filepath.Join(work, "body"), 0o777))
	check(os.WriteFile(filepath.Join(work, "nginx.conf"), []byte(conf), 0o644))
	ngx := exec.Command("nginx", "-c", filepath.Join(work, "nginx.conf"), "-p", work)
	ngx.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // one process (master_process off): gone with the bench, however it ends
	check(ngx.Start())
	defer ngx.Process.Kill()
	time.Sleep(300 * time.Millisecond)

	big := filepath.Join(work, "big.mp4")
	makeFile(big, size)
	env := append(os.Environ(), keystore.EnvPrivateKey+"=", "XDG_CONFIG_HOME="+filepath.Join(work, "config"), "XDG_CACHE_HOME="+filepath.Join(work, "cache"))
	n := 0
	upload := func(endpoint string, extra ...string) time.Duration {
		n++ // a folder of its own each time: nothing was uploaded there before
		cmd := exec.Command(bin, append([]string{"upload", "--endpoint", endpoint, "--public-key", emulator.DemoPublicKey, "--plan", "pro", "--journal", "none", "--folder", fmt.Sprintf("/run%d", n)}, append(extra, big)...)...)
		cmd.Env = env
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		if err := cmd.Run(); err != nil {
			log.Fatalf("upload: %v\n%s", err, out.String())
		}
		return time.Since(start)
	}
	median := func(ds []time.Duration) time.Duration { slices.Sort(ds); return ds[len(ds)/2] }
	fmt.Printf("Measured %s: one %d MiB file to nginx 1.22 (the body into a file, then ImageKit's answer), %d alternating pairs a line, medians.\n\n", time.Now().UTC().Format("2006-01-02"), *sizeMiB, *pairs)
	fmt.Println("| link | `curl -F` | `upload --unique=false` | ratio | `upload` (unique names: read once for the name first) | ratio |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, link := range []struct {
		name string
		bps  int64
	}{{"loopback", 0}, {"capped at 1 Gbit/s", 125_000_000}, {"capped at 2.5 Gbit/s", 312_500_000}} {
		host := fmt.Sprintf("127.0.0.1:%d", port)
		if link.bps > 0 {
			host = startWAN(host, 0, link.bps)
		}
		endpoint := "http://" + host + "/api/v2/files/upload"
		var c, fixed, unique []time.Duration
		for range *pairs {
			c = append(c, timeCurl(endpoint, big, "big.mp4"))
			fixed = append(fixed, upload(endpoint, "--unique=false"))
			unique = append(unique, upload(endpoint))
		}
		mc, mf, mu := median(c), median(fixed), median(unique)
		fmt.Printf("| %s | %.2f s | %.2f s | %.2f× | %.2f s | %.2f× |\n", link.name, mc.Seconds(), mf.Seconds(), mf.Seconds()/mc.Seconds(), mu.Seconds(), mu.Seconds()/mc.Seconds())
	}
}

// freePort is a TCP port free on loopback now.
func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
