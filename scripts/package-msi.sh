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
version=$1 exe=$2 out=$3
command -v wixl >/dev/null || scripts/deps.sh package
abs() { (cd "$(dirname "$1")" && echo "$PWD/$(basename "$1")"); }
exe=$(abs "$exe") out=$(abs "$out") wxs=$PWD/installer/imagekit-uploader.wxs
# wixl finds File sources relative to the current folder.
(cd "$(dirname "$exe")" && wixl -a x64 -D Version="$version" -D Exe="$(basename "$exe")" -o "$out" "$wxs")
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
# A newer MSI replaces this one: still one product, the newer version.
# (Windows Installer compares the first three parts of a version only.)
IFS=. read -r major minor patch _ <<<"$version"
next="$major.$minor.$((patch + 1))"
newer="$work/newer.msi"
(cd "$(dirname "$exe")" && wixl -a x64 -D Version="$next" -D Exe="$(basename "$exe")" -o "$newer" "$wxs")
(cd "$work" && wine msiexec /i "$newer" /qn) || fail "the upgrade failed"
entries=$(reg 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' /s | grep -A12 'DisplayName.*ImageKit Uploader' | grep -c "DisplayVersion.*$next" || true)
if [ "$(reg 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' /s | grep -c 'DisplayName.*ImageKit Uploader')" != 1 ] || [ "$entries" != 1 ]; then
  fail "after the upgrade: not one entry at $next"
fi
(cd "$work" && wine msiexec /x "$newer" /qn) || fail "msiexec /x failed"
[ ! -e "$installed" ] || fail "the command is still there after uninstalling"
reg 'HKCU\Software\Classes\Applications\imagekit-uploader.exe' | grep -q . && fail "the Open with entry is still there"
echo "msi: installed, answered --version, registered Open with, upgraded to $next, uninstalled cleanly"
