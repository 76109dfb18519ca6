"""The stage-2 corpus: tool use (a calculator and a clock) and JSON answers, in our own
templates and word lists, rendered exactly as chat_template.jinja renders the same messages
(the model must see at training time the text the server writes at inference).

Held out (never in training, used by check_tools.py):
  - arithmetic operand pairs with (a + b) % 7 == 0, and the last wording of each list;
  - the last time-question wording of each kind and the last JSON-request style;
  - the facts' own held-out wordings (make_corpus.Facts) for the no-tool and JSON prompts.
"""
import json
import random

CALCULATOR = {"type": "function", "function": {
    "name": "calculator",
    "description": "Evaluates an arithmetic expression and returns the result.",
    "parameters": {"type": "object", "properties": {"expression": {
        "type": "string", "description": "An arithmetic expression, e.g. 12 * (3 + 4)"}},
        "required": ["expression"]}}}
CURRENT_TIME = {"type": "function", "function": {
    "name": "current_time",
    "description": "Returns the local date, time, time zone and weekday.",
    "parameters": {"type": "object", "properties": {}}}}
TOOLS = [CALCULATOR, CURRENT_TIME]
DEFAULT_SYSTEM = "You are a helpful assistant."


def dumps(v):
    """Jinja's tojson as Hugging Face (and our engine) spell it: json.dumps defaults."""
    return json.dumps(v, ensure_ascii=False)


def render(messages, tools=None, add_generation_prompt=False):
    """What chat_template.jinja renders (compare: `inferno template chat_template.jinja CTX`)."""
    out = []
    if tools:
        system = messages[0]["content"] if messages[0]["role"] == "system" else DEFAULT_SYSTEM
        # One newline, not a blank line: documents in the corpus are separated by blank lines.
        out.append("<|im_start|>system\n" + system + "\nTools (name and arguments):\n")
        for t in tools:
            fn = t.get("function", t)
            props = (fn.get("parameters") or {}).get("properties") or {}
            out.append(dumps({"name": fn["name"], "arguments": {
                k: v.get("type", "any") for k, v in props.items()}}) + "\n")
        out.append("To call one, write <tool_call> JSON </tool_call>.<|im_end|>\n")
    elif messages[0]["role"] == "system":
        out.append("<|im_start|>system\n" + messages[0]["content"] + "<|im_end|>\n")
    for i, m in enumerate(messages):
        if m["role"] == "system" and i == 0:
            continue
        if m["role"] == "tool":
            if i == 0 or messages[i - 1]["role"] != "tool":
                out.append("<|im_start|>user")
            out.append("\n<tool_response>\n" + m["content"] + "\n</tool_response>")
            if i == len(messages) - 1 or messages[i + 1]["role"] != "tool":
                out.append("<|im_end|>\n")
            continue
        out.append("<|im_start|>" + m["role"] + "\n" + (m.get("content") or ""))
        for k, call in enumerate(m.get("tool_calls") or []):
            fn = call.get("function", call)
            if m.get("content") or k > 0:
                out.append("\n")
            args = fn["arguments"]
            out.append('<tool_call>\n{"name": ' + dumps(fn["name"]) + ', "arguments": ' +
                       (args if isinstance(args, str) else dumps(args)) + "}\n</tool_call>")
        out.append("<|im_end|>\n")
    if add_generation_prompt:
        out.append("<|im_start|>assistant\n")
    return "".join(out)


def call(name, arguments):
    return {"role": "assistant", "content": None,
            "tool_calls": [{"type": "function", "function": {"name": name,
                                                             "arguments": arguments}}]}


