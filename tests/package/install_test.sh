#!/usr/bin/env bash
# The .deb as a user gets it: made by cpack from the build (as `make package` does), unpacked
# into a scratch root with dpkg-deb, and its binary run from there with the source tree out of
# reach (cwd /, no -m, no --web-root, a fresh HOME): it must find its demo model under its own
# usr/share, serve its built-in UI, answer a chat (the tools demo: a calculator round trip), and
# stop cleanly; then the root is removed.
# When the build has the window (WebKitGTK), the inferno-app package too: the window program
# where `inferno app` finds it, the .desktop entry that runs it; and no GTK in inferno's Depends.
# A cross build's package (build/arm64, `make package-arm64`) is checked the same way, its binary
# run through INFERNO_TEST_EMULATOR (qemu-user, set by the build's ctest registration).
# Usage: install_test.sh BUILD_DIR
set -euo pipefail

build_dir=$(cd "$1" && pwd)
src_dir=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/inferno-package-test.XXXXXX")
server_pid=""
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# 1. The package, made in the scratch dir so that it does not touch build/'s own.
(cd "$build_dir" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/out/inferno_*.deb)
arch=$(dpkg-deb --field "$deb" Architecture)
echo "package: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
# The binary as the test runs it: through the emulator when the package is of another arch.
emulator=()
if [[ $arch != "$(dpkg --print-architecture)" ]]; then
  [[ -n ${INFERNO_TEST_EMULATOR:-} ]] || fail "an $arch package, and no INFERNO_TEST_EMULATOR to run it"
  emulator=("$INFERNO_TEST_EMULATOR")
fi
dpkg-deb --field "$deb" Depends | grep -q "libc6" || fail "Depends has no libc6 (shlibdeps)"

# 2. Installed into a scratch root: every shipped file where Debian expects it.
root="$work/root"
dpkg-deb -x "$deb" "$root"
for f in usr/bin/inferno usr/share/inferno/models/inferno-demo-Q8_0.gguf \
  usr/share/man/man1/inferno.1.gz usr/share/bash-completion/completions/inferno \
  usr/lib/systemd/user/inferno.service usr/share/doc/inferno/copyright \
  usr/share/doc/inferno/changelog.gz; do
  [[ -s $root/$f ]] || fail "missing $f"
done
! dpkg-deb --field "$deb" Depends | grep -Eq 'gtk|webkit' || fail "inferno depends on GTK"
app_deb=$(ls "$work"/out/inferno-app_*_"$arch".deb 2>/dev/null || true)
if [[ -x $build_dir/inferno-window ]]; then
  [[ -n $app_deb ]] || fail "no inferno-app package although inferno-window is built"
  dpkg-deb --field "$app_deb" Depends | grep -q "inferno (= " || fail "inferno-app does not depend on inferno"
  dpkg-deb --field "$app_deb" Depends | grep -q "libwebkit2gtk-4.1" || fail "inferno-app lacks WebKitGTK in Depends"
  dpkg-deb -x "$app_deb" "$root"
  for f in usr/libexec/inferno/inferno-window usr/share/applications/inferno.desktop \
    usr/share/icons/hicolor/scalable/apps/inferno.svg usr/share/doc/inferno-app/copyright; do
    [[ -s $root/$f ]] || fail "inferno-app: missing $f"
  done
  grep -qx 'Exec=inferno app' "$root/usr/share/applications/inferno.desktop" || fail "the menu entry does not run inferno app"
  echo "inferno-app: $(basename "$app_deb") ($(du -k "$app_deb" | cut -f1) KiB)"
fi
inferno="$root/usr/bin/inferno"
run_inferno=("${emulator[@]}" "$inferno")
# The ELF header's machine (e_machine, bytes 18-19) is the package's architecture.
declare -A machine_of=([amd64]=62 [arm64]=183)
machine=$(od -An -tu2 -j18 -N2 "$inferno" | tr -d ' ')
[[ -z ${machine_of[$arch]:-} || $machine == "${machine_of[$arch]}" ]] ||
  fail "the $arch package's binary has ELF machine $machine"
"${run_inferno[@]}" --version | grep -Eq '^inferno [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]{12}(-dirty)?|unknown\)$' ||
  fail "--version: $("${run_inferno[@]}" --version)"
