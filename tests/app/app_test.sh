#!/usr/bin/env bash
# `inferno app` as a user meets it, under a private Xvfb:
#  1. no display: it says so, suggests `inferno serve`, exits non-zero, serves nothing;
#     a display that cannot be opened: the same, and the server it started is gone;
#  2. the window up: the port answers the UI's files but every API route and the WebSocket
#     refuse requests without the per-launch key (401), foreign origins still get 403;
#     SIGTERM closes the window and the app exits 0, its store closed;
#  3. the window shows the UI with the -m model, a model file handed to it as its file dialog
#     would (test hook) is served and selected, a screenshot is written, the window closes
#     and the app exits 0.
# Usage: app_test.sh BUILD_DIR MODEL SCREENSHOT_PNG. Exit 77 (ctest SKIP) without WebKitGTK.
set -euo pipefail

build_dir=$(cd "$1" && pwd)
model=$2
screenshot=$3
inferno="$build_dir/inferno"
work=$(mktemp -d "${TMPDIR:-/tmp}/inferno-app-test.XXXXXX")
app_pid="" xvfb_pid=""
cleanup() {
  if [[ -n $app_pid ]] && kill -0 "$app_pid" 2>/dev/null; then kill "$app_pid"; fi
  if [[ -n $xvfb_pid ]]; then kill "$xvfb_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.out "$work"/*.err; do [[ -s $f ]] && { echo "--- $f"; tail -20 "$f"; } >&2; done
  exit 1
}

# 1. Without a display, before anything is served.
rc=0
env -u DISPLAY -u WAYLAND_DISPLAY "$inferno" app -m "$model" --data-dir "$work/nodisplay" -t 1 -q \
  >"$work/nodisplay.out" 2>"$work/nodisplay.err" || rc=$?
[[ $rc -ne 0 ]] || fail "no display: exit 0"
grep -q 'no display' "$work/nodisplay.err" || fail "no display: $(cat "$work/nodisplay.err")"
grep -q 'inferno serve' "$work/nodisplay.err" || fail "no display: serve not suggested"
[[ ! -s $work/nodisplay.out ]] || fail "no display: it served: $(cat "$work/nodisplay.out")"
echo "no display: exit $rc, '$(head -1 "$work/nodisplay.err")'"

if [[ ${INFERNO_WEBKIT_FOUND:-} != 1 || ! -x $build_dir/inferno-window ]]; then
  echo "SKIP: WebKitGTK 4.1 was not found at configure time: no inferno-window to test"
  exit 77
fi

# A display that does not exist: the window fails, the server it started stops.
rc=0
env -u WAYLAND_DISPLAY DISPLAY=:7999 "$inferno" app -m "$model" --data-dir "$work/baddisplay" -t 1 -q \
  >"$work/baddisplay.out" 2>"$work/baddisplay.err" || rc=$?
[[ $rc -ne 0 ]] || fail "unusable display: exit 0"
grep -q 'serving on' "$work/baddisplay.out" || fail "unusable display: never served"
grep -q 'cannot open a window' "$work/baddisplay.err" || fail "unusable display: no message"
echo "unusable display: exit $rc, '$(grep '^inferno app:' "$work/baddisplay.err")'"

# A private X server on a free display (no window manager: the window opens as asked).
# -noreset: by default an X server resets when its last client leaves, and a client that
# connects during the reset is refused. The third case once failed with "cannot open a
# display" right after the second case's window had closed (CI, machine loaded by a build);
# not reproduced since in 24 runs beside three busy loops, with or without the flag.
exec 3>"$work/display"
Xvfb -displayfd 3 -screen 0 1400x900x24 -nolisten tcp -noreset >"$work/xvfb.out" 2>&1 &
xvfb_pid=$!
exec 3>&-
for _ in $(seq 1 100); do [[ -s $work/display ]] && break; sleep 0.1; done
[[ -s $work/display ]] || fail "Xvfb did not start"
export DISPLAY=":$(cat "$work/display")"
unset WAYLAND_DISPLAY

# Starts `inferno app ARGS...` in the background; sets app_pid and port.
start_app() {
  local name=$1
  shift
  : >"$work/$name.out"  # before the background job opens it: sed below may run first
  "$inferno" app -m "$model" -t 1 -q "$@" >"$work/$name.out" 2>"$work/$name.err" &
  app_pid=$!
  port=""
  for _ in $(seq 1 600); do
    port=$(sed -n 's|^inferno app: serving on 127.0.0.1:\([0-9]*\)$|\1|p' "$work/$name.out")
    [[ -n $port ]] && break
    kill -0 "$app_pid" 2>/dev/null || fail "$name: app exited"
    sleep 0.1
  done
  [[ -n $port ]] || fail "$name: no port printed"
}
status_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# 2. The API without the key.
start_app locked --data-dir "$work/data"
url="http://127.0.0.1:$port"
[[ $(status_of "$url/") == 200 ]] || fail "GET / is not served"
for path in /v1/models /api/conversations /api/sessions; do
  [[ $(status_of "$url$path") == 401 ]] || fail "GET $path without the key: $(status_of "$url$path")"
done
[[ $(status_of -H 'Authorization: Bearer 0123456789abcdef0123456789abcdef' "$url/v1/models") == 401 ]] ||
  fail "a wrong key was accepted"
[[ $(status_of -X POST -H 'Content-Type: application/json' -d "{\"path\":\"$model\"}" \
  "$url/api/app/models") == 401 ]] || fail "POST /api/app/models without the key"
[[ $(status_of -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
  -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$url/ws") == 401 ]] || fail "/ws without the key"
[[ $(status_of -H 'Origin: https://example.com' "$url/v1/models") == 403 ]] ||
  fail "a foreign origin was not refused"
[[ $(status_of -H 'Host: evil.example' "$url/") == 403 ]] || fail "a foreign Host was not refused"
# The key is on no command line: not the app's, not the window's.
for pid in "$app_pid" $(pgrep -P "$app_pid"); do
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -Eq '[0-9a-f]{64}' && fail "a key on the command line of $pid"
done
window_pid=$(pgrep -P "$app_pid" -f inferno-window) || fail "no window process"
kill -TERM "$app_pid"
rc=0
wait "$app_pid" || rc=$?
app_pid=""
[[ $rc -eq 0 ]] || fail "SIGTERM: exit $rc"
! kill -0 "$window_pid" 2>/dev/null || fail "the window outlived the app"
grep -q 'inferno: stopped' "$work/locked.err" || fail "the server did not stop cleanly"
echo "locked: 401 without the key on /v1, /api, /ws; SIGTERM closed the window, exit 0"

# 3. The window with the UI, and a model file opened through the app's route.
cp "$model" "$work/opened-model.gguf"
start_app window --data-dir "$work/data" --screenshot "$work/window.png" \
  --screenshot-when 'opened-model' --open-model "$work/opened-model.gguf"
rc=0
wait "$app_pid" || rc=$?
app_pid=""
[[ $rc -eq 0 ]] || fail "window: exit $rc"
grep -q 'inferno: stopped' "$work/window.err" || fail "the server did not stop cleanly"
[[ $(head -c 8 "$work/window.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] ||
  fail "no PNG written"
cp "$work/window.png" "$screenshot"
echo "window: the UI showed the opened model, screenshot $(stat -c %s "$screenshot") bytes, exit 0"
echo "PASS"
