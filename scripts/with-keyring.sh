#!/usr/bin/env bash
# Runs a command on a private D-Bus session with gnome-keyring's Secret Service
# unlocked by a throwaway password, in throwaway data directories.
set -euo pipefail
export XDG_DATA_HOME=$(mktemp -d) XDG_RUNTIME_DIR=$(mktemp -d)
chmod 700 "$XDG_RUNTIME_DIR"
unset DISPLAY WAYLAND_DISPLAY   # a locked keyring must not wait on an unlock dialog
trap 'rm -rf "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"' EXIT
dbus-run-session -- sh -ec '
  printf %s throwaway-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1
  exec "$@"' sh "$@" 2> >(grep -v 'Failed to set fd limit' >&2)
