#!/usr/bin/env bash
# Runs every test: installs what is missing, then runs the suite on a private
# session bus with a throwaway, unlocked gnome-keyring, so the real-keyring
# tests run too and never touch your own keyring. Arguments go to go test
# (default ./...), e.g. scripts/test.sh -race ./...
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build test
export PATH="$(go env GOPATH)/bin:$PATH"
command -v gotestsum >/dev/null || go install gotest.tools/gotestsum@v1.13.0
export LANG=en_US.UTF-8
# The seed's own client signs with Node's jsonwebtoken (see emulator/seedclient_test.go),
# and ImageKit's official Node SDK uploads through the emulator (tokenserver/sdk_test.go).
seed=.cache/seed-client
if [ ! -d "$seed/node_modules/jsonwebtoken" ] || [ ! -f "$seed/node_modules/@imagekit/nodejs/package.json" ]; then
  npm install --prefix "$seed" --no-audit --no-fund --silent jsonwebtoken@9.0.3 @imagekit/nodejs@7.11.0 >/dev/null
fi
export SEED_CLIENT_NODE_PATH="$PWD/$seed/node_modules"
exec scripts/with-keyring.sh gotestsum --format pkgname-and-test-fails -- -count=1 -tags keyring_integration "${@:-./...}"
