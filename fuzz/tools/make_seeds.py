#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the HTTP, JSON-route and WebSocket fuzz targets into
fuzz/seeds/<target>/. The files are committed; rerun this after changing it."""
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "seeds")


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- http_request: first byte '0' = the server's body limit, '1' = 64 bytes; '2' and '3' the
# same with an API key ("fuzz-key") set ----------------------------------------------------------
def http_seeds():
    body = '{"messages":[{"role":"user","content":"hi"}]}'
    seeds = {
        "get-health": "0GET /health HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
        "keyed-bearer": "2GET /v1/models HTTP/1.1\r\nHost: localhost:8080\r\n"
        "Authorization: bearer  fuzz-key \r\n\r\nGET /metrics HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
        "keyed-wrong": "3POST /api/conversations HTTP/1.1\r\nHost: 127.0.0.2\r\n"
        "Authorization: Basic x\r\nContent-Length: 2\r\n\r\n{}",
        "foreign-host-origin": "0POST /api/profiles HTTP/1.1\r\nHost: 127.0.0.1.evil.example\r\n"
        "Origin: null\r\nSec-Fetch-Site: cross-site\r\nContent-Length: 2\r\n\r\n{}",
        "same-origin": "0POST /api/profiles HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
        "Origin: http://127.0.0.1:8080\r\nContent-Type: application/json\r\n"
        "Content-Length: 12\r\n\r\n{\"name\":\"n\"}",
        "post-json": "0POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
        "Content-Type: application/json\r\nAuthorization: Bearer k\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}",
        "chunked": "0POST /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\n{\"a\":\r\n3\r\n 1}\r\n0\r\n\r\n",
        "pipelined": "0GET /a HTTP/1.1\r\nHost: localhost\r\n\r\nGET /b?x=1 HTTP/1.1\r\n\r\n"
        "DELETE /v1/models/m HTTP/1.1\r\nConnection: close\r\n\r\n",
        "websocket-upgrade": "0GET /ws?api_key=k HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n"
        "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://evil.example\r\n\r\n",
        "query-escapes": "0GET /api/conversations?q=a%20b+c&limit=5&&=&%zz=1 HTTP/1.1\r\n\r\n",
        "too-large": "1POST /x HTTP/1.1\r\nContent-Length: 100\r\n\r\n" + "x" * 100,
        "http10": "0GET / HTTP/1.0\r\n\r\n",
        "bad-target": "0GET /%zz HTTP/1.1\r\n\r\n",
        "absolute-target": "0GET http://h/x HTTP/1.1\r\n\r\n",
        "truncated": "0POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",
        "path-not-utf8": "0PUT /api/sessions/%C3?limit=%FF HTTP/1.1\r\nHost: h\r\n\r\n"
        "GET /api/conversations/%FF%FE HTTP/1.1\r\n\r\n",
    }
    for name, data in seeds.items():
        write("http_request", name, data)


# --- json_routes: first byte picks the route ('a' = chat completions ... 'o' = debugger) ------
def json_seeds():
    msgs = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
    session = {
        "id": "s1", "model": "m", "parent": "", "finish_reason": "length", "branch_step": -1,
        "request": {"prompt": "hi", "max_tokens": 2, "sampling": {"temperature": 0}},
        "prompt_tokens": [1, 2], "prompt": [{"text": "<s>"}, {"text": "hi"}],
        "tokens": [5],
        "steps": [{"id": 5, "prob": 0.5, "logit": 1.5, "rank": 0, "entropy": 0.7, "text": "x",
                   "top": [{"id": 5, "prob": 0.5, "logit": 1.5, "text": "x"}]}],
    }
    seeds = {
        "a": {"model": "m", "messages": msgs, "temperature": 0.7, "top_p": 0.9, "top_k": 40,
              "max_tokens": 8, "stop": ["\n"], "stream": True,
              "stream_options": {"include_usage": True}, "logprobs": True, "top_logprobs": 3,
              "seed": 1, "presence_penalty": 0.5, "frequency_penalty": 0.5},
        "b": {"prompt": ["Once upon"], "max_tokens": 4, "min_p": 0.1, "repeat_penalty": 1.1,
              "stop": "x", "echo": False},
        "c": {"model_name": "m", "prompt": "hi", "system": "be brief", "temperature": 0,
              "max_tokens": 3},
        "d": {"content": "Hello <s> world", "add_special": False},
        "e": {"tokens": [1, 2, 3, 100]},
        "f": {"title": "t", "model": "m", "system": "s", "settings": {"temperature": 0.5}},
        "g": {"title": "renamed", "settings": {}},
        "h": {"role": "assistant", "content": "hello", "model": "m",
              "metrics": {"tokens_per_second": 12.5}},
        "i": {"format": "inferno.conversation", "version": 1,
              "conversation": {"title": "t", "model": "m", "system": "",
                               "settings": {"top_k": 5},
                               "created_at": "2026-01-02T03:04:05.678Z",
                               "updated_at": "2026-01-02T03:04:06Z",
                               "messages": [{"role": "user", "content": "a",
                                             "created_at": "2026-01-02T03:04:05Z"},
                                            {"role": "assistant", "content": "b",
                                             "model": "m", "metrics": {}}]}},
        "j": {"name": "p", "model": "m", "system": "s", "settings": {"temperature": 1}},
        "k": {"name": "q", "settings": {}},
        "l": {"format": "inferno.debug_session", "version": 1, "session": session},
        "m": {"models": ["tiny"], "prompt_sizes": [8, 16], "repetitions": 2, "gen_tokens": 4,
              "threads": 1},
        "n": {"context_size": 128, "threads": 1},
        "o-hello": {"type": "hello", "version": 1, "resume": "r", "last_seq": 3},
        "o-start": {"type": "start", "id": "c1", "model": "m", "prompt": "hi", "max_tokens": 4,
                    "stop": ["x"], "sampling": {"temperature": 0.5, "top_k": 5, "seed": 1},
                    "probes": {"top_k": 5, "full_logits": True,
                               "attention": {"layers": [0], "heads": [0, 1], "prompt": True},
                               "logit_lens": {"top_k": 3}},
                    "format": "binary"},
        "o-branch": {"type": "branch", "session": "s1", "step": 2, "token": 7, "id": "b",
                     "max_tokens": 3},
        "o-compare": {"type": "compare", "id": "c", "prompt": "hi", "a": {"model": "x"},
                      "b": {"model": "y", "sampling": {"temperature": 1}}},
        "o-ping": {"type": "ping", "data": {"t": 1}},
        "o-stop": {"type": "stop", "session": "s1"},
    }
    for name, body in seeds.items():
        write("json_routes", name, name[0] + json.dumps(body))
    write("json_routes", "f-empty", "f")
    write("json_routes", "a-not-object", "a[1,2]")


# --- ws_frame: the client's bytes after the handshake (masked frames) --------------------------
def frame(payload, opcode=1, fin=True, mask=b"\x11\x22\x33\x44"):
    if isinstance(payload, str):
        payload = payload.encode()
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked


def ws_seeds():
    hello = json.dumps({"type": "hello", "version": 1})
    start = json.dumps({"type": "start", "prompt": "hi", "max_tokens": 2})
    seeds = {
        "hello": frame(hello),
        "hello-then-start": frame(hello) + frame(start),
        "fragmented": frame(start[:5], fin=False) + frame(start[5:], opcode=0),
        "ping-pong": frame("p", opcode=9) + frame(hello) + frame(b"", opcode=10),
        "close": frame(struct.pack(">H", 1000) + b"bye", opcode=8) + frame(hello),
        "binary": frame(b"\x00\x01\x02", opcode=2),
        "long-length": frame("x" * 200),
        "unmasked": bytes([0x81, 0x02]) + b"{}",
        "control-between-fragments": frame("{\"type\":", fin=False) + frame("", opcode=9)
        + frame("\"ping\"}", opcode=0),
    }
    for name, data in seeds.items():
        write("ws_frame", name, data)


def grammar_seeds():
    # 'g' + GBNF or 's' + JSON Schema, then optionally NUL and text to run through the grammar.
    seeds = {
        "gbnf-json": b'groot ::= value\nvalue ::= "{" ws (pair ("," ws pair)*)? "}" | [0-9]+\n'
        b'pair ::= "\\"" [^"\\\\]* "\\"" ws ":" ws value\nws ::= [ \\t\\n]{0,4}\n'
        b'\x00{"a": 12}',
        "gbnf-repeat": b'groot ::= ("ab" | [\\x41-\\u00ff])+ "."? # c\n\x00abAB\xc3\xa9.',
        "gbnf-error": b'groot ::= "a\n',
        "schema-object": b's{"type":"object","properties":{"n":{"type":"string","maxLength":3},'
        b'"k":{"type":"integer","minimum":-5,"maximum":300}},"required":["n"]}\x00{"n":"ab","k":7}',
        "schema-ref": b's{"$defs":{"t":{"anyOf":[{"type":"null"},{"type":"array","items":'
        b'{"$ref":"#/$defs/t"}}]}},"$ref":"#/$defs/t"}\x00[[null],[]]',
        "schema-pattern": b's{"type":"string","pattern":"^(a|b\\\\d){2,3}[^x]?$"}\x00"ab1"',
        "schema-formats": b's{"type":"array","items":{"type":"string","format":"date-time"}}',
    }
    for name, data in seeds.items():
        write("grammar", name, data)


http_seeds()
json_seeds()
ws_seeds()
grammar_seeds()