zcat "$root/usr/share/man/man1/inferno.1.gz" | grep -q '^\.SS "inferno serve"' || fail "man page lacks serve"
# The completion, sourced as bash-completion would: "inferno ser<TAB>" and "inferno serve --po<TAB>" (--port, --pooling).
complete_words() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _inferno; echo "${COMPREPLY[*]}"' \
    bash "$root/usr/share/bash-completion/completions/inferno" "$@"
}
[[ $(complete_words inferno ser) == "serve" ]] || fail "completion of 'inferno ser'"
[[ $(complete_words inferno serve --po) == "--port --pooling" ]] || fail "completion of 'inferno serve --po'"
grep -q '^ExecStart=/usr/bin/inferno serve --host 127.0.0.1 ' "$root/usr/lib/systemd/user/inferno.service" ||
  fail "the user unit does not serve on loopback"

# 3. Run from /, with nothing from the source tree: a fresh HOME, no model given. `run`
# completes with the packaged demo model ("Once upon a" -> " time", as models/README.md says).
home="$work/home"
mkdir -p "$home"
story=$(cd / && env -i PATH=/usr/bin:/bin HOME="$home" "${run_inferno[@]}" run -p "Once upon a" -n 4 -t 2 2>"$work/run.err") ||
  fail "run: $(cat "$work/run.err")"
[[ $story == " time"* ]] || fail "run without -m gave '$story'"
# The files exist before the loop below reads them: the background shell opens them only
# when it is scheduled, which on a loaded machine may be after the first read.
: >"$work/serve.out"
: >"$work/serve.err"
(cd / && exec env -i PATH=/usr/bin:/bin HOME="$home" "${run_inferno[@]}" serve --port 0 -t 2 -q \
  >>"$work/serve.out" 2>>"$work/serve.err") &