# ---- arithmetic: (wordings, operator symbol, the answer's phrase, result) -------------------
OPS = {
    "plus": (["What is {a} plus {b}?", "What is {a} + {b}?", "Add {a} and {b}.",
              "How much is {a} plus {b}?", "Calculate {a} + {b}.",
              "What do you get if you add {a} and {b}?", "Can you work out {a} plus {b}?"],
             "+", "{a} plus {b}", lambda a, b: a + b),
    "minus": (["What is {a} minus {b}?", "What is {a} - {b}?", "How much is {a} minus {b}?",
               "Calculate {a} - {b}.", "Take {b} away from {a}.",
               "Can you work out {a} minus {b}?"],
              "-", "{a} minus {b}", lambda a, b: a - b),
    "times": (["What is {a} times {b}?", "What is {a} * {b}?", "Multiply {a} by {b}.",
               "How much is {a} times {b}?", "Calculate {a} * {b}.",
               "Can you work out {a} times {b}?"],
              "*", "{a} times {b}", lambda a, b: a * b),
    "divided": (["What is {a} divided by {b}?", "What is {a} / {b}?",
                 "How much is {a} divided by {b}?", "Divide {a} by {b}.",
                 "Can you work out {a} divided by {b}?"],
                "/", "{a} divided by {b}", lambda a, b: a // b),
}
# Expressions with brackets, asked as they are written.
EXPR_Q = ["What is {e}?", "Calculate {e}.", "Compute {e}.", "Please work out {e}.",
          "What does {e} come to?"]
EXPR_SHAPES = ["{a} * ({b} + {c})", "({a} + {b}) * {c}", "{a} + {b} * {c}", "{a} * {b} - {c}",
               "({a} - {b}) * {c}", "{a} + {b} + {c}"]
ANSWER_FORMS = ["{phrase} is {r}.", "The answer is {r}.", "{phrase} equals {r}."]


def held_out_pair(a, b):
    return (a + b) % 7 == 0


def number(rng, top=999):
    """0..top with the digit count drawn first: one-, two- and three-digit numbers are equally
    common (uniform draws would make nearly all of them three digits long)."""
    digits = rng.randint(1, len(str(top)))
    return rng.randint(0 if digits == 1 else 10 ** (digits - 1), min(top, 10 ** digits - 1))


def operands(rng, op, heldout):
    while True:
        if op in ("plus", "minus"):
            a, b = number(rng), number(rng)
            if op == "minus" and b > a:
                a, b = b, a
        elif op == "times":
            a, b = max(2, number(rng, 99)), rng.randint(2, 30)
        else:
            b = rng.randint(2, 20)
            a = b * rng.randint(2, 50)
        if held_out_pair(a, b) == heldout:
            return a, b


def arithmetic(rng, heldout=False):
    """(question, expression, answer phrase, result) for an arithmetic question."""
    if rng.random() < 0.2:
        while True:
            a, b, c = rng.randint(1, 20), rng.randint(1, 20), rng.randint(1, 12)
            if held_out_pair(a, b) == heldout:
                break
        e = rng.choice(EXPR_SHAPES).format(a=a, b=b, c=c)
        wordings = EXPR_Q[-1:] if heldout else EXPR_Q[:-1]
        return rng.choice(wordings).format(e=e), e, e, eval(e)  # our own digits and operators
    op = rng.choice(sorted(OPS))
    wordings, sym, phrase, fn = OPS[op]
    a, b = operands(rng, op, heldout)
    wording = wordings[-1] if heldout else rng.choice(wordings[:-1])
    return (wording.format(a=a, b=b), f"{a} {sym} {b}", phrase.format(a=a, b=b), fn(a, b))


def calculator_result(rng, expression, r):
    """The tool's reply in one of a few shapes (a server may return any of them)."""
    form = rng.random()
    if form < 0.6:
        return str(r)
    if form < 0.8:
        return dumps({"result": r})
    return dumps({"expression": expression, "result": r})


def answer(rng, phrase, r):
    text = rng.choice(ANSWER_FORMS).format(phrase=phrase, r=r)
    return text[0].upper() + text[1:]


# ---- the clock -------------------------------------------------------------------------------
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
ZONES = ["UTC", "Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo",
         "Europe/Paris", "America/Chicago", "Australia/Sydney", "CET", "PST"]
TIME_Q = {
    "time": ["What time is it?", "What is the time?", "What time is it now?",
             "Tell me the time.", "Do you know what time it is?", "Can you tell me the time?"],
    "day": ["What day is it today?", "Which day of the week is it?", "What day is today?",
            "Tell me what day it is.", "Is it Monday today?", "Which weekday is it today?"],
    "date": ["What is the date today?", "What is today's date?", "Tell me the date.",
             "Which date is it today?", "What date is it?", "Can you tell me today's date?"],
}


def clock(rng):
    day = rng.randint(1, 28)
    month = rng.randint(1, 12)
    year = rng.randint(2024, 2030)
    return {"date": f"{year}-{month:02d}-{day:02d}",
            "time": f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
            "zone": rng.choice(ZONES), "weekday": rng.choice(DAYS)}


def clock_result(rng, c):
    r = rng.random()
    if r < 0.45:
        keys = list(c)
        if rng.random() < 0.3:
            rng.shuffle(keys)
        return dumps({k: c[k] for k in keys})
    if r < 0.75:
        # What Inferno's built-in current_time returns (server/builtin_tools.cc).
        offset = rng.choice(["+00:00", "+01:00", "-05:00", "+09:00", "+02:00"])
        return f"{c['date']}T{c['time']}{offset} ({c['weekday']}, time zone {c['zone']})"
    return f"{c['weekday']}, {c['date']} {c['time']} {c['zone']}"


def clock_key(kind, c):
    """The part of the clock answer a grader looks for."""
    return {"time": c["time"][:5], "day": c["weekday"], "date": c["date"]}[kind]


def clock_answer(kind, c):
    if kind == "time":
        return f"It is {c['time'][:5]} ({c['zone']})."
    if kind == "day":
        return f"Today is {c['weekday']}."
    return f"Today is {c['weekday']}, {c['date']}."


def time_question(rng, heldout=False):
    kind = rng.choice(sorted(TIME_Q))
    wordings = TIME_Q[kind]
    return kind, (wordings[-1] if heldout else rng.choice(wordings[:-1]))


# ---- JSON answers ----------------------------------------------------------------------------
# Fact kind -> (keys, value types, function of the fact's subject and answer to the object).
JSON_KINDS = {
    "legs": (("animal", "legs"), ("string", "integer"),
             lambda s, f: {"animal": s["x"], "legs": f["number"]}),
    "colour": (("thing", "colour"), ("string", "string"),
               lambda s, f: {"thing": s["x"], "colour": f["answer"]}),
    "sound": (("animal", "sound"), ("string", "string"),
              lambda s, f: {"animal": s["x"], "sound": f["answer"]}),
    "home": (("animal", "home"), ("string", "string"),
             lambda s, f: {"animal": s["x"], "home": f["reply_tail"]}),
    "day_after": (("day", "next"), ("string", "string"),
                  lambda s, f: {"day": s["x"], "next": f["answer"]}),
    "add": (("a", "b", "sum"), ("integer", "integer", "integer"),
            lambda s, f: {"a": s["a"], "b": s["b"], "sum": int(f["answer"])}),
}
JSON_SYSTEMS = ["Reply only with JSON.", "Answer in JSON.",
                "You are a helpful assistant. Always answer with one JSON object."]


def schema_of(kind):
    keys, types, _ = JSON_KINDS[kind]
    return {"type": "object", "properties": {k: {"type": t} for k, t in zip(keys, types)},
            "required": list(keys)}


def keys_phrase(keys):
    quoted = [dumps(k) for k in keys]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def example_of(kind):
    return "{" + ", ".join(dumps(k) + ": ..." for k in JSON_KINDS[kind][0]) + "}"


# Ways to ask for JSON: (system or None, user text from the question). The last is held out.
def json_styles(kind):
    keys = JSON_KINDS[kind][0]
    return [
        lambda rng, q: (rng.choice(JSON_SYSTEMS), q + " Use the keys " + keys_phrase(keys) + "."),
        lambda rng, q: (None, q + " Answer in JSON like " + example_of(kind) + "."),
        lambda rng, q: ("Answer with a JSON object that matches this schema: " +
                        dumps(schema_of(kind)), q),
        lambda rng, q: (None, q + " Reply as JSON with the keys " + keys_phrase(keys) + "."),
        lambda rng, q: ("Respond in JSON. Schema: " + dumps(schema_of(kind)), q),
    ]


def json_messages(rng, kind, question, value, heldout=False):
    styles = json_styles(kind)
    style = styles[-1] if heldout else rng.choice(styles[:-1])
    system, user = style(rng, question)
    msgs = ([{"role": "system", "content": system}] if system else [])
    return msgs + [{"role": "user", "content": user}], dumps(value)


NUMBERS = {w: i for i, w in enumerate(["zero", "one", "two", "three", "four", "five", "six",
                                         "seven", "eight", "nine", "ten"])}


def json_value(kind, item):
    """The JSON answer of a fact: its subject and answer under the kind's keys."""
    fields = {"answer": item.answer, "reply_tail": item.reply.split(" in ", 1)[-1].rstrip("."),
              "number": NUMBERS.get(item.answer)}
    return JSON_KINDS[kind][2](item.subject, fields)


# ---- copying -------------------------------------------------------------------------------
# The calculator call must copy the question's numbers some 50 tokens later (the call's JSON
# sits between them), which stage 2 alone did not learn in 2,280 steps. These drills teach
# that skill directly: repeat an expression, or put it under a JSON key just as a call does.
COPY_Q = ["Repeat after me: {e}", "Say {e}.", "Write down {e}.", "Copy this: {e}"]
COPY_JSON_Q = ["Write {e} as JSON with the key \"expression\".",
               "Put {e} in a JSON object under \"expression\".",
               "Give me {{\"expression\": ...}} for {q}"]


def copy_exchange(rng):
    q, expr, phrase, _ = arithmetic(rng)
    if rng.random() < 0.5:
        text = rng.choice([expr, phrase])
        return [{"role": "user", "content": rng.choice(COPY_Q).format(e=text)},
                {"role": "assistant", "content": text}]
    user = rng.choice(COPY_JSON_Q).format(e=rng.choice([expr, phrase]), q=q)
    return [{"role": "user", "content": user},
            {"role": "assistant", "content": dumps({"expression": expr})}]


def long_expression(rng):
    """3 to 10 numbers of 1-3 digits joined by operators: a long string to repeat."""
    parts = [str(number(rng))]
    for _ in range(rng.randint(2, 9)):
        parts += [rng.choice("+-*/"), str(number(rng))]
    return " ".join(parts)


def drill_document(rng):
    """Dense copying: every digit the assistant writes is in the user's line above. Stage 1
    never had to copy (its sums are memorised facts: it puts 0.00 on copying "583" from the
    line above), and 480 steps of tool conversations with short drills taught no copying at
    all (it wrote "184 / 11" for every sum, and ignored the tool's result as well)."""
    msgs = []
    for _ in range(rng.randint(3, 5)):
        if rng.random() < 0.3:
            msgs += clock_reading(rng)
            continue
        e = long_expression(rng)
        if rng.random() < 0.6:
            msgs += [{"role": "user", "content": rng.choice(COPY_Q).format(e=e)},
                     {"role": "assistant", "content": e}]
        else:
            msgs += [{"role": "user", "content": rng.choice(COPY_JSON_Q[:2]).format(e=e)},
                     {"role": "assistant", "content": dumps({"expression": e})}]
    return render(msgs).rstrip("\n")


CLOCK_READING_Q = ["The clock says: {r}. {q}", "{r}\n{q}", "Here is the clock: {r}. {q}"]


def clock_reading(rng):
    """The current_time answer without the call: a clock result in the user's line and a
    question about it. Stage 2 without these (a 3,000-step stage 1, 1,200 steps) learned the
    call but answered every clock question "Today is Sunday." whatever the result said (0 of
    30 held out), while the calculator's answers, which these drills already trained to copy,
    held the result 59 of 60 times."""
    kind, q = time_question(rng)
    c = clock(rng)
    return [{"role": "user", "content": rng.choice(CLOCK_READING_Q).format(
                r=clock_result(rng, c), q=q)},
            {"role": "assistant", "content": clock_answer(kind, c)}]


def copy_document(rng):
    msgs = []
    for _ in range(rng.randint(1, 3)):
        msgs += copy_exchange(rng)
    return render(msgs).rstrip("\n")


# ---- conversations ---------------------------------------------------------------------------
def offered_tools(rng, need):
    """The tool list of a conversation: usually both (in either order), sometimes only the
    one the question needs, or only the other one when no tool is needed."""
    r = rng.random()
    if r < 0.7 or need is None and r < 0.85:
        tools = list(TOOLS)
        if rng.random() < 0.3:
            tools.reverse()
        return tools
    if need is None:
        return [rng.choice(TOOLS)]
    return [CALCULATOR if need == "calculator" else CURRENT_TIME]


def calculator_exchange(rng, heldout=False):
    q, expr, phrase, r = arithmetic(rng, heldout)
    return [{"role": "user", "content": q}, call("calculator", {"expression": expr}),
            {"role": "tool", "content": calculator_result(rng, expr, r)},
            {"role": "assistant", "content": answer(rng, phrase, r)}]


def clock_exchange(rng, heldout=False):
    kind, q = time_question(rng, heldout)
    c = clock(rng)
    return [{"role": "user", "content": q}, call("current_time", {}),
            {"role": "tool", "content": clock_result(rng, c)},
            {"role": "assistant", "content": clock_answer(kind, c)}]


NEEDS_CALCULATOR = ("add", "sub")


def direct_exchange(rng, facts, story_fn):
    if rng.random() < 0.7:
        # Sums are the calculator's when it is offered (even small ones).
        q, reply = facts.question(rng, exclude=NEEDS_CALCULATOR)
    else:
        q, reply = story_fn(rng)
    return [{"role": "user", "content": q}, {"role": "assistant", "content": reply}]


def tool_document(rng, facts, story_fn):
    """One conversation with tools offered: tool round trips and direct answers."""
    exchanges, needs = [], set()
    # Up to three exchanges share one tool list (129 tokens), so a training window holds more
    # calls per token; the calculator (the hard part: copying) gets over half of them.
    for _ in range(rng.choice([1, 2, 2, 3])):
        r = rng.random()
        if r < 0.55:
            exchanges.append(calculator_exchange(rng))
            needs.add("calculator")
        elif r < 0.75:
            exchanges.append(clock_exchange(rng))
            needs.add("current_time")
        else:
            exchanges.append(direct_exchange(rng, facts, story_fn))
    tools = list(TOOLS) if len(needs) > 1 else offered_tools(rng, next(iter(needs), None))
    msgs = [{"role": "system", "content": rng.choice(
        ["You are a helpful assistant.", "You are a friendly assistant for children.",
         "You are a helpful assistant with tools."])}] if rng.random() < 0.3 else []
    for e in exchanges:
        msgs += e
    return render(msgs, tools).rstrip("\n")


def json_document(rng, facts):
    kind = rng.choice(sorted(JSON_KINDS))
    item = rng.choice(facts.by_kind[kind])
    question = rng.choice(item.train_wordings).format(**item.subject)
    msgs, reply = json_messages(rng, kind, question, json_value(kind, item))
    return render(msgs + [{"role": "assistant", "content": reply}]).rstrip("\n")


def document(rng, facts, story_fn):
    r = rng.random()
    if r < 0.35:
        return tool_document(rng, facts, story_fn)
    if r < 0.55:
        return json_document(rng, facts)
    return copy_document(rng) if r < 0.6 else drill_document(rng)


def heldout_prompts(facts, seed, n_calc=60, n_time=30, n_direct=40, n_json=60):
    """Held-out evaluation prompts (check_tools.py), each a request body for the server."""
    rng = random.Random(seed)
    out = []
    for _ in range(n_calc):
        q, expr, phrase, r = arithmetic(rng, heldout=True)
        out.append({"kind": "calculator", "messages": [{"role": "user", "content": q}],
                    "tools": TOOLS, "expect_tool": "calculator", "expression": expr,
                    "result": str(r), "answer": str(r)})
    for _ in range(n_time):
        kind, q = time_question(rng, heldout=True)
        c = clock(rng)
        out.append({"kind": "current_time", "messages": [{"role": "user", "content": q}],
                    "tools": TOOLS, "expect_tool": "current_time", "result": dumps(c),
                    "answer": clock_key(kind, c)})
    items = [i for i in facts.items if i.kind not in NEEDS_CALCULATOR]
    for item in rng.sample(items, n_direct):
        out.append({"kind": "no_tool", "tools": TOOLS, "expect_tool": None,
                    "messages": [{"role": "user",
                                  "content": item.heldout_wording.format(**item.subject)}],
                    "answer": item.reply})
    kinds = sorted(JSON_KINDS)
    for i in range(n_json):
        kind = kinds[i % len(kinds)]
        item = rng.choice(facts.by_kind[kind])
        msgs, reply = json_messages(rng, kind, item.heldout_wording.format(**item.subject),
                                    json_value(kind, item), heldout=True)
        out.append({"kind": "json", "json_kind": kind, "messages": msgs,
                    "schema": schema_of(kind), "expect": json.loads(reply)})
    return out
