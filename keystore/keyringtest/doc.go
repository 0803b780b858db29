// Package keyringtest holds the tests that need a real Secret Service; they
// build only with -tags keyring_integration (scripts/test.sh runs them on a private keyring).
package keyringtest
