#!/usr/bin/env bash
# Runs the tests without the window, cross-compiled for windows/amd64, under
# wine: each package's test binary in a wine prefix of its own run. Prints
# "windows: N passed, N failed, N skipped" and exits non-zero on a failure.
#
#   scripts/windows-test.sh            every package
#   scripts/windows-test.sh ./uploader one
#
# Debian 12's wine 8 lacks ProcessPrng, which Go's Windows binaries call at
# start: scripts/windows/processprng.c stands in for it (built here with
# mingw-w64; never shipped).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
if ! command -v wine >/dev/null || ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
  scripts/deps.sh windows
fi
work=$(mktemp -d)
trap 'wineserver -k 2>/dev/null; rm -rf "$work"' EXIT
export IKU_UNDER_WINE=1
# shellcheck source=scripts/windows/prefix.sh
. scripts/windows/prefix.sh "$work/prefix" || exit 1

# keyring_integration: the key store against Credential Manager (keystore/keyringtest).
tags="nogui keyring_integration"
pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then
  mapfile -t pkgs < <(GOOS=windows CGO_ENABLED=0 go list -tags "$tags" -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./... | grep -v -e /ui$ -e /scripts/)
fi
passed=0 failed=0 skipped=0 broken=()
for p in "${pkgs[@]}"; do
  name=$(basename "$p")
  exe="$work/$name.test.exe"
  # -checklinkname=0: internal/winetest reaches a switch of the standard
  # library's, for wine 8 only (see there).
  if ! GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go test -c -tags "$tags" -ldflags=-checklinkname=0 -o "$exe" "$p" 2>"$work/build.log"; then
    echo "✖  $p: does not build for Windows"; sed 's/^/   /' "$work/build.log" | head -20
    failed=$((failed + 1)) broken+=("$p"); continue
  fi
  dir=$(go list -f '{{.Dir}}' "$p")
  # The test binary runs in its package's folder, as go test does.
  (cd "$dir" && timeout 900 wine "$exe" -test.v -test.short -test.timeout 600s) >"$work/$name.log" 2>&1
  rc=$?
  p_ok=$(grep -c '^\s*--- PASS' "$work/$name.log")
  p_fail=$(grep -c '^\s*--- FAIL' "$work/$name.log")
  p_skip=$(grep -c '^\s*--- SKIP' "$work/$name.log")
  # A binary that passed exits 0 and ends with PASS: anything else died,
  # timed out, or failed in TestMain or a goroutine after its tests.
  if [ "$p_fail" -eq 0 ] && { [ "$rc" -ne 0 ] || [ "$(grep -v '^\s*$' "$work/$name.log" | tail -1)" != PASS ]; }; then
    p_fail=$((p_fail + 1))
    echo "✖  $p: the test binary did not finish well (exit $rc)"; tail -20 "$work/$name.log" | sed 's/^/   /'
  fi
  passed=$((passed + p_ok)) failed=$((failed + p_fail)) skipped=$((skipped + p_skip))
  if [ "$p_fail" -gt 0 ]; then
    echo "✖  $p: $p_ok passed, $p_fail failed, $p_skip skipped"
    # each failed test, from its RUN line to its FAIL line
    awk '/^=== RUN/ {buf = ""} {buf = buf $0 "\n"} /^\s*--- FAIL/ {printf "%s", buf; buf = ""}' "$work/$name.log" | head -80 | sed 's/^/   /'
    broken+=("$p")
  else
    echo "✓  $p: $p_ok passed, $p_skip skipped"
  fi
  if [ "$p_skip" -gt 0 ]; then # which, and why: each says so
    awk '/^\s*--- SKIP/ {sub(/^\s*/, "", prev); printf "   skipped %s: %s\n", $3, prev} {prev = $0}' "$work/$name.log" | cut -c1-170
  fi
done
echo "windows: $passed passed, $failed failed, $skipped skipped"
[ ${#broken[@]} -eq 0 ]
