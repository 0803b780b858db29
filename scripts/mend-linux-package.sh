#!/usr/bin/env bash
# mend-linux-package.sh IN.tar.xz OUT.tar.xz: mends the Linux package that
# `fyne package` (1.7.4) makes. It writes the desktop entry's "%F" (the
# files "Open with" passes) into the Makefile's command name too, which
# breaks the install targets; and user-install should say when ~/.local/bin
# is not on PATH; and the desktop entry gets its translated Comment[xx] from
# the window's catalogue. Used by scripts/package.sh and the release workflow.
set -euo pipefail
in=$1 out=$2
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
tar -xJf "$in" -C "$work"
mk="$work/imagekit-uploader/Makefile"
sed -i 's/^Exec := "imagekit-uploader %F"$/Exec := "imagekit-uploader"/' "$mk"
note='\t@case ":$$PATH:" in *":$(HOME)/.local/bin:"*) ;; *) echo "Note: $(HOME)/.local/bin is not on your PATH: the menu entry works; to run imagekit-uploader in a terminal, add it (for example to ~/.profile)." ;; esac'
awk -v note="$note" '{ print } /^\tsed -i -e "s,Exec=/ { print note }' "$mk" >"$work/Makefile" && mv "$work/Makefile" "$mk"
grep -q '^Exec := "imagekit-uploader"$' "$mk" && grep -q 'is not on your PATH' "$mk" ||
  { echo "mend-linux-package.sh: the Makefile was not mended:" >&2; cat "$mk" >&2; exit 1; }
desktop=$(find "$work/imagekit-uploader" -name '*.desktop' | head -1)
[ -n "$desktop" ] || { echo "mend-linux-package.sh: no desktop entry in $in" >&2; exit 1; }
(cd "$(dirname "$0")/.." && go run ./scripts/desktop-l10n assets/lang) >"$work/l10n"
sed -i "/^Comment=/r $work/l10n" "$desktop"
grep -q '^Comment\[de\]=' "$desktop" || { echo "mend-linux-package.sh: the desktop entry has no translations:" >&2; cat "$desktop" >&2; exit 1; }
tar -cJf "$out" -C "$work" imagekit-uploader
