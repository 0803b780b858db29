package ui

import (
	"imagekit-uploader/emulator"
	"imagekit-uploader/signer"
	"imagekit-uploader/uploader"
)

// startDemo runs the local ImageKit-compatible server in this process.
func (u *UI) startDemo() {
	var opts []emulator.Option
	if u.cfg.DemoThrottle > 0 {
		opts = append(opts, emulator.WithReadRate(u.cfg.DemoThrottle))
	}
	srv, err := emulator.Listen("127.0.0.1:0", opts...)
	if err != nil {
		u.showError("The demo server could not start", err)
		return
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
