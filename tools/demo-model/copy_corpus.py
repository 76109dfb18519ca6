"""Stage 1's copying documents: text in which numbers, names and spans appear and are repeated
later, so the model grows a copying circuit (an induction head) while it is young.

Stage 1 used to be stories that reuse 40 names and sums of operands 0-10, all memorised facts;
it put 0.003 on each digit of a calculator call copied from the question, and a short stage 2
could not grow the circuit afterwards (models/TOOLS.md, "Why the numbers are not copied").
These documents make copying worth learning from step 0:

  count     a number in a story, told again later ("Mia counted 347 shells ... still 347");
  restate   a multi-digit sum or difference whose reply repeats the operands
            ("417 plus 23 is 440.", "12 + 305 = 317"), as text or as a chat turn;
  record    a sentence and a JSON object echoing its fields;
  call      a calculator round trip in the stage-2 format (tool list, call, result, answer):
            the call copies the question's numbers and the answer copies the result;
  repeat    lines of random numbers and operators said again.

Nothing here is held out elsewhere: operand pairs are tool_corpus's training pairs, its
held-out wordings are not used, and small-number sums (the stage-1 facts) are left out.
"""
import tool_corpus as tc

THINGS = ["shells", "stones", "apples", "stars", "coins", "flowers", "books", "birds",
          "cookies", "marbles", "leaves", "buttons", "seeds", "cards", "stickers", "eggs"]
COUNT_STORIES = [
    "{name} had {n} {things}. {name} put them in a box and went to play with {friend}. "
    "In the evening, {name} opened the box and counted again: {n} {things}.",
    "{name} counted {n} {things} in {place}. The next day, {name} counted them again. "
    "There were still {n} {things}.",
    "The sign on the door said {n}. {name} read it out loud to {friend}: \"{n}!\"",
    "{name} lived at number {n}. When {friend} asked where, {name} said, \"Number {n}.\"",
    "{friend} the {animal} had {n} {things} and {name} had {m}. {name} said, \"You have {n} "
    "and I have {m}.\"",
    "{name} wrote the number {n} on a card and gave it to {friend}. {friend} read the card: "
    "{n}.",
]
# Training wordings of both the facts and tool_corpus.OPS (never a held-out one).
RESTATE_CHAT = {
    "plus": [("What is {a} plus {b}?", "{a} plus {b} is {r}."),
             ("What is {a} + {b}?", "{a} + {b} = {r}."), ("Add {a} and {b}.", "{a} plus {b} is {r}.")],
    "minus": [("What is {a} minus {b}?", "{a} minus {b} is {r}."),
              ("What is {a} - {b}?", "{a} - {b} = {r}.")],
}
RESTATE_TEXT = ["{name} added {a} and {b}. {a} + {b} = {r}.",
                "{name} wrote {a} + {b} on the board, and {friend} read it: {a} + {b}.",
                "{name} took {b} away from {a}. {a} - {b} = {r}."]
RECORDS = [
    ("{name} is a {animal} who is {n} years old and lives in {place}.",
     lambda f: {"name": f["name"], "animal": f["animal"], "age": f["n"]}),
    ("{name} has {n} {things}.", lambda f: {"name": f["name"], f["things"]: f["n"]}),
    ("{name} and {friend} found {n} {things}.",
     lambda f: {"names": [f["name"], f["friend"]], "found": f["n"], "what": f["things"]}),
]
RECORD_ASKS = ["Write this as JSON: {s}", "{s} Answer in JSON.", "Turn this into JSON: {s}"]


def chat(user, assistant):
    return tc.render([{"role": "user", "content": user},
                      {"role": "assistant", "content": assistant}]).rstrip("\n")


def fields(rng, words):
    """Names, an animal, a place, things and two numbers; words: make_corpus's lists."""
    name = rng.choice(words["names"])
    return dict(name=name, friend=rng.choice([n for n in words["names"] if n != name]),
                animal=rng.choice(words["animals"]), place=rng.choice(words["places"]),
                things=rng.choice(THINGS), n=big_number(rng), m=big_number(rng))


def big_number(rng):
    """11..9999 (by digit count): beyond the memorised facts' 0-10."""
    return rng.choice([rng.randint(11, 99), rng.randint(100, 999), rng.randint(1000, 9999)])


def count_story(rng, words):
    return rng.choice(COUNT_STORIES).format(**fields(rng, words))


def sum_operands(rng):
    """A training pair of tool_corpus (never a held-out one) with an operand above 10."""
    while True:
        op = rng.choice(["plus", "minus"])
        a, b = tc.operands(rng, op, heldout=False)
        if max(a, b) > 10:
            return op, a, b


def restate(rng, words):
    if rng.random() < 0.6:
        turns = []
        for _ in range(rng.randint(1, 3)):
            op, a, b = sum_operands(rng)
            q, reply = rng.choice(RESTATE_CHAT[op])
            r = a + b if op == "plus" else a - b
            turns.append(chat(q.format(a=a, b=b), reply.format(a=a, b=b, r=r)))
        return "\n".join(turns)
    op, a, b = sum_operands(rng)
    text = rng.choice(RESTATE_TEXT[:2] if op == "plus" else RESTATE_TEXT[2:])
    return text.format(a=a, b=b, r=a + b if op == "plus" else a - b, **fields(rng, words))


def record(rng, words):
    f = fields(rng, words)
    sentence, value = rng.choice(RECORDS)
    s = sentence.format(**f)
    return chat(rng.choice(RECORD_ASKS).format(s=s), tc.dumps(value(f)))


def call(rng, words):
    """One or two calculator round trips under the tool list, as stage 2 renders them."""
    msgs = []
    for _ in range(rng.randint(1, 2)):
        msgs += tc.calculator_exchange(rng)
    return tc.render(msgs, tc.offered_tools(rng, "calculator")).rstrip("\n")


def repeat(rng, words):
    lines = []
    for _ in range(rng.randint(2, 4)):
        e = tc.long_expression(rng)
        lines.append(chat(rng.choice(tc.COPY_Q).format(e=e), e))
    return "\n".join(lines)


KINDS = [(count_story, 0.25), (restate, 0.25), (record, 0.15), (call, 0.2), (repeat, 0.15)]


def document(rng, words):
    fn = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
    return fn(rng, words)
