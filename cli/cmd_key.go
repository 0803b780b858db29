package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"imagekit-uploader/keystore"

	"golang.org/x/term"
)

// keyStore is where the CLI keeps private keys; tests swap the time limits.
var keyStore = keystore.DefaultKeyStore

func cmdKey(ctx context.Context, args []string, std Stdio) error {
	const about = `Manage the private key in the OS keyring (Keychain, Credential Manager,
Secret Service). The key is saved under its public key and never written to a
file. For scripts and CI, IMAGEKIT_PRIVATE_KEY overrides the keyring.

  key set --public-key PK      read the private key from standard input and save it
  key status --public-key PK   say whether a private key is saved (exit 1 if not)
  key delete --public-key PK   remove the saved private key`
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fs := newFlags(std, "key", "key set|status|delete --public-key PK", about)
		if len(args) == 0 {
			fs.help(std.Err)
			return usagef("key needs one of: set, status, delete")
		}
		fs.help(std.Out)
		return flag.ErrHelp
	}
	sub := args[0]
	switch sub {
	case "set", "status", "delete":
	default:
		// Not repeated: it may well be the private key, pasted in the wrong place.
		return usagef("unknown key command; use set, status or delete")
	}
	fs := newFlags(std, "key "+sub, "key "+sub+" --public-key PK", about)
	pk := publicKeyFlag(fs)
	if err := fs.parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		// The argument is not repeated: it may well be the private key itself.
		return usagef("key %s takes no arguments; the private key is read from standard input (or typed, hidden) so that it stays out of shell history and process lists", sub)
	}
	if err := keystore.CheckPublicKey(*pk); err != nil {
		return usagef("--public-key: %v", err)
	}
	if *pk == "" {
		return usagef("key %s needs --public-key (or IMAGEKIT_PUBLIC_KEY)", sub)
	}
	switch sub {
	case "set":
		return keySet(ctx, *pk, std)
	case "status":
		return keyStatus(ctx, *pk, std)
	default: // "delete"
		err := keyStore.Delete(ctx, *pk)
		if errors.Is(err, keystore.ErrNoKey) {
			fmt.Fprintf(std.Out, "No private key was saved for %s; nothing to delete.\n", *pk)
			return nil
		}
		if err != nil {
			return keyError(err)
		}
		fmt.Fprintf(std.Out, "Deleted the private key for %s from the OS keyring.\n", *pk)
		return nil
	}
}

func keySet(ctx context.Context, pk string, std Stdio) error {
	secret, err := readSecret(std, fmt.Sprintf("Private key for %s (input hidden): ", pk))
	if err != nil {
		return err
	}
	switch {
	case secret == "": // bad input, exit 2
		return usageError{"no private key was given on standard input; nothing saved"}
	case strings.HasPrefix(secret, "public_"):
		return usageError{"that is a public key; paste the private key (it starts with private_) from the ImageKit dashboard's Developer options"}
	case secret == pk:
		return usageError{"the private key is the same as the public key; nothing saved"}
	}
	if err := keyStore.Save(ctx, pk, secret); err != nil {
		return keyError(err)
	}
	fmt.Fprintf(std.Out, "Saved the private key for %s in the OS keyring.\n", pk)
	return nil
}

// readSecret reads one secret from standard input without echoing it when
// that is a terminal; from a pipe it reads the first line.
func readSecret(std Stdio, prompt string) (string, error) {
	if f, ok := std.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(std.Err, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(std.Err)
		if err != nil {
			return "", fmt.Errorf("reading the private key: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	line, err := bufio.NewReader(std.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the private key from standard input: %w", err)
	}
	return strings.TrimSpace(line), nil
}

func keyStatus(ctx context.Context, pk string, std Stdio) error {
	_, err := keyStore.Load(ctx, pk)
	if os.Getenv(keystore.EnvPrivateKey) != "" {
		fmt.Fprintf(std.Out, "Note: %s is set in this environment and is used instead of the keyring.\n", keystore.EnvPrivateKey)
	}
	switch {
	case err == nil:
		fmt.Fprintf(std.Out, "A private key for %s is saved in the OS keyring.\n", pk)
		return nil
	case errors.Is(err, keystore.ErrNoKey):
		fmt.Fprintf(std.Out, "No private key is saved for %s. Save one with: imagekit-uploader key set --public-key %s\n", pk, pk)
		return errFailed
	default:
		return keyError(err) // the keyring cannot be reached: exit 2
	}
}
