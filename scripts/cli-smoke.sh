#!/usr/bin/env bash
# Runs the static command line (CGO_ENABLED=0, -tags nogui) as a server would:
# in an empty environment with LANG=C, no display, no libGL. It starts the
# emulator and the token server from that binary and uploads through both.
# Prints "cli smoke: N passed, 0 failed" and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d); pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
bin="$work/imagekit-uploader"
CGO_ENABLED=0 go build -trimpath -tags nogui -o "$bin" .
passed=0 failed=0
check() { # check NAME COMMAND...: runs it, counts it
  if "${@:2}" >"$work/out" 2>&1; then passed=$((passed + 1)); echo "ok   $1"
  else failed=$((failed + 1)); echo "FAIL $1"; sed 's/^/     /' "$work/out"; fi
}

check "static binary" sh -c "ldd '$bin' 2>&1 | grep -q 'not a dynamic executable'"
check "--version alone on stdout, nothing from a toolkit" sh -c "[ \"\$(env -i LANG=C '$bin' --version 2>&1)\" = \"imagekit-uploader \$(sed -n 's/^[[:space:]]*Version[[:space:]]*=[[:space:]]*\"\(.*\)\"/\1/p' FyneApp.toml)\" ]"
check "the window says this build has none (exit 2)" sh -c "out=\$(env -i LANG=C '$bin' --demo 2>&1); [ \$? -eq 2 ] && echo \"\$out\" | grep -q 'no window'"

# The emulator, from the same binary, on a free port.
env -i LANG=C HOME="$work/home" PATH=/usr/bin:/bin "$bin" emulator --listen 127.0.0.1:0 --dir "$work/store" >"$work/emulator.log" 2>&1 &
pids+=($!) # the emulator's own pid (a shell function's would leave it running)
for _ in $(seq 100); do grep -q 'upload URL:' "$work/emulator.log" && break; sleep 0.1; done
url=$(sed -n 's/.*upload URL: //p' "$work/emulator.log")
printf 'hello from a server\n' >"$work/a.txt"
check "upload to the emulator" sh -c "env -i LANG=C HOME='$work/home' '$bin' upload --json --endpoint '$url' --public-key public_demo_imagekit_uploader --unique=false --folder /smoke '$work/a.txt' | grep -q '\"status\":\"uploaded\"'"

# The token server, from the same binary, and an upload that asks it for tokens.
printf 'smoke smoke-secret-0123456789\n' >"$work/clients"
env -i LANG=C HOME="$work/home" IMAGEKIT_PRIVATE_KEY=private_demo_imagekit_uploader \
  "$bin" token-server --listen 127.0.0.1:0 --public-key public_demo_imagekit_uploader --secrets-file "$work/clients" \
  >"$work/ts.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do grep -q 'listening on' "$work/ts.log" && break; sleep 0.1; done
auth=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$work/ts.log")
printf 'another file: the same bytes twice would be one upload\n' >"$work/b.txt"
check "upload with tokens from the token server" sh -c "env -i LANG=C HOME='$work/home' IMAGEKIT_TOKEN_ENDPOINT_SECRET=smoke-secret-0123456789 '$bin' upload --json --endpoint '$url' --token-endpoint '$auth' --public-key public_demo_imagekit_uploader --folder /smoke '$work/b.txt' | grep -q '\"status\":\"uploaded\"'"
check "nothing from Fyne in any output" sh -c "! grep -qi fyne '$work/emulator.log' '$work/ts.log'"

echo "cli smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
