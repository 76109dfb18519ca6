#!/usr/bin/env python3
"""llama.cpp's embeddings of a few inputs, for the parity test.

usage: embed_oracle.py LLAMA_SERVER MODEL.gguf OUT.json [SERVER_ARGS...]

Starts llama-server --embedding on a free loopback port, asks /tokenize (special tokens added,
as its embedding route tokenizes) and /v1/embeddings (all inputs in one request, so they share
its batches), writes {inputs, tokens, embeddings, pooling_args} and stops the server.
"""
import json
import socket
import subprocess
import sys
import time
import urllib.request

INPUTS = [
    "Hello world",
    "Grüße aus Köln – naïve café, 東京タワー, emoji 🌍🚀!",
    " ".join(["The quick brown fox jumps over the lazy dog near the river bank."] * 12),
    "a",
    "Embeddings turn text into vectors; similar texts get nearby vectors.",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port, path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.load(r)


def wait_ready(port, proc):
    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError("llama-server exited")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("llama-server did not become ready")


def main():
    server, model, out, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    port = free_port()
    cmd = [server, "-m", model, "--embedding", "--host", "127.0.0.1", "--port", str(port),
           "-c", "1024", "-b", "1024", "-ub", "1024", "-t", "2", "-np", "1", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, proc)
        tokens = [post(port, "/tokenize", {"content": t, "add_special": True,
                                           "parse_special": True})["tokens"] for t in INPUTS]
        res = post(port, "/v1/embeddings", {"input": INPUTS, "model": "oracle"})
        vecs = [d["embedding"] for d in sorted(res["data"], key=lambda d: d["index"])]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    json.dump({"model": model, "server_args": extra, "inputs": INPUTS, "tokens": tokens,
               "embeddings": vecs}, open(out, "w"))


if __name__ == "__main__":
    main()
