package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"imagekit-uploader/signer"
)

// EnvTokenServerSecret holds the bearer secret token-server callers must send.
const EnvTokenServerSecret = "IMAGEKIT_TOKEN_SERVER_SECRET"

func cmdTokenServer(ctx context.Context, args []string, std stdio) error {
	fs := newFlags(std, "token-server", "token-server [--listen ADDR] --public-key PK [--allow-origin ORIGIN]", `
Serve the backend token endpoint for web and mobile clients:

  POST /auth  {"uploadPayload": {...}, "expire": N, "publicKey": "..."}
  -> 200 {"token": "<JWT>"}, signed here with the private key, exp - iat = expire

Callers must send "Authorization: Bearer <secret>", the secret taken from
IMAGEKIT_TOKEN_SERVER_SECRET (the server refuses to start without it). The
private key comes from the OS keyring, or IMAGEKIT_PRIVATE_KEY.`)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on")
	pk := publicKeyFlag(fs)
	origin := fs.String("allow-origin", "*", "value of Access-Control-Allow-Origin")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("token-server takes no arguments (got %q)", fs.Arg(0))
	}
	if *pk == "" {
		return usagef("token-server needs --public-key (or IMAGEKIT_PUBLIC_KEY)")
	}
	secret := os.Getenv(EnvTokenServerSecret)
	if secret == "" {
		return usagef("set %s to the bearer secret your clients will send; the endpoint must not serve anonymous callers", EnvTokenServerSecret)
	}
	priv, _, err := keyStore.PrivateKeyFor(ctx, *pk)
	if err != nil {
		return keyError(err)
	}
	s, err := signer.New(*pk, priv)
	if err != nil {
		return err
	}
	logger := log.New(std.err, "token-server: ", log.LstdFlags)
	mux := http.NewServeMux()
	mux.Handle("/auth", &signer.TokenHandler{Signer: s, Secret: secret, AllowOrigin: *origin, Log: logger.Printf})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{"message": "not found: the token endpoint is POST /auth"})
	})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", *listen, err)
	}
	logger.Printf("listening on http://%s/auth for public key %s", ln.Addr(), *pk)
	return serve(ctx, &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, ln)
}

// serve runs srv until ctx ends, then shuts it down gracefully.
func serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(sctx)
		if e := <-errc; !errors.Is(e, http.ErrServerClosed) {
			return e
		}
		return err
	}
}
