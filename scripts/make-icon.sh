#!/usr/bin/env bash
# Draws assets/Icon.png (1024x1024): a blue-violet tile with a stack of
# photos and an upload arrow. Run it again after changing the design.
set -euo pipefail
cd "$(dirname "$0")/.."
out=assets/Icon.png
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
S=1024
# Tile: a diagonal gradient, rounded.
convert -size ${S}x${S} gradient:'#2563eb-#7c3aed' -distort SRT 45 "$tmp/grad.png"
convert -size ${S}x${S} xc:none -fill white -draw "roundrectangle 48,48 975,975 200,200" "$tmp/mask.png"
convert "$tmp/grad.png" "$tmp/mask.png" -alpha off -compose CopyOpacity -composite "$tmp/tile.png"
# A photo behind, tilted; the photo in front with hills and a sun.
convert -size ${S}x${S} xc:none -fill 'rgba(255,255,255,0.45)' \
  -draw "roundrectangle 250,230 740,640 44,44" -distort SRT '512,435 1 -9 512,435' "$tmp/back.png"
convert -size ${S}x${S} xc:none \
  -fill white -draw "roundrectangle 230,300 730,710 44,44" \
  -fill '#6d5ae6' -draw "polygon 270,670 420,490 520,600 590,520 690,670" \
  -fill '#f59e0b' -draw "circle 610,400 655,400" "$tmp/front.png"
# The upload badge: a white disc with a bold arrow, bottom right.
convert -size ${S}x${S} xc:none \
  -fill 'rgba(15,23,42,0.25)' -draw "circle 716,724 888,724" \
  -fill white -draw "circle 710,712 880,712" \
  -fill '#2563eb' -draw "polygon 710,598 798,700 744,700 744,812 676,812 676,700 622,700" "$tmp/badge.png"
convert "$tmp/tile.png" "$tmp/back.png" -composite "$tmp/front.png" -composite "$tmp/badge.png" -composite \
  -strip "$out"
echo "wrote $out ($(identify -format '%wx%h' "$out"))"
