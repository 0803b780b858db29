#!/usr/bin/env bash
# Runs the app under Xvfb in demo mode with sample images, and writes
# screenshots of the main states into docs/: empty, uploading, done (dark and
# light), settings and history; then the main window, Settings, History and
# More options in German and Japanese, and at 1.5x (FYNE_SCALE). Look at them
# before calling a screen done.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SCREENSHOT_UNDER_XVFB:-}" ]; then
  scripts/deps.sh build test shots
  # A throwaway keyring, as a desktop session has one: Settings shows the
  # keyring's state as it opens.
  SCREENSHOT_UNDER_XVFB=1 exec scripts/with-keyring.sh xvfb-run -a -s '-screen 0 1920x1200x24' "$0" "$@"
fi
out=docs
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/imagekit-uploader" .

# Sample images: a folder with structure, and one with a long name.
samples="$work/Spring Shoot"
mkdir -p "$samples/dresses" "$samples/shoes"
i=0
for c in tomato steelblue seagreen gold orchid slategray coral teal; do
  i=$((i+1))
  dir="$samples"; [ $i -le 3 ] && dir="$samples/dresses"; [ $i -ge 7 ] && dir="$samples/shoes"
  convert -size 1600x1100 "gradient:$c-white" -attenuate 0.6 +noise Gaussian -quality 92 "$dir/look-$i.jpg"
done
convert -size 1400x900 "gradient:navy-skyblue" -attenuate 0.6 +noise Gaussian \
  "$samples/a very long file name for the summer campaign hero banner, final version 3 (approved).jpg"

export LANG=en_US.UTF-8
# One preset, saved by the command line, for the window to show.
export IMAGEKIT_UPLOADER_PRESETS="$work/presets.json"
"$work/imagekit-uploader" preset save "Summer shoot" --folder '/shoots/{yyyy}/{mm}' --tags summer,dress \
  --unique=false --custom-metadata '{"brand":"acme","season":"SS26"}' \
  --extensions '[{"name":"google-auto-tagging","maxTags":5,"minConfidence":90},{"name":"remove-bg"}]' 2>/dev/null
shot() { # shot NAME: capture the app's window
  import -window "$wid" "$out/$1.png"
  echo "wrote $out/$1.png"
}
start() { # start [ARGS...]: a fresh profile each time, so no key and no history leak in
  export HOME="$work/home-$RANDOM"
  mkdir -p "$HOME"
  "$work/imagekit-uploader" "$@" >"$work/app.log" 2>&1 &
  pid=$!
  wid=$(timeout 20 xdotool search --sync --onlyvisible --pid "$pid" | head -1)
  sleep 1.5
  xdotool mousemove --window "$wid" 500 78 click 1 # focus the window (on the banner: selects nothing)
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; }

run() {
  theme=$1
  export FYNE_THEME=$theme
  suffix=""; [ "$theme" = light ] && suffix="-light"
  if [ "$theme" = dark ]; then
    start # no key saved: every start like this opens Welcome
    shot screenshot-welcome
    stop
    start --demo
    shot screenshot-empty
    stop
  fi
  start --demo-throttle=1MB "$samples" # 10.8 MB through one 1 MB/s link
  sleep 1
  xdotool key --window "$wid" ctrl+Return
  sleep 2
  shot "screenshot-uploading$suffix"
  sleep 14
  shot "screenshot-done$suffix"
  if [ "$theme" = dark ]; then
    xdotool mousemove --window "$wid" 997 178 click 1 # the first row's Copy as menu
    sleep 1
    shot screenshot-copy-as
    xdotool key --window "$wid" Escape
    sleep 0.5
    xdotool mousemove --window "$wid" 500 78 click 1
    xdotool mousemove --window "$wid" 90 208 click 1 # the preset picker
    sleep 1
    shot screenshot-presets
    xdotool mousemove --window "$wid" 90 250 click 1 # pick "Summer shoot"
    sleep 1
    xdotool mousemove --window "$wid" 200 400 click --repeat 24 --delay 30 5 # scroll to the end: More options
    sleep 1
    xdotool mousemove --window "$wid" 86 544 click 1 # open it
    sleep 1
    xdotool mousemove --window "$wid" 12 300 sleep 0.5 click --repeat 20 --delay 40 5 # and into it (from the margin: an entry under the pointer would take the wheel)
    sleep 1
    shot screenshot-more-options
    xdotool key --window "$wid" ctrl+comma
    sleep 1
    shot screenshot-settings
    xdotool key --window "$wid" Escape
    sleep 0.5
    xdotool mousemove --window "$wid" 114 126 click 1 # the History tab
    sleep 1
    shot screenshot-history
  fi
  stop
}

run dark
run light

# In other languages and at 1.5x: the window where text is longest. The keys
# reach each screen, so no click depends on where a translation puts things.
around() { # around SUFFIX: the main window done, Settings, History, More options
  start --demo-throttle=4MB "$samples"
  sleep 2
  xdotool key --window "$wid" ctrl+Return
  sleep 6
  shot "screenshot-done-$1"
  xdotool key --window "$wid" ctrl+comma
  sleep 2
  shot "screenshot-settings-$1"
  xdotool key --window "$wid" Escape
  sleep 1
  xdotool key --window "$wid" ctrl+2
  sleep 2
  shot "screenshot-history-$1"
  xdotool key --window "$wid" ctrl+1
  sleep 1
  xdotool key --window "$wid" ctrl+m # More options, opened
  sleep 2
  shot "screenshot-more-options-$1"
  stop
}
export FYNE_THEME=light
for l in de ja; do
  IMAGEKIT_UPLOADER_LANGUAGE=$l around "$l"
done
FYNE_SCALE=1.5 around scale-1.5
