#!/usr/bin/python3
"""Grades tool use and JSON answers of the tool-trained demo model (inferno-demo-tools, stage
2 of tools/demo-model/pipeline.sh) through `inferno serve`'s /v1/chat/completions, the way
clients use it (greedy), on the held-out prompts of heldout_tools.jsonl (make_corpus.py
--tools-megabytes):

  calculator / current_time  tools offered, a question that needs one: a valid call (its
                             arguments parse as a JSON object), of the right tool, with the
                             right arguments (the calculator's expression evaluates to the
                             asked value; also counted: written exactly as in the question);
                             then, given the call and the tool's result, an answer that
                             contains the result;
  no_tool                    tools offered, a fact question (held-out wording): no call, and
                             the corpus's answer sentence;
  json                       a JSON request in a held-out style, asked twice: as plain text
                             (no grammar) and with the schema as response_format (decoding
                             constrained by the server's grammar): the reply parses as a JSON
                             object with the schema's keys and types (validity), and equals the
                             fact's object (correctness).
Writes a JSON report, grades it against the bars for shipping the tools model (BARS) and exits
1 when one is not met. The bars are what the model is shipped for, the calculator round trip
that `make run` shows; the clock's answers, JSON without a grammar and the held-out facts
(check_gguf.py's report, --facts-report) are measured and reported beside them (MORE). With
--model-card, a model that meets every bar gets its rates written into the card's section
between CARD_BEGIN and CARD_END (models/TOOLS.md, "Measured")."""
import argparse
import ast
import json
import os
import subprocess
import tempfile
import urllib.request


