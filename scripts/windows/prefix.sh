# shellcheck shell=bash
# Sourced by the scripts that run Windows binaries under wine: makes a wine
# prefix of this run's own in $1 and puts the ProcessPrng shim in it.
# Debian 12's wine 8 lacks ProcessPrng, which Go's Windows binaries call at
# start; scripts/windows/processprng.c stands in for it (built here with
# mingw-w64, never shipped). Wine 9 has it: then this can go.
# Wine maps file names between UTF-16 and Unix through the locale: one that
# is not installed (en_US.UTF-8 on a bare system) turns é into a name that
# is not found. C.UTF-8 is always there.
export WINEPREFIX="$1" WINEDEBUG=-all WINEDLLOVERRIDES="bcryptprimitives=n;mscoree,mshtml=" LANG=C.UTF-8 LC_ALL=C.UTF-8
wineboot -i >/dev/null 2>&1
x86_64-w64-mingw32-gcc -O2 -shared -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  scripts/windows/processprng.c scripts/windows/bcryptprimitives.def -ladvapi32
