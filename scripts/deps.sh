#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages this project needs, only those missing.
#   scripts/deps.sh build   compile the app (cgo, OpenGL and X11 headers)
#   scripts/deps.sh test    build + a real Secret Service, curl, Node.js, Xvfb, xclip (a real clipboard)
#   scripts/deps.sh package build + the Windows cross-compiler
#   scripts/deps.sh windows the Windows cross-compiler and wine, to run its tests
#   scripts/deps.sh shots   fonts for Japanese and Chinese, for scripts/screenshot.sh
set -euo pipefail
build=(gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev)
test=(gnome-keyring dbus libsecret-tools curl ca-certificates nodejs npm xvfb xauth imagemagick xdotool xclip shellcheck chromium)
package=(gcc-mingw-w64-x86-64 xz-utils zip file wixl msitools)
windows=(gcc-mingw-w64-x86-64 wine wine64)
shots=(fonts-noto-cjk)
want=("${build[@]}")
for set in "$@"; do
  case "$set" in
    build) ;;
    test) want+=("${test[@]}") ;;
    package) want+=("${package[@]}") ;;
    windows) want+=("${windows[@]}") ;;
    shots) want+=("${shots[@]}") ;;
    *) echo "deps.sh: unknown set '$set' (build, test, package, windows, shots)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js may come from elsewhere (nvm, NodeSource): a working node and npm will do.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/#nodejs/}"); missing=("${missing[@]/#npm/}")
fi
missing=($(printf '%s\n' "${missing[@]}" | sed '/^$/d'))
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
