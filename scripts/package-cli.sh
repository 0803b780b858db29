#!/usr/bin/env bash
# package-cli.sh OUTDIR: the command line without the window, static
# (CGO_ENABLED=0, -tags nogui), for Linux amd64/arm64 (.tar.xz), Windows
# amd64 (.zip) and macOS amd64/arm64 (.tar.gz), as
# imagekit-uploader-cli-VERSION-OS-ARCH. Pure Go: all are built on any
# machine. Used by scripts/package.sh and the release workflow.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath "$1")
version=$(sed -n 's/^[[:space:]]*Version[[:space:]]*=[[:space:]]*"\(.*\)"/\1/p' FyneApp.toml)
cli=imagekit-uploader-cli-$version
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
for target in linux/amd64 linux/arm64 windows/amd64 darwin/amd64 darwin/arm64; do
  os=${target%/*} arch=${target#*/}
  dir="$work/$cli-$os-$arch"; mkdir -p "$dir"
  exe=imagekit-uploader; [ "$os" = windows ] && exe=imagekit-uploader.exe
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -tags nogui -ldflags "-s -w" -o "$dir/$exe" .
  cp README.md "$dir/"
  case $os in
    linux) tar -cJf "$out/$cli-$os-$arch.tar.xz" -C "$work" "$cli-$os-$arch" ;;
    windows) (cd "$work" && zip -qr "$out/$cli-$os-$arch.zip" "$cli-$os-$arch") ;;
    darwin) tar -czf "$out/$cli-$os-$arch.tar.gz" -C "$work" "$cli-$os-$arch" ;;
  esac
done
