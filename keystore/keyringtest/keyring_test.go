//go:build keyring_integration

// Package keyringtest tests the key store and the `key` command against a
// real Secret Service (gnome-keyring on a session bus, as scripts/with-keyring.sh
// starts it), and the key store against Windows' Credential Manager
// (scripts/windows-test.sh, under wine). It lives apart from signer's unit tests because those swap
// go-keyring's backend for a mock, globally and for good.
package keyringtest

import (
	"bytes"
	"context"
	"errors"
	"imagekit-uploader/keystore"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const public = "public_keyring_integration_test"

// requireSecretService skips, with the reason, when no Secret Service answers.
// On Windows the store is Credential Manager, always there.
func requireSecretService(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Skip("no session bus (DBUS_SESSION_BUS_ADDRESS unset): run under scripts/with-keyring.sh (scripts/test.sh does)")
	}
	if _, err := exec.LookPath("secret-tool"); err != nil {
		t.Skip("secret-tool not installed (apt-get install libsecret-tools)")
	}
}

func TestKeyStoreAgainstSecretService(t *testing.T) {
	requireSecretService(t)
	ctx := context.Background()
	ks := keystore.DefaultKeyStore
	secret := "private_store_" + t.Name()
	if err := ks.Save(ctx, public+"_store", secret); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ks.Delete(ctx, public+"_store") })
	got, err := ks.Load(ctx, public+"_store")
	if err != nil || got != secret {
		t.Fatalf("load: %q, %v", got, err)
	}
	if err := ks.Delete(ctx, public+"_store"); err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Load(ctx, public+"_store"); !errors.Is(err, keystore.ErrNoKey) {
		t.Fatalf("after delete: %v, want ErrNoKey", err)
	}
}

func TestKeyCommandAgainstSecretService(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("asks secret-tool, Linux's reader of the Secret Service; TestKeyStoreAgainstSecretService covers Credential Manager")
	}
	requireSecretService(t)
	bin := filepath.Join(t.TempDir(), "imagekit-uploader")
	build := exec.Command("go", "build", "-o", bin, "imagekit-uploader")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), keystore.EnvPrivateKey+"=")
		cmd.Stdin = strings.NewReader(stdin)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	const private = "private_cli_integration_value"
	if out, err := run(private+"\n", "key", "set", "--public-key", public); err != nil {
		t.Fatalf("key set: %v\n%s", err, out)
	}
	t.Cleanup(func() { run("", "key", "delete", "--public-key", public) })
	out, err := run("", "key", "status", "--public-key", public)
	if err != nil || !strings.Contains(out, "is saved") || strings.Contains(out, private) {
		t.Fatalf("key status: %v\n%s", err, out)
	}
	look, err := exec.Command("secret-tool", "lookup", "service", keystore.Service, "username", public).Output()
	if err != nil || string(look) != private {
		t.Fatalf("secret-tool lookup service %s username %s: %q, %v", keystore.Service, public, look, err)
	}
	if out, err := run("", "key", "delete", "--public-key", public); err != nil {
		t.Fatalf("key delete: %v\n%s", err, out)
	}
	if look, err := exec.Command("secret-tool", "lookup", "service", keystore.Service, "username", public).Output(); err == nil && len(look) > 0 {
		t.Fatal("secret-tool still finds the key after key delete")
	}
	out, err = run("", "key", "status", "--public-key", public)
	if err == nil || !strings.Contains(out, "No private key") {
		t.Fatalf("key status after delete: %v\n%s", err, out)
	}
}
