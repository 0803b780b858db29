#!/usr/bin/env bash
# Builds the release artifacts into dist/:
#   imagekit-uploader-VERSION-linux-amd64.tar.xz  (fyne package: binary, .desktop file, icon, Makefile)
#   imagekit-uploader-VERSION-windows-amd64.msi   (the installer: per-user, Start menu, Open with, Send to)
#   imagekit-uploader-VERSION-windows-amd64.exe   (GUI subsystem, icon and version metadata)
#   imagekit-uploader-cli-VERSION-OS-ARCH.{tar.xz,zip,tar.gz}  (the static command line, no window:
#     linux amd64/arm64, windows amd64, darwin amd64/arm64; pure Go, so all are built here)
#   SHA256SUMS
# The version comes from FyneApp.toml. Installs the fyne CLI and the Windows
# cross-compiler when missing. With --check, it also unpacks the Linux package
# and opens the app from it under Xvfb (--demo), checks the .exe's headers, and
# runs the Linux CLI in an empty environment (LANG=C, no libGL): static, silent.
set -euo pipefail
cd "$(dirname "$0")/.."
check=false; [ "${1:-}" = "--check" ] && check=true
scripts/deps.sh build package
export PATH="$(go env GOPATH)/bin:$PATH"
command -v fyne >/dev/null || go install fyne.io/tools/cmd/fyne@v1.7.4

version=$(sed -n 's/^[[:space:]]*Version[[:space:]]*=[[:space:]]*"\(.*\)"/\1/p' FyneApp.toml)
build=$(sed -n 's/^[[:space:]]*Build[[:space:]]*=[[:space:]]*\([0-9]*\)/\1/p' FyneApp.toml)
name=imagekit-uploader-$version
mkdir -p dist
work=$(mktemp -d)
# fyne package adds one to Build in FyneApp.toml on every run: keep the tree clean.
cp FyneApp.toml "$work/FyneApp.toml.orig"
trap 'cp "$work/FyneApp.toml.orig" FyneApp.toml; rm -rf "$work"' EXIT
t0=$(date +%s)

echo "== Linux ($version)"
# Built here (as fyne package --release would) so that the command is
# imagekit-uploader while the desktop entry says ImageKit Uploader.
mkdir -p "$work/linux"
go build -trimpath -tags release -ldflags "-s -w" -o "$work/linux/imagekit-uploader" .
fyne package -os linux --release --app-build "$build" --exe "$work/linux/imagekit-uploader" --name "ImageKit Uploader" >/dev/null
scripts/mend-linux-package.sh "ImageKit Uploader.tar.xz" "dist/$name-linux-amd64.tar.xz" && rm "ImageKit Uploader.tar.xz"
t1=$(date +%s); echo "   $(( t1 - t0 )) s"

echo "== Windows ($version)"
CC=x86_64-w64-mingw32-gcc GOOS=windows GOARCH=amd64 CGO_ENABLED=1 \
  fyne package -os windows --release --app-build "$build" --name "ImageKit Uploader" --src . >/dev/null
mv "ImageKit Uploader.exe" "dist/$name-windows-amd64.exe"
# The installer around it (--check installs it under wine and takes it out again).
if $check; then scripts/deps.sh windows; msicheck=--check; else msicheck=; fi
MSI_WINDOW_PNG=dist/packaged-window-windows.png scripts/package-msi.sh $msicheck "$version" "dist/$name-windows-amd64.exe" "dist/$name-windows-amd64.msi"
t2=$(date +%s); echo "   $(( t2 - t1 )) s"

echo "== command line, static ($version)"
cli=imagekit-uploader-cli-$version
scripts/package-cli.sh dist
t3=$(date +%s); echo "   $(( t3 - t2 )) s"

(cd dist && sha256sum "$name-linux-amd64.tar.xz" "$name-windows-amd64.msi" "$name-windows-amd64.exe" "$cli"-* > SHA256SUMS)
ls -l dist

