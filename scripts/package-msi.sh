#!/usr/bin/env bash
# Builds the Windows installer from the Windows .exe, with wixl (Debian's
# msitools): a per-user MSI (installer/imagekit-uploader.wxs).
#   scripts/package-msi.sh VERSION EXE OUT.msi
# With --check first, it also installs the MSI under wine, runs the
# installed command's --version, reads back its "Open with" entry and its
# uninstall entry, installs a newer one over it (one product, the newer
# version), and uninstalls it: nothing of it is left.
set -euo pipefail
cd "$(dirname "$0")/.."
check=false; [ "${1:-}" = "--check" ] && { check=true; shift; }
if [ $# -ne 3 ]; then echo "usage: scripts/package-msi.sh [--check] VERSION EXE OUT.msi" >&2; exit 2; fi
version=$1 exe=$2 out=$3
# Windows Installer takes MAJOR.MINOR.BUILD, each a number (0.1.0-rc1 is none).
[[ "$version" =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,5}$ ]] || { echo "package-msi: $version is not a version an MSI takes (MAJOR.MINOR.BUILD)" >&2; exit 2; }
command -v wixl >/dev/null || scripts/deps.sh package
abs() { (cd "$(dirname "$1")" && echo "$PWD/$(basename "$1")"); }
exe=$(abs "$exe") out=$(abs "$out") wxs=$PWD/installer/imagekit-uploader.wxs
# The build after this one: the installer replaces any version below it,
# this one included (a release built again).
after() { IFS=. read -r major minor build <<<"$1"; echo "$major.$minor.$((build + 1))"; }
msi() { # msi VERSION OUT: wixl finds File sources relative to the current folder
  (cd "$(dirname "$exe")" && wixl -a x64 -D Version="$1" -D NextVersion="$(after "$1")" -D Exe="$(basename "$exe")" -o "$2" "$wxs")
}
msi "$version" "$out"
echo "built $out"
$check || exit 0

work=$(mktemp -d)
trap 'wineserver -k 2>/dev/null; rm -rf "$work"' EXIT
# shellcheck source=scripts/windows/prefix.sh
. scripts/windows/prefix.sh "$work/prefix"
fail() { echo "msi: $*" >&2; exit 1; }
reg() { wine reg query "$@" 2>/dev/null | tr -d '\r'; }
installed="$WINEPREFIX/drive_c/users/$(whoami)/AppData/Local/Programs/ImageKit Uploader/imagekit-uploader.exe"
(cd "$work" && wine msiexec /i "$out" /qn) || fail "msiexec /i failed"
[ -f "$installed" ] || fail "not installed where expected: $installed"
got=$(cd "$work" && wine "$installed" --version | tr -d '\r')
[ "$got" = "imagekit-uploader $version" ] || fail "the installed command says '$got', want 'imagekit-uploader $version'"
reg 'HKCU\Software\Classes\Applications\imagekit-uploader.exe\shell\open\command' | grep -q 'imagekit-uploader.exe" "%1"' || fail "no Open with command"
reg 'HKCU\Software\Classes\.jpg\OpenWithList\imagekit-uploader.exe' | grep -q OpenWithList || fail "not in .jpg's Open with list"
menu="$WINEPREFIX/drive_c/users/$(whoami)/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/ImageKit Uploader.lnk"
[ -f "$menu" ] || fail "no Start-menu entry"
[ "$(reg 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' /s | grep -c 'DisplayName.*ImageKit Uploader')" = 1 ] || fail "not one uninstall entry"
reg 'HKCU\Environment' | grep -qi 'Path.*Programs\\ImageKit Uploader' || fail "the command is not on the user's PATH"
# The installed app opens its window (the demo) under Xvfb, logs nothing
# wrong, and quits when its window is asked to close (taskkill without /f
# sends WM_CLOSE), with exit 0. Fyne 2.7 on Windows may log "Preferences
# load error: EOF" when its file watcher reads the preferences while they
# are being written: its own race, passed over here.
command -v xvfb-run >/dev/null || scripts/deps.sh test
wineserver -k 2>/dev/null || true # one started with no display would give the app none
(cd "$work" && xvfb-run -a -s '-screen 0 1280x800x24' sh -c '
  wine "$1" --demo >"$2/app.log" 2>&1 &
  pid=$!
  timeout 60 xdotool search --sync --onlyvisible --name "ImageKit Uploader" >/dev/null || exit 3
  sleep 3
  import -window root "$2/window.png"
  wine taskkill /im imagekit-uploader.exe >/dev/null 2>&1
  for _ in $(seq 1 40); do kill -0 $pid 2>/dev/null || break; sleep 0.5; done
  kill -0 $pid 2>/dev/null && { kill $pid; exit 4; }
  wait $pid' sh "$installed" "$work") || fail "the installed app did not open its window and quit when asked (exit $?): $(cat "$work/app.log" 2>/dev/null)"
if grep -v -e 'Preferences load error' -e 'Cause: EOF' -e 'At: fyne.io/fyne/v2@v2.7.1/app/preferences.go' "$work/app.log" | grep -qi -e error -e panic; then
  fail "the app logged: $(cat "$work/app.log")"
fi
[ -n "${MSI_WINDOW_PNG:-}" ] && cp "$work/window.png" "$MSI_WINDOW_PNG"
echo "msi: the installed app opened its window and quit when asked"

# A newer MSI replaces this one: still one product, the newer version.
# (Windows Installer compares the first three parts of a version only.)
next=$(after "$version")
newer="$work/newer.msi"
msi "$next" "$newer"
(cd "$work" && wine msiexec /i "$newer" /qn) || fail "the upgrade failed"
reg 'HKCU\Environment' | grep -qi 'Path.*Programs\\ImageKit Uploader' || fail "the upgrade took the command off the user's PATH"
# The same version again (a rebuilt release) replaces it too: one entry.
(cd "$work" && wine msiexec /i "$out" /qn) 2>/dev/null || true # refused as a downgrade: fine
msi "$next" "$work/again.msi"
(cd "$work" && wine msiexec /i "$work/again.msi" /qn) || fail "the same version built again would not install"
entries=$(reg 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' /s | grep -A12 'DisplayName.*ImageKit Uploader' | grep -c "DisplayVersion.*$next" || true)
if [ "$(reg 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' /s | grep -c 'DisplayName.*ImageKit Uploader')" != 1 ] || [ "$entries" != 1 ]; then
  fail "after the upgrade: not one entry at $next"
fi
(cd "$work" && wine msiexec /x "$work/again.msi" /qn) || fail "msiexec /x failed"
[ ! -e "$installed" ] || fail "the command is still there after uninstalling"
if reg 'HKCU\Environment' | grep -qi 'ImageKit Uploader'; then fail "the user's PATH still names the app"; fi
reg 'HKCU\Software\Classes\Applications\imagekit-uploader.exe' | grep -q . && fail "the Open with entry is still there"
echo "msi: installed, answered --version, on the user's PATH, registered Open with, upgraded to $next, uninstalled cleanly"
