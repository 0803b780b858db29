package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"imagekit-uploader/keystore"
	"imagekit-uploader/signer"
	"imagekit-uploader/tokenserver"
	"imagekit-uploader/uploader"
)

// EnvTokenServerSecret holds the bearer secret token-server callers must send.
const EnvTokenServerSecret = "IMAGEKIT_TOKEN_SERVER_SECRET"

func cmdTokenServer(ctx context.Context, args []string, std Stdio) error {
	fs := newFlags(std, "token-server", "token-server --public-key PK [--secrets-file FILE] [policy flags] [--listen ADDR]", `
Serve the backend token endpoint for web and mobile clients:

  POST /auth  {"uploadPayload": {...}, "expire": N, "publicKey": "..."}
  -> 200 {"token": "<JWT>"}, signed here with the private key, exp - iat = expire

expire is required: whole seconds, 1 to --max-expire. Callers send
"Authorization: Bearer <secret>", one of the clients' secrets: from
--secrets-file (one client a line, "NAME SECRET", # comments) and/or
IMAGEKIT_TOKEN_SERVER_SECRET (a client named "default"); the server refuses to
start without one. A web client's secret ships in its code and is in effect
public, so the policy flags limit what any caller can have signed; a refusal
is 403 naming the rule. Each token signed writes one audit line (JSON: time,
client, address, fields; never a secret or a token) to stderr or --audit-log.

The private key comes from the OS keyring, or IMAGEKIT_PRIVATE_KEY. It listens
on 127.0.0.1:8080 by default: put it behind your HTTPS proxy.`)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on")
	pk := publicKeyFlag(fs)
	origin := fs.String("allow-origin", "*", "value of Access-Control-Allow-Origin")
	secretsFile := fs.String("secrets-file", "", "clients and their bearer secrets, one \"NAME SECRET\" a line")
	folderPrefix := fs.String("folder-prefix", "", "sign only uploads into this folder or below (e.g. /web)")
	requireUnique := fs.Bool("require-unique", false, "sign only uploads that cannot replace a file: useUniqueFileName=true, or a fixed name with overwriteFile=false")
	allowFields := fs.String("allow-fields", "default", "upload fields a caller may send; \"default\" is "+strings.Join(tokenserver.DefaultAllowFields, ",")+" (add e.g. "+strings.Join(tokenserver.ReachingFields, ", ")+")")
	maxExpire := fs.Int("max-expire", int(signer.MaxLifetime/time.Second), "the longest expire a caller may ask for, in seconds")
	rate := fs.Int("rate", 0, "tokens a minute per client, then 429 with Retry-After (0: no limit)")
	auditLog := fs.String("audit-log", "", "append the audit lines to this file instead of stderr")
	lookup := fs.Bool("lookup", false, "also serve POST /lookup: a file's path, size, versions and URL from the media library, under --folder-prefix, for the same clients and --rate; uploaders with --read-library settle lost answers through it")
	apiEndpoint := fs.String("api-endpoint", uploader.LibraryEndpoint(uploader.DefaultEndpoint), "where /lookup reads ImageKit's API (e.g. a local emulator's http://127.0.0.1:8087)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("token-server takes no arguments (got %q)", fs.Arg(0))
	}
	if *pk == "" {
		return usagef("token-server needs --public-key (or IMAGEKIT_PUBLIC_KEY)")
	}
	if err := keystore.CheckPublicKey(*pk); err != nil {
		return usagef("--public-key: %v", err)
	}
	allowed, err := tokenserver.ParseAllowFields(*allowFields)
	if err != nil {
		return usagef("--allow-fields: %v", err)
	}
	if *maxExpire < 1 || *maxExpire > int(signer.MaxLifetime/time.Second) {
		return usagef("--max-expire must be from 1 to 3600 seconds")
	}
	if *rate < 0 {
		return usagef("--rate must not be negative")
	}
	if *folderPrefix != "" && !strings.HasPrefix(*folderPrefix, "/") {
		return usagef("--folder-prefix must start with / (e.g. /web)")
	}
	clients, err := loadClients(*secretsFile)
	if err != nil {
		return err
	}
	priv, _, err := keyStore.PrivateKeyFor(ctx, *pk)
	if err != nil {
		return keyError(err)
	}
	s, err := signer.New(*pk, priv)
	if err != nil {
		return err
	}
	audit := std.Err
	if *auditLog != "" {
		f, err := os.OpenFile(*auditLog, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return configError{fmt.Errorf("--audit-log: %w", err)}
		}
		defer f.Close()
		audit = f
	}
	logger := log.New(std.Err, "token-server: ", log.LstdFlags)
	mux := http.NewServeMux()
	auth := &tokenserver.TokenHandler{Signer: s, Clients: clients, AllowOrigin: *origin, Log: logger.Printf, Audit: audit,
		Policy: tokenserver.Policy{AllowFields: allowed, FolderPrefix: *folderPrefix, RequireUnique: *requireUnique,
			MaxExpire: time.Duration(*maxExpire) * time.Second, Rate: *rate}}
	mux.Handle("/auth", auth)
	if *lookup {
		if err := uploader.CheckEndpoint(*apiEndpoint + "/v1/files"); err != nil {
			return usagef("--api-endpoint: %v", err)
		}
		mux.Handle("/lookup", &tokenserver.LookupHandler{Auth: auth, Library: uploader.APILibrary{Endpoint: *apiEndpoint, PrivateKey: priv, Gate: uploader.NewGate()}})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{"message": "not found: the token endpoint is POST /auth"})
	})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", *listen, err)
	}
	logger.Printf("listening on http://%s/auth for public key %s, %d clients", ln.Addr(), *pk, len(clients))
	return serve(ctx, &http.Server{Handler: mux, ReadHeaderTimeout: tokenServerLimits.header, ReadTimeout: tokenServerLimits.read,
		WriteTimeout: tokenServerLimits.write, IdleTimeout: tokenServerLimits.idle, MaxHeaderBytes: 64 << 10}, ln)
}

// tokenServerLimits bound how long a caller can hold a connection: a token
// request is a small body, so a slow or greedy client is cut off soon.
var tokenServerLimits = struct{ header, read, write, idle time.Duration }{
	header: 5 * time.Second, read: 10 * time.Second, write: 10 * time.Second, idle: 60 * time.Second,
}

// loadClients reads --secrets-file and IMAGEKIT_TOKEN_SERVER_SECRET: at
// least one client must be known.
func loadClients(file string) (tokenserver.Clients, error) {
	clients := tokenserver.Clients{}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, configError{fmt.Errorf("--secrets-file: %w", err)}
		}
		defer f.Close()
		if clients, err = tokenserver.ParseClients(f); err != nil {
			return nil, configError{fmt.Errorf("--secrets-file %s: %w", file, err)}
		}
	}
	if secret := bearerSecret(); secret != "" {
		if err := clients.Add("default", secret); err != nil {
			return nil, configError{fmt.Errorf("%s and --secrets-file: %w", EnvTokenServerSecret, err)}
		}
	}
	if len(clients) == 0 {
		return nil, usagef("give the bearer secrets your clients will send: --secrets-file FILE, or %s; the endpoint must not serve anonymous callers", EnvTokenServerSecret)
	}
	return clients, nil
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
