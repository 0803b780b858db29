package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"fyne.io/fyne/v2/lang"

	"imagekit-uploader/emulator"
	"imagekit-uploader/signer"
	"imagekit-uploader/uploader"
)

// startDemo runs the local ImageKit-compatible server in this process.
func (u *UI) startDemo() {
	// No CORS: the demo's library holds the person's own photos, and its
	// key is public, so no web page may read it.
	var opts []emulator.Option
	if u.cfg.DemoThrottle > 0 {
		opts = append(opts, emulator.WithLinkRate(u.cfg.DemoThrottle))
	}
	// The demo keeps its library in the app's storage, on the port it had
	// last time (written beside it), so that History's demo URLs still open
	// their files after a restart. If that port is taken now, or another
	// window holds the library, this run takes a new port and a library of
	// its own.
	dir := filepath.Join(u.cfg.StorageDir, "demo-library")
	portFile := dir + ".port"
	port := 0
	if b, err := os.ReadFile(portFile); err == nil {
		port, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	srv, err := emulator.Listen(fmt.Sprintf("127.0.0.1:%d", port), append(opts, emulator.WithDir(dir))...)
	if err != nil {
		srv, err = emulator.Listen("127.0.0.1:0", opts...)
	}
	if err != nil {
		u.showError(lang.L("The demo server could not start"), err)
		return
	}
	if srv.Dir == dir && srv.Port() != port {
		os.WriteFile(portFile, []byte(strconv.Itoa(srv.Port())+"\n"), 0o600)
	}
	sg, _ := signer.New(emulator.DemoPublicKey, emulator.DemoPrivateKey)
	u.shared.mu.Lock()
	u.shared.demo, u.shared.demoKey = srv, sg
	u.session.Journal().SetTag(demoTag) // the demo's files are never offered to an account
	u.shared.mu.Unlock()
	u.banner.Show()
	if u.form != nil {
		u.form.refreshState()
	}
}

// demoOn says whether the demo server runs.
func (u *UI) demoOn() bool {
	u.shared.mu.Lock()
	defer u.shared.mu.Unlock()
	return u.shared.demo != nil
}

// demoTokens signs for the demo server, when it runs: its address and tokens.
func (u *UI) demoTokens() (endpoint string, tokens uploader.TokenSource, ok bool) {
	u.shared.mu.Lock()
	defer u.shared.mu.Unlock()
	if u.shared.demo == nil {
		return "", nil, false
	}
	return u.shared.demo.UploadURL, uploader.LocalTokens{Signer: u.shared.demoKey}, true
}