server_pid=$!
port=""
for _ in $(seq 1 600); do
  port=$(sed -n 's|^inferno serving on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$work/serve.out")
  [[ -n $port ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.err"; fail "serve exited"; }
  sleep 0.1
done
[[ -n $port ]] || fail "serve printed no port: $(cat "$work/serve.out" "$work/serve.err")"
grep -q "default model: inferno-demo-Q8_0" "$work/serve.out" || fail "no demo model: $(cat "$work/serve.out")"
url="http://127.0.0.1:$port"

# The UI from inside the binary: index.html names its script, served with a strong ETag.
curl -sf "$url/" >"$work/index.html" || fail "GET /"
grep -q '<div id="root">' "$work/index.html" || fail "GET / is not the UI: $(head -c 300 "$work/index.html")"
asset=$(grep -o '/assets/[^"]*\.js' "$work/index.html" | head -1)
[[ -n $asset ]] || fail "index.html names no script"
etag=$(curl -sf -D - -o /dev/null "$url$asset" | tr -d '\r' | sed -n 's/^etag: //Ip')
[[ $etag =~ ^\"[0-9a-f]{32}\"$ ]] || fail "asset ETag '$etag'"
[[ $(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$url$asset") == 304 ]] ||
  fail "If-None-Match did not give 304"

# One chat with the demo model; the model file mapped must be the package's.
curl -sf "$url/v1/chat/completions" -H 'Content-Type: application/json' \
  -d '{"messages":[{"role":"user","content":"What is the capital of France?"}],"max_tokens":16,"temperature":0}' \
  >"$work/chat.json" || fail "chat request"
python3 - "$work/chat.json" <<'PY' || fail "chat answer: $(cat "$work/chat.json")"
import json, sys
r = json.load(open(sys.argv[1]))
c = r["choices"][0]
assert r["model"] == "inferno-demo-Q8_0", r["model"]
assert c["message"]["content"].strip(), "empty answer"
assert c["finish_reason"] in ("stop", "length"), c["finish_reason"]
assert r["usage"]["completion_tokens"] > 0
PY
server_exe_pid=$(pgrep -P "$server_pid" -x inferno || echo "$server_pid")
grep -q "$root/usr/share/inferno/models/inferno-demo-Q8_0.gguf" "/proc/$server_exe_pid/maps" ||
  fail "the served model is not the packaged one"
echo "chat: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["choices"][0]["message"]["content"].strip()[:60])' "$work/chat.json")"

# The speech model from the package, offered beside the (empty) models dir's.
if [[ -f $src_dir/models/inferno-speech.bin ]]; then
  [[ -s $root/usr/share/inferno/models/inferno-speech.bin ]] || fail "missing the speech model"
  curl -sf "$url/v1/models/inferno-speech" | grep -q '"kind":"speech"' ||
    fail "the speech model is not offered: $(curl -s "$url/v1/models/inferno-speech")"
fi

# The vision demo from the package, offered beside the demo model with its mmproj.
if [[ -f $src_dir/models/vision/inferno-demo-vision-Q8_0.gguf ]]; then
  for f in inferno-demo-vision-Q8_0.gguf mmproj-inferno-demo-vision-F16.gguf; do
    [[ -s $root/usr/share/inferno/models/vision/$f ]] || fail "missing vision/$f"
  done
  curl -sf "$url/v1/models" | grep -q '"id":"inferno-demo-vision-Q8_0"' ||
    fail "the vision demo is not offered: $(curl -s "$url/v1/models")"
fi

# The tools demo from the package, offered beside the demo model: offered the server's own
# built-in tools, it calls the calculator with an expression that the server evaluates to the
# asked sum (17 + 25: a pair its training held out), and answers from the result.
if [[ -f $src_dir/models/inferno-demo-tools-Q8_0.gguf ]]; then
  [[ -s $root/usr/share/inferno/models/inferno-demo-tools-Q8_0.gguf ]] || fail "missing the tools demo"
  curl -sf "$url/api/tools" >"$work/tools.json" || fail "GET /api/tools"
  python3 - "$url" "$work/tools.json" <<'PY' || fail "the tools demo's round trip"
import json, sys, urllib.request
url, tools = sys.argv[1], json.load(open(sys.argv[2]))["data"]
def post(path, body):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.load(r)
offered = [{"type": "function", "function": {k: t[k] for k in ("name", "description", "parameters")}}
           for t in tools]
messages = [{"role": "user", "content": "What is 17 plus 25?"}]
body = {"model": "inferno-demo-tools-Q8_0", "messages": messages, "tools": offered,
        "temperature": 0, "max_tokens": 64}
first = post("/v1/chat/completions", body)["choices"][0]
assert first["finish_reason"] == "tool_calls", first
call = first["message"]["tool_calls"][0]
assert call["function"]["name"] == "calculator", call
args = json.loads(call["function"]["arguments"])
result = post("/api/tools/call", {"server": "inferno", "tool": "calculator", "arguments": args})
assert result["text"] == "42", (args, result)
messages += [first["message"], {"role": "tool", "tool_call_id": call["id"], "content": result["text"]}]
answer = post("/v1/chat/completions", dict(body, messages=messages))["choices"][0]["message"]
assert "42" in (answer["content"] or ""), answer
print(f"tools demo: {args['expression']} -> {result['text']}; {answer['content'].strip()}")
PY
fi

# The example plugins from the package, found beside the binary (docs/plugins.md).
curl -sf "$url/api/plugins" >"$work/plugins.json" || fail "GET /api/plugins"
python3 - "$work/plugins.json" <<'PY' || fail "plugins: $(cat "$work/plugins.json")"
import json, sys
r = json.load(open(sys.argv[1]))
shipped = {p["id"] for p in r["plugins"] if p["ok"] and p["source"] == "shipped"}
assert {"entropy", "token-ranks"} <= shipped, r
assert any(d["dir"].endswith("/usr/share/inferno/plugins") for d in r["dirs"]), r["dirs"]
PY
curl -sf "$url/plugins/entropy/files/main.js" | grep -q "postMessage" || fail "plugin file"
[[ -s $root/usr/share/doc/inferno/plugins/template/inferno-plugin.json ]] || fail "no plugin template"

# 4. Stopped with SIGTERM, it exits 0.
kill "$server_pid"
wait "$server_pid" || fail "serve exited with $?"
server_pid=""

# 5. `inferno app` finds the packaged window program: on a display that cannot be opened it
# is the window that fails ("cannot open a window"), not a missing program.
if [[ -n $app_deb ]]; then
  app_err=$(cd / && env -i PATH=/usr/bin:/bin HOME="$home" DISPLAY=:7999 "${run_inferno[@]}" app -t 1 -q 2>&1 >/dev/null) &&
    fail "inferno app without a usable display exited 0"
  grep -q "cannot open a window" <<<"$app_err" || fail "inferno app: $app_err"
fi
echo "PASS"
