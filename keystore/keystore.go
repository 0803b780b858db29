// Package keystore keeps secrets (the private key, a token endpoint's bearer)
// in the OS keyring: Keychain, Credential Manager or the Secret Service. Every
// call has a time limit, and failures come with advice a person can act on.
// It never writes a secret anywhere else.
package keystore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// Service is the keyring service name every secret of this app is saved under.
const Service = "imagekit-uploader"

// Environment variables that stand in for the keyring and flags, for scripts and CI.
const (
	EnvPrivateKey = "IMAGEKIT_PRIVATE_KEY"
	EnvPublicKey  = "IMAGEKIT_PUBLIC_KEY"
)

// ErrEmptySecret refuses a save with no name or no secret.
var ErrEmptySecret = errors.New("a key needs a name and a secret: neither may be empty")

// ErrNoKey means the keyring answered but holds no secret under that name.
var ErrNoKey = errors.New("no key is saved in the keyring")

// KeyringError means the OS keyring could not be used. Advice is a sentence a
// person can act on; Err keeps the raw cause for the details.
type KeyringError struct {
	Op     string // "read", "save", "delete"
	Advice string
	Err    error
}

func (e *KeyringError) Error() string {
	return fmt.Sprintf("cannot %s the key in the OS keyring: %s", e.Op, e.Advice)
}

func (e *KeyringError) Unwrap() error { return e.Err }

// KeyStore keeps secrets in the OS keyring (Keychain, Credential Manager,
// Secret Service), never anywhere else. The private key of an ImageKit
// account is saved under its public key.
type KeyStore struct {
	// ReadTimeout bounds Load; SaveTimeout bounds Save and Delete, which may
	// wait for a person to type the keyring's unlock password.
	ReadTimeout, SaveTimeout time.Duration
}

// DefaultKeyStore has the time limits the app and the CLI use.
var DefaultKeyStore = KeyStore{ReadTimeout: 10 * time.Second, SaveTimeout: 2 * time.Minute}

// Load returns the secret saved under name. It wraps ErrNoKey when there is none.
func (k KeyStore) Load(ctx context.Context, name string) (string, error) {
	var secret string
	err := k.call(ctx, "read", k.ReadTimeout, func() (err error) {
		secret, err = keyring.Get(Service, name)
		return err
	})
	return secret, err
}

// Save stores secret under name, replacing any earlier one.
func (k KeyStore) Save(ctx context.Context, name, secret string) error {
	if name == "" || secret == "" {
		return ErrEmptySecret
	}
	return k.call(ctx, "save", k.SaveTimeout, func() error { return keyring.Set(Service, name, secret) })
}

// Delete removes the secret under name. Deleting what is not there wraps ErrNoKey.
func (k KeyStore) Delete(ctx context.Context, name string) error {
	return k.call(ctx, "delete", k.SaveTimeout, func() error { return keyring.Delete(Service, name) })
}

// call runs one keyring operation with a time limit. go-keyring takes no
// context and a locked keyring can block forever on an unlock dialog, so the
// call runs in its own goroutine; on timeout that goroutine is left to finish
// on its own (it holds no lock of ours).
var calls sync.Mutex

func (k KeyStore) call(ctx context.Context, op string, limit time.Duration, f func() error) error {
	if limit <= 0 {
		limit = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		// One keyring call at a time in this process: the backends serialise
		// anyway (one D-Bus session, one Credential Manager), and go-keyring's
		// in-memory mock, which the tests use, is not safe otherwise.
		calls.Lock()
		defer calls.Unlock()
		done <- f()
	}()
	select {
	case err := <-done:
		return classify(op, err)
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return &KeyringError{Op: op, Err: ctx.Err(), Advice: fmt.Sprintf(
				"the keyring did not answer within %s; it is probably locked: unlock it (your login keyring or password manager) and try again", limit)}
		}
		return ctx.Err()
	}
}

func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("%w (%v)", ErrNoKey, err)
	}
	if errors.Is(err, keyring.ErrSetDataTooBig) {
		return &KeyringError{Op: op, Err: err, Advice: "the secret is too large for this keyring; an ImageKit private key is about 40 characters, check what was pasted"}
	}
	return &KeyringError{Op: op, Err: err, Advice: adviceFor(err.Error())}
}

// adviceFor turns the raw texts go-keyring's backends give into what to do.
// It speaks to the window's users too, so it leaves out the environment
// variable that only the commands read; they add it themselves.
func adviceFor(raw string) string {
	switch {
	case strings.Contains(raw, "dbus-launch"), strings.Contains(raw, "DBUS_SESSION_BUS_ADDRESS"),
		strings.Contains(raw, "session bus"):
		return "no desktop session bus is running, so the Secret Service cannot be reached; log in to a desktop session"
	case strings.Contains(raw, "was not provided by any .service files"), strings.Contains(raw, "ServiceUnknown"):
		return "no Secret Service is installed; install gnome-keyring (or enable KeePassXC's Secret Service integration), log in again and retry"
	case strings.Contains(raw, "failed to unlock"), strings.Contains(raw, "locked"):
		return "the keyring is locked or has no default collection; unlock it (for example in Passwords and Keys) and try again"
	case strings.Contains(raw, "timed out"):
		return "the Secret Service did not start in time; check that gnome-keyring (or another Secret Service) runs in your session"
	default:
		return "the keyring refused the request (" + raw + "); check that it is unlocked and try again"
	}
}

// PrivateKeyFor returns the private key for publicKey: IMAGEKIT_PRIVATE_KEY
// when it is set (scripts, CI), otherwise the keyring. from says which.
func (k KeyStore) PrivateKeyFor(ctx context.Context, publicKey string) (key, from string, err error) {
	if v := os.Getenv(EnvPrivateKey); v != "" {
		return v, EnvPrivateKey, nil
	}
	if publicKey == "" {
		return "", "", errors.New("no public key given: pass --public-key or set " + EnvPublicKey)
	}
	key, err = k.Load(ctx, publicKey)
	if errors.Is(err, ErrNoKey) {
		return "", "", fmt.Errorf("no private key is saved for public key %s: save it with `imagekit-uploader key set --public-key %s` (or in the app's Settings), or set %s", publicKey, publicKey, EnvPrivateKey)
	}
	return key, "keyring", err
}

// ErrPrivateAsPublic is a private key given where the public key belongs:
// it would travel as every token's kid, in the clear.
var ErrPrivateAsPublic = errors.New("that is the private key (it starts with private_); give the public key here: the private key stays on this computer")

// CheckPublicKey refuses a private key given as the public key.
func CheckPublicKey(pk string) error {
	if strings.HasPrefix(strings.TrimSpace(pk), "private_") {
		return ErrPrivateAsPublic
	}
	return nil
}