def start_server(inferno, gguf, data_dir):
    proc = subprocess.Popen([inferno, "serve", "--port", "0", "-q", "-m", gguf, "--data-dir",
                             data_dir, "-t", "2", "--parallel", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if "serving on http://" in line:
            return proc, int(line.rsplit(":", 1)[1].strip().strip("/").split("/")[0])
    raise SystemExit("inferno serve did not start")


def chat(port, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions",
                                 data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.load(r)["choices"][0]["message"]


def parsed_call(message):
    """(name, arguments object) of the first tool call, or None when there is none valid."""
    calls = message.get("tool_calls") or []
    if not calls:
        return None
    fn = calls[0]["function"]
    try:
        args = json.loads(fn["arguments"])
    except (json.JSONDecodeError, TypeError):
        return None
    return (fn["name"], args) if isinstance(args, dict) else None


def arithmetic_value(expression):
    """The value of an expression of numbers, + - * / and brackets (Fractions), else None."""
    from fractions import Fraction
    ops = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
           ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b}

    def value(node):
        if isinstance(node, ast.BinOp) and type(node.op) in ops:
            return ops[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return Fraction(node.value)
        raise ValueError("not arithmetic")

    try:
        return value(ast.parse(expression, mode="eval").body)
    except (SyntaxError, ValueError, ZeroDivisionError, TypeError):
        return None


def right_arguments(p, args):
    if p["expect_tool"] != "calculator":
        return args == {}
    expression = args.get("expression")
    return (isinstance(expression, str) and set(args) == {"expression"} and
            arithmetic_value(expression) == int(p["result"]))


def grade_tool(port, p):
    body = {"messages": p["messages"], "tools": p["tools"], "temperature": 0, "max_tokens": 100}
    got = parsed_call(chat(port, body))
    want_args = {"expression": p["expression"]} if p["expect_tool"] == "calculator" else {}
    right_tool = got is not None and got[0] == p["expect_tool"]
    call_ok = right_tool and got[1] == want_args
    # The answer turn always gets the right call and result, so it is graded on its own.
    follow = p["messages"] + [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": p["expect_tool"], "arguments": json.dumps(want_args)}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": p["result"]}]
    reply = chat(port, dict(body, messages=follow))
    answer = reply.get("content") or ""
    return {"valid_call": got is not None, "right_tool": right_tool,
            "right_args": right_tool and right_arguments(p, got[1]), "call_ok": call_ok,
            "call": got, "answer_ok": p["answer"] in answer,
            "answer": answer, "no_second_call": not reply.get("tool_calls")}


def valid_for(schema, v):
    if not isinstance(v, dict) or set(v) != set(schema["required"]):
        return False
    types = {"string": str, "integer": int}
    return all(isinstance(v[k], types[s["type"]]) and not isinstance(v[k], bool)
               for k, s in schema["properties"].items())


def json_reply(port, p, grammar):
    body = {"messages": p["messages"], "temperature": 0, "max_tokens": 48}
    if grammar:
        body["response_format"] = {"type": "json_schema", "json_schema": {
            "name": "answer", "schema": p["schema"], "strict": True}}
    text = chat(port, body).get("content") or ""
    try:
        v = json.loads(text)
    except json.JSONDecodeError:
        v = None
    return text, v


def grade_json(port, p):
    text, v = json_reply(port, p, grammar=False)
    text_g, v_g = json_reply(port, p, grammar=True)
    return {"valid": v is not None and valid_for(p["schema"], v), "correct": v == p["expect"],
            "reply": text,
            "valid_grammar": v_g is not None and valid_for(p["schema"], v_g),
            "correct_grammar": v_g == p["expect"], "reply_grammar": text_g}


# (what, the report's rate, the bar). The rates are those of the held-out prompts above.
BARS = [
    ("tool prompts: a valid tool call", ("tool_prompts", "valid_call"), 0.9),
    ("tool prompts: the right tool", ("tool_prompts", "right_tool"), 0.9),
    ("calculator: right arguments (the expression has the asked value)",
     ("calculator", "right_args"), 0.7),
    ("calculator: the answer after the tool's result contains it",
     ("calculator", "answer_after_result"), 0.8),
]
# Reported beside the bars, without one.
MORE = [
    ("calculator: the expression exactly as asked", ("calculator", "exact_call")),
    ("current_time: answer after the result contains it", ("current_time", "answer_after_result")),
    ("JSON requests, no grammar: valid JSON of the schema", ("json", "valid")),
    ("JSON requests, no grammar: the right values", ("json", "correct")),
    ("JSON requests, schema as response_format: valid", ("json", "valid_grammar")),
    ("JSON requests, schema as response_format: the right values", ("json", "correct_grammar")),
    ("tools offered, a fact question: no call", ("no_tool", "no_call")),
    ("tools offered, a fact question: the right answer", ("no_tool", "fact_correct")),
    ("held-out facts without tools (check_gguf.py)", ("facts",)),
]
CARD_BEGIN = "<!-- check_tools.py: begin -->"
CARD_END = "<!-- check_tools.py: end -->"


def facts_rate(path):
    with open(path) as f:
        r = json.load(f)
    return {"rate": r["heldout_fact_accuracy"], "count": r["heldout_fact_correct"],
            "total": r["heldout_fact_questions"]}


def lookup(out, keys):
    for k in keys:
        out = out.get(k) if out else None
    return out


def graded(out):
    """[(what, rate entry or None, bar, met)] for every bar."""
    rows = []
    for what, keys, bar in BARS:
        r = lookup(out, keys)
        rows.append((what, r, bar, r is not None and r["rate"] >= bar))
    return rows


def cell(r):
    return "not measured" if r is None else f"{r['count']}/{r['total']} = {100 * r['rate']:.1f}%"


def card_section(out, rows):
    lines = [f"Measured by `tools/demo-model/check_tools.py` on `{out['gguf']}` through "
             "`inferno serve` (held-out prompts of `heldout_tools.jsonl`, greedy; no grammar unless "
             "the row says so):",
             "", "| | result | bar |", "|---|---|---|"]
    for what, r, bar, met in rows:
        lines.append(f"| {what} | **{cell(r)}** | ≥ {100 * bar:.0f}% {'met' if met else 'NOT met'} |")
    for what, keys in MORE:
        lines.append(f"| {what} | {cell(lookup(out, keys))} | |")
    return "\n".join(lines)


def fill_card(path, text):
    with open(path) as f:
        card = f.read()
    begin, end = card.find(CARD_BEGIN), card.find(CARD_END)
    if begin < 0 or end < begin:
        raise SystemExit(f"{path}: no {CARD_BEGIN} ... {CARD_END} section to fill")
    with open(path, "w") as f:
        f.write(card[:begin + len(CARD_BEGIN)] + "\n" + text + "\n" + card[end:])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--inferno", required=True)
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--prompts", required=True, help="heldout_tools.jsonl")
    ap.add_argument("--out", required=True)
    ap.add_argument("--facts-report", help="check_gguf.py's report (held-out facts, "
                                          "reported without a bar)")
    ap.add_argument("--model-card", help="TOOLS.md, whose measured section to fill when the "
                                         "bars are met")
    args = ap.parse_args()
    with open(args.prompts) as f:
        prompts = [json.loads(line) for line in f]
    with tempfile.TemporaryDirectory() as data_dir:
        proc, port = start_server(args.inferno, args.gguf, data_dir)
        try:
            results = []
            for p in prompts:
                if p["kind"] == "json":
                    r = grade_json(port, p)
                elif p["expect_tool"]:
                    r = grade_tool(port, p)
                else:
                    m = chat(port, {"messages": p["messages"], "tools": p["tools"],
                                    "temperature": 0, "max_tokens": 48})
                    r = {"no_call": not m.get("tool_calls"),
                         "correct": (m.get("content") or "").strip() == p["answer"],
                         "reply": m.get("content")}
                results.append((p, r))
        finally:
            proc.terminate()
            proc.wait()
    out = {"gguf": os.path.basename(args.gguf), "prompts": len(prompts)}

    def rate(kind, key):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        rs = [r for p, r in results if p["kind"] in kinds]
        return {"rate": round(sum(r[key] for r in rs) / len(rs), 4),
                "count": sum(r[key] for r in rs), "total": len(rs)}

    for kind in ("calculator", "current_time"):
        out[kind] = {key: rate(kind, key) for key in ("valid_call", "right_tool", "right_args")}
        out[kind].update(exact_call=rate(kind, "call_ok"),
                         answer_after_result=rate(kind, "answer_ok"))
    out["tool_prompts"] = {key: rate(("calculator", "current_time"), key)
                           for key in ("valid_call", "right_tool", "right_args", "answer_ok")}
    out["no_tool"] = {"no_call": rate("no_tool", "no_call"),
                      "fact_correct": rate("no_tool", "correct")}
    out["json"] = {key: rate("json", key)
                   for key in ("valid", "correct", "valid_grammar", "correct_grammar")}
    if args.facts_report:
        out["facts"] = facts_rate(args.facts_report)
    rows = graded(out)
    out["bars_met"] = all(met for *_, met in rows)
    out["failures"] = [{"prompt": p["messages"], "result": r} for p, r in results
                       if not all(v for k, v in r.items()
                                  if k in ("call_ok", "answer_ok", "no_call", "correct",
                                           "valid"))][:60]
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(json.dumps({k: v for k, v in out.items() if k != "failures"}, indent=1))
    section = card_section(out, rows)
    print(section)
    if not out["bars_met"]:
        raise SystemExit(1)
    if args.model_card:
        fill_card(args.model_card, section)


if __name__ == "__main__":
    main()
