package keystore

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

// These tests swap go-keyring's backend for its in-memory mock (a global,
// one-way swap); the real Secret Service is tested in keyringtest/ behind the
// keyring_integration tag.

func TestKeyStoreRoundTrip(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	ks := DefaultKeyStore
	if _, err := ks.Load(ctx, "pk"); !errors.Is(err, ErrNoKey) {
		t.Fatalf("load before save: %v, want ErrNoKey", err)
	}
	if err := ks.Save(ctx, "pk", "secret1"); err != nil {
		t.Fatal(err)
	}
	if err := ks.Save(ctx, "pk", "secret2"); err != nil {
		t.Fatal(err)
	}
	if got, err := ks.Load(ctx, "pk"); err != nil || got != "secret2" {
		t.Fatalf("load: %q, %v; want the latest secret", got, err)
	}
	if err := ks.Delete(ctx, "pk"); err != nil {
		t.Fatal(err)
	}
	if err := ks.Delete(ctx, "pk"); !errors.Is(err, ErrNoKey) {
		t.Fatalf("second delete: %v, want ErrNoKey", err)
	}
	if err := ks.Save(ctx, "pk", ""); !errors.Is(err, ErrEmptySecret) {
		t.Fatalf("empty secret: %v", err)
	}
}

func TestPrivateKeyFor(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	ks := DefaultKeyStore
	t.Setenv(EnvPrivateKey, "")
	_, _, err := ks.PrivateKeyFor(ctx, "pk")
	if err == nil || !strings.Contains(err.Error(), "key set --public-key pk") {
		t.Fatalf("missing key: %v, want advice to run key set", err)
	}
	if err := ks.Save(ctx, "pk", "from-keyring"); err != nil {
		t.Fatal(err)
	}
	if k, from, err := ks.PrivateKeyFor(ctx, "pk"); err != nil || k != "from-keyring" || from != "keyring" {
		t.Fatalf("%q from %q: %v", k, from, err)
	}
	t.Setenv(EnvPrivateKey, "from-env")
	if k, from, err := ks.PrivateKeyFor(ctx, "pk"); err != nil || k != "from-env" || from != EnvPrivateKey {
		t.Fatalf("env override: %q from %q: %v", k, from, err)
	}
}

// TestKeyringUnavailable feeds the raw errors Linux users meet (KEYRING.md)
// and checks each becomes advice a person can act on, keeping the raw cause.
func TestKeyringUnavailable(t *testing.T) {
	cases := []struct{ raw, want string }{
		{`exec: "dbus-launch": executable file not found in $PATH`, "no desktop session bus"},
		{"The name org.freedesktop.secrets was not provided by any .service files", "install gnome-keyring"},
		{"failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'", "locked"},
		{"failed to unlock correct collection '/org/freedesktop/secrets/collection/login'", "unlock it"},
		{"Failed to activate service 'org.freedesktop.secrets': timed out", "did not start in time"},
		{"something new", "something new"},
	}
	for _, c := range cases {
		raw := errors.New(c.raw)
		keyring.MockInitWithError(raw)
		for _, op := range []func() error{
			func() error { _, err := DefaultKeyStore.Load(context.Background(), "pk"); return err },
			func() error { return DefaultKeyStore.Save(context.Background(), "pk", "s") },
		} {
			err := op()
			var ke *KeyringError
			if !errors.As(err, &ke) || !errors.Is(err, raw) {
				t.Fatalf("%q: %v, want a KeyringError wrapping the cause", c.raw, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("%q gave %q, want advice with %q", c.raw, err, c.want)
			}
		}
	}
}

func TestKeyringTimeout(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	ks := KeyStore{ReadTimeout: 50e6}
	err := ks.call(context.Background(), "read", ks.ReadTimeout, func() error { <-block; return nil })
	var ke *KeyringError
	if !errors.As(err, &ke) || !strings.Contains(err.Error(), "probably locked") {
		t.Fatalf("blocked keyring: %v, want a timeout that says it is locked", err)
	}
}
