#!/usr/bin/env bash
# Kill-and-rerun stress loop for resume (issue #28, item 18): each loop
# uploads 120 files of 60 KB to the emulator reading at 200 KB/s, SIGKILLs
# the command once about 40 are stored, runs the same command again, and
# checks that every path ends stored or reported in the rerun's output.
# Traffic goes to 127.0.0.1 only; each loop is bounded in time.
#   scripts/stress-resume.sh [LOOPS] [KILL_AT] [CONCURRENCY] [upload flags...]
# Prints one line a loop and "stress resume: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
loops=${1:-10} killat=${2:-40} conc=${3:-4}
shift $(( $# < 3 ? $# : 3 ))
work=$(mktemp -d); emu=""
trap 'kill $emu 2>/dev/null || true; rm -rf "$work"' EXIT
bin="$work/imagekit-uploader"
CGO_ENABLED=0 go build -trimpath -tags nogui -o "$bin" .
passed=0 failed=0
stored() { # paths stored, from the emulator's library (newest line per path)
  [ -f "$1/library.jsonl" ] || return 0
  sed -n 's/.*"Path":"\([^"]*\)".*/\1/p' "$1/library.jsonl" | sort -u
}
for loop in $(seq "$loops"); do
  w="$work/$loop"; mkdir -p "$w/files" "$w/home"
  for i in $(seq 0 119); do head -c 61440 /dev/urandom >"$w/files/p$i.jpg"; done
  env -i HOME="$w/home" "$bin" emulator --listen 127.0.0.1:0 --dir "$w/store" --throttle 200KB >"$w/emu.log" 2>&1 &
  emu=$!
  for _ in $(seq 100); do grep -q 'upload URL:' "$w/emu.log" && break; sleep 0.1; done
  url=$(sed -n 's/.*upload URL: //p' "$w/emu.log")
  args=(upload --json --endpoint "$url" --public-key public_demo_imagekit_uploader --concurrency "$conc" --journal "$w/job.jsonl" "$@" "$w/files")
  env -i HOME="$w/home" "$bin" "${args[@]}" >"$w/run1.out" 2>&1 &
  up=$!
  for _ in $(seq 3000); do
    [ "$(stored "$w/store" | wc -l)" -ge "$killat" ] && break
    kill -0 "$up" 2>/dev/null || break
    sleep 0.01
  done
  kill -KILL "$up" 2>/dev/null || true; wait "$up" 2>/dev/null || true
  at=$(stored "$w/store" | wc -l)
  rc=0; timeout 300 env -i HOME="$w/home" "$bin" "${args[@]}" >"$w/run2.out" 2>"$w/run2.err" || rc=$?
  kill "$emu"; wait "$emu" 2>/dev/null || true; emu=""
  lost="" twice=""
  for i in $(seq 0 119); do
    n=$(grep -c "\"path\":\"$w/files/p$i.jpg\"" "$w/run2.out" || true)
    [ "$n" -gt 1 ] && twice="$twice p$i"
    stored "$w/store" | grep -qE "/p${i}(_[0-9a-f]+)?\.jpg$" && continue
    [ "$n" -ge 1 ] || lost="$lost p$i"
  done
  echo "loop $loop: killed at $at stored, rerun exit $rc, $(wc -l <"$w/run2.out") lines, $(stored "$w/store" | wc -l) stored; lost:[$lost] reported twice:[$twice]"
  if [ -z "$lost$twice" ] && [ "$rc" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  rm -rf "$w"
done
echo "stress resume: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