if $check; then
  echo "== checks"
  file "dist/$name-windows-amd64.exe" | tee "$work/file.txt"
  grep -q 'PE32+ executable (GUI) x86-64' "$work/file.txt" || { echo "not a PE32+ GUI executable" >&2; exit 1; }
  mkdir "$work/unpacked"
  tar -xJf "dist/$name-linux-amd64.tar.xz" -C "$work/unpacked"
  bin=$(find "$work/unpacked" -type f -name imagekit-uploader -perm -u+x | head -1)
  desktop=$(find "$work/unpacked" -name '*.desktop' | head -1)
  [ -n "$bin" ] && [ -n "$desktop" ] || { echo "the tarball lacks the binary or the .desktop file" >&2; exit 1; }
  grep -q '^Name=ImageKit Uploader$' "$desktop" && grep -q '^Exec=imagekit-uploader %F$' "$desktop" &&
    grep -q '^MimeType=.*image/jpeg;.*video/mp4;' "$desktop" && grep -q '^Comment\[ja\]=' "$desktop" ||
    { echo "the .desktop file does not name the app, its command with %F, and the types it opens, and its comment in Japanese:" >&2; cat "$desktop" >&2; exit 1; }
  # user-install into a fresh home whose PATH lacks ~/.local/bin: it installs,
  # keeps %F, and says what to add to PATH.
  (cd "$work/unpacked/imagekit-uploader" && HOME="$work/fresh" PATH=/usr/bin:/bin make user-install >"$work/install.log" 2>&1) ||
    { echo "make user-install failed:" >&2; cat "$work/install.log" >&2; exit 1; }
  [ -x "$work/fresh/.local/bin/imagekit-uploader" ] && grep -q "^Exec=$work/fresh/.local/bin/imagekit-uploader %F$" "$work/fresh/.local/share/applications/"*.desktop &&
    grep -q 'is not on your PATH' "$work/install.log" ||
    { echo "make user-install did not install the command, keep %F, or say it is off PATH:" >&2; cat "$work/install.log" >&2; exit 1; }
  "$bin" --version
  HOME="$work/home" xvfb-run -a -s '-screen 0 1280x800x24' sh -ec '
    "$1" --demo >"$2/app.log" 2>&1 &
    pid=$!
    wid=$(timeout 30 xdotool search --sync --onlyvisible --pid $pid | head -1)
    sleep 1
    import -window "$wid" "$2/window.png"
    kill $pid' sh "$bin" "$work"
  [ -s "$work/window.png" ] || { echo "the packaged app opened no window" >&2; exit 1; }
  echo "the packaged app opened its window ($(identify -format '%wx%h' "$work/window.png"))"
  cp "$work/window.png" dist/packaged-window.png

  # The command line runs where there is no desktop at all: static, no libGL,
  # and nothing from the toolkit on its output (Fyne logs a locale error under
  # LANG=C when it is linked in).
  mkdir "$work/cli-unpacked"
  tar -xJf "dist/$cli-linux-amd64.tar.xz" -C "$work/cli-unpacked"
  clibin="$work/cli-unpacked/$cli-linux-amd64/imagekit-uploader"
  linked=$(ldd "$clibin" 2>&1 || true) # ldd fails on a static binary, saying so
  grep -q 'not a dynamic executable' <<<"$linked" || { echo "the CLI is not static: $linked" >&2; exit 1; }
  out=$(env -i LANG=C "$clibin" --version 2>&1)
  [ "$out" = "imagekit-uploader $version" ] || { echo "the CLI printed more than its version: $out" >&2; exit 1; }
  out=$(env -i LANG=C "$clibin" upload --help 2>&1)
  if grep -qi 'fyne' <<<"$out"; then echo "the CLI printed Fyne output: $out" >&2; exit 1; fi
  for f in "$cli-windows-amd64.zip" "$cli-darwin-amd64.tar.gz" "$cli-darwin-arm64.tar.gz" "$cli-linux-arm64.tar.xz"; do
    [ -s "dist/$f" ] || { echo "missing dist/$f" >&2; exit 1; }
  done
  echo "the CLI is static and silent: $out" | head -1
  # The README's table of downloads gives each package's size: it must be
  # within a tenth of what was built, or say the new one.
  for f in "$name-linux-amd64.tar.xz" "$name-windows-amd64.msi" "$name-windows-amd64.exe"; do
    row=${f/$version/VERSION}
    said=$(grep -F "\`$row\`" README.md | grep -o '| [0-9.]* MB |' | grep -o '[0-9.]*' | head -1)
    built=$(stat -c %s "dist/$f")
    awk -v s="${said:-0}" -v b="$built" -v f="$row" 'BEGIN {
      m = b / 1000000
      if (s == 0) { printf "the README gives no size for %s: write %.1f MB\n", f, m; exit 1 }
      if (m < s * 0.9 || m > s * 1.1) { printf "the README says %s is %s MB; it is %.1f MB: write that\n", f, s, m; exit 1 }
      printf "%s: %.1f MB (the README says %s MB)\n", f, m, s
    }' >&2 || exit 1
  done
fi
