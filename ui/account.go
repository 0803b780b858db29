package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"imagekit-uploader/keystore"
	"imagekit-uploader/signer"
	"imagekit-uploader/uploader"
)

// SigningMode is how upload tokens are made.
type SigningMode string

// The signing modes.
const (
	SignLocally   SigningMode = "key"      // with the private key in the OS keyring
	SignByRequest SigningMode = "endpoint" // by a team's token endpoint
)

// Account is where and how uploads go. It is kept in the app's preferences;
// the secrets (private key, token endpoint secret) only in the OS keyring.
type Account struct {
	PublicKey   string
	Endpoint    string
	Mode        SigningMode
	TokenURL    string
	Plan        uploader.Plan
	MaxFileSize int64 // the account's own limit per file, in place of the plan's; 0: the plan's
	LimitRate   int64 // bytes a second for all uploads together; 0: no limit
	Concurrency int
	Proxy       string // uploader.ProxyEnvironment, uploader.ProxyNone or a proxy URL
	// ReadLibrary lets a lost answer be settled by reading the media
	// library, which sends the private key to ImageKit's API (with a key
	// kept here only).
	ReadLibrary bool
}

const (
	prefPublicKey   = "account.publicKey"
	prefEndpoint    = "account.endpoint"
	prefMode        = "account.mode"
	prefTokenURL    = "account.tokenURL"
	prefPlan        = "account.plan"
	prefMaxFileSize = "account.maxFileSize"
	prefLimitRate   = "account.limitRate"
	prefConcurrency = "account.concurrency"
	prefProxy       = "account.proxy"
	prefReadLibrary = "account.readLibrary"
)

func loadAccount(p fyne.Preferences) Account {
	return Account{
		PublicKey:   p.String(prefPublicKey),
		Endpoint:    p.StringWithFallback(prefEndpoint, uploader.DefaultEndpoint),
		Mode:        SigningMode(p.StringWithFallback(prefMode, string(SignLocally))),
		TokenURL:    p.String(prefTokenURL),
		Plan:        uploader.Plan(p.StringWithFallback(prefPlan, string(uploader.PlanFree))),
		MaxFileSize: int64(p.Int(prefMaxFileSize)),
		LimitRate:   int64(p.Int(prefLimitRate)),
		Concurrency: p.IntWithFallback(prefConcurrency, uploader.DefaultConcurrency),
		Proxy:       p.StringWithFallback(prefProxy, uploader.ProxyEnvironment),
		ReadLibrary: p.Bool(prefReadLibrary),
	}
}

func (a Account) save(p fyne.Preferences) {
	p.SetString(prefPublicKey, a.PublicKey)
	p.SetString(prefEndpoint, a.Endpoint)
	p.SetString(prefMode, string(a.Mode))
	p.SetString(prefTokenURL, a.TokenURL)
	p.SetString(prefPlan, string(a.Plan))
	p.SetInt(prefMaxFileSize, int(a.MaxFileSize))
	p.SetInt(prefLimitRate, int(a.LimitRate))
	p.SetString(prefProxy, a.Proxy)
	p.SetInt(prefConcurrency, a.Concurrency)
	p.SetBool(prefReadLibrary, a.ReadLibrary)
}

// configured says whether uploads can be attempted at all.
func (a Account) configured() bool {
	if a.Mode == SignByRequest {
		return a.TokenURL != "" && a.PublicKey != ""
	}
	return a.PublicKey != ""
}

// check says what is wrong with the account's settings, field by field.
func (a Account) check() error {
	if a.PublicKey == "" {
		return errors.New(lang.L("enter the public key (ImageKit dashboard, Developer options)"))
	}
	if err := keystore.CheckPublicKey(a.PublicKey); err != nil {
		return wrapError(lang.L("public key: {{.Err}}", args{"Err": err}), err)
	}
	if err := uploader.CheckEndpoint(a.Endpoint); err != nil {
		return wrapError(lang.L("upload endpoint: {{.Err}}", args{"Err": err}), err)
	}
	if _, err := uploader.ProxyFunc(a.Proxy); err != nil {
		return err
	}
	if a.Mode == SignByRequest {
		if err := uploader.CheckEndpoint(a.TokenURL); err != nil {
			return wrapError(lang.L("token endpoint: {{.Err}}", args{"Err": err}), err)
		}
	}
	return nil
}

// wrapError is err said in msg, a translated sentence that holds err's
// text, still unwrapping to err (for errors.Is and errors.As).
func wrapError(msg string, err error) error { return &wrappedError{msg, err} }

type wrappedError struct {
	msg string
	err error
}

func (e *wrappedError) Error() string { return e.msg }
func (e *wrappedError) Unwrap() error { return e.err }

// tokenSecretName is the keyring name of a token endpoint's bearer secret.
func tokenSecretName(url string) string { return "token-endpoint " + url }

// secrets reads and writes the account's secrets in the OS keyring. Every
// call can block (a locked keyring waits for its password): call it off the
// UI goroutine.
type secrets struct {
	store keystore.KeyStore
}

// tokenSource builds the token source for acct, reading the secret it needs.
// signers is reused across batches so that tokens stay distinct.
func (s secrets) tokenSource(ctx context.Context, acct Account, cached *signer.Signer) (uploader.TokenSource, *signer.Signer, error) {
	if acct.Mode == SignByRequest {
		secret, err := s.store.Load(ctx, tokenSecretName(acct.TokenURL))
		if errors.Is(err, keystore.ErrNoKey) {
			return nil, cached, errors.New(lang.L("no bearer secret is saved for the token endpoint: enter it in Settings"))
		}
		if err != nil {
			return nil, cached, err
		}
		return uploader.RemoteTokens{URL: acct.TokenURL, Secret: secret, PublicKey: acct.PublicKey}, cached, nil
	}
	if cached != nil && cached.PublicKey() == acct.PublicKey {
		return uploader.LocalTokens{Signer: cached}, cached, nil
	}
	priv, err := s.store.Load(ctx, acct.PublicKey)
	if errors.Is(err, keystore.ErrNoKey) {
		return nil, cached, errors.New(lang.L("no private key is saved for this public key: enter it in Settings"))
	}
	if err != nil {
		return nil, cached, err
	}
	sg, err := signer.New(acct.PublicKey, priv)
	if err != nil {
		return nil, cached, err
	}
	return uploader.LocalTokens{Signer: sg}, sg, nil
}

// library is where acct's lost answers are looked for, when the person
// allowed it: ImageKit's API, read with the private key from the keyring.
func (s secrets) library(ctx context.Context, acct Account) (uploader.Library, error) {
	if !acct.ReadLibrary || acct.Mode != SignLocally {
		return nil, nil
	}
	priv, err := s.store.Load(ctx, acct.PublicKey)
	if err != nil {
		return nil, err
	}
	return uploader.APILibrary{Endpoint: uploader.LibraryEndpoint(acct.Endpoint), PrivateKey: priv}, nil
}

// settings are what a session uploads with for the account, signed by tokens.
func (a Account) settings(tokens uploader.TokenSource, notice func(string)) uploader.Settings {
	return uploader.Settings{Endpoint: a.Endpoint, Tokens: tokens, Proxy: a.Proxy, Retries: uploader.DefaultRetries,
		Concurrency: a.Concurrency, Limit: uploader.Limit{Plan: a.Plan, MaxFileSize: a.MaxFileSize}, LimitRate: a.LimitRate, Notice: notice}
}
