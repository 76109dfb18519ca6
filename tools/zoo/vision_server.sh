#!/usr/bin/env bash
# Vision through llama.cpp's own server: the oracle of tests/vision_api_test.cc. For the mmproj
# pairs of vision.sh named at the end (run it before this one), the peer's llama-server with
# --mmproj answers an OpenAI chat request holding photo-1.jpeg (and odd-333x77.png) as a data
# URL then "Describe this image.", greedy, 16 tokens, chat template chatml (the fixtures' own
# templates are not Gemma's or LLaVA's, the Qwen one has none); its JSON answer is kept as it
# came.
# Output: OUT/zoo-oracle/vision/<name>.server.<image stem>.json
source "$(dirname "$0")/lib.sh"
server=$ZOO_TOOLS/../bin/llama-server
dir=$ZOO_OUT/zoo-oracle/vision
[[ -x $server ]] || { echo "zoo: $server is missing"; exit 1; }
[[ -d $dir/images ]] || { echo "zoo: run vision.sh first ($dir/images is missing)"; exit 1; }

# name LM: one llama-server for the pair, one request per image, then the server ends.
server_pair() {
  local name=$1 lm=$2 port pid
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$server" -m "$lm" --mmproj "$ZOO_OUT/zoo/mmproj-$name.gguf" --chat-template chatml \
    --host 127.0.0.1 --port "$port" -t 2 -c 512 -np 1 --no-warmup > "$dir/$name.server.log" 2>&1 &
  pid=$!
  for _ in $(seq 120); do
    curl -sf "http://127.0.0.1:$port/health" > /dev/null && break
    sleep 1
  done
  for img in photo-1.jpeg odd-333x77.png; do
    local mime=image/png
    [[ $img == *.jpeg ]] && mime=image/jpeg
    python3 - "$dir/images/$img" "$mime" > "$dir/request.json" <<'PY'
import base64, json, sys
data = base64.b64encode(open(sys.argv[1], "rb").read()).decode()
print(json.dumps({"messages": [{"role": "user", "content": [
    {"type": "image_url", "image_url": {"url": "data:%s;base64,%s" % (sys.argv[2], data)}},
    {"type": "text", "text": "Describe this image."}]}],
    "max_tokens": 16, "temperature": 0, "logprobs": True, "top_logprobs": 2}))
PY
    curl -sf "http://127.0.0.1:$port/v1/chat/completions" -H 'Content-Type: application/json' \
      --data-binary "@$dir/request.json" > "$dir/$name.server.${img%.*}.json" ||
      { kill "$pid"; tail -5 "$dir/$name.server.log"; echo "zoo: llama-server failed: $name $img"; return 1; }
  done
  kill "$pid"
  wait "$pid" 2> /dev/null || true
  rm -f "$dir/request.json" "$dir/$name.server.log"
}

server_pair gemma3-tiny "$ZOO_FIXTURES/models/gemma3-tiny-Q8_0.gguf"
server_pair llava-tiny "$ZOO_FIXTURES/models/llama-tiny-F16.gguf"
server_pair qwen25vl-tiny "$ZOO_OUT/zoo/qwen2vl-tiny-F16.gguf"
