#!/usr/bin/python3
"""Writes the demo model's training corpus: simple, varied English made from our own
templates and word lists (no external data). Deterministic for a given seed.

Outputs (in --out):
  train.txt, valid.txt   documents separated by blank lines; chat turns in ChatML
  heldout_facts.jsonl    fact questions in a wording never used in training, with answers
"""
import argparse
import json
import os
import random

NAMES = ["Tom", "Lily", "Max", "Mia", "Ben", "Sara", "Sam", "Anna", "Leo", "Emma", "Jack",
         "Lucy", "Finn", "Zoe", "Noah", "Ella", "Oscar", "Ruby", "Theo", "Nora", "Hugo", "Ivy",
         "Milo", "Rosa", "Kai", "Maya", "Eli", "Tara", "Owen", "Jade"]
ANIMALS = ["cat", "dog", "fox", "rabbit", "bear", "bird", "duck", "frog", "mouse", "owl",
           "horse", "cow", "pig", "sheep", "lion", "turtle", "squirrel", "deer", "goat", "hen"]
PLACES = ["a small village", "a big forest", "a quiet farm", "a sunny beach", "a busy town",
          "a green valley", "a little house by the river", "a tall castle", "a snowy mountain",
          "a garden full of flowers", "a park near the lake", "an old barn"]
ADJ = ["happy", "little", "brave", "kind", "curious", "shy", "clever", "friendly", "sleepy",
       "funny", "gentle", "busy"]
OBJECTS = ["a red ball", "a shiny stone", "a blue kite", "a small box", "a golden key",
           "a big apple", "a soft blanket", "a yellow hat", "a wooden boat", "a lost shoe",
           "a map", "a little bell"]
EVENTS = [
    "One day, {name} found {obj} under a tree.",
    "One morning, {name} saw {obj} in the grass.",
    "One day, it started to rain and {name} could not go outside.",
    "One day, {name} lost {obj} and felt very sad.",
    "One evening, {name} heard a strange sound near the water.",
    "One day, {name} wanted to climb the highest hill.",
    "One afternoon, a storm came and the wind was very strong.",
]
MIDDLES = [
    "{name} asked {friend} the {fanimal} for help.",
    "{name} looked everywhere, behind the rocks and under the leaves.",
    "{friend} the {fanimal} came to play and they laughed together.",
    "{name} was scared, but {friend} said, \"Do not worry. I am here.\"",
    "{name} and {friend} walked and walked until the sun went down.",
    "They shared {obj} and took turns.",
]
ENDINGS = [
    "In the end, {name} and {friend} became best friends.",
    "From that day on, {name} was never afraid again.",
    "{name} smiled and went home, happy and tired.",
    "At night, {name} slept well and dreamed of the big adventure.",
    "{name} learned that it is good to help others.",
    "Everyone was happy, and they had a big party.",
]

COLOURS = {"sky": "blue", "grass": "green", "snow": "white", "banana": "yellow",
           "strawberry": "red", "coal": "black", "carrot": "orange", "lemon": "yellow",
           "tomato": "red", "leaf": "green", "cloud": "white", "chocolate": "brown",
           "milk": "white", "cherry": "red", "pumpkin": "orange", "frog": "green",
           "sun": "yellow", "ocean": "blue", "night sky": "black", "lime": "green",
           "blueberry": "blue", "plum": "purple", "grape": "purple", "salt": "white",
           "rose": "red", "crow": "black", "tree trunk": "brown", "pig": "pink",
           "flamingo": "pink", "corn": "yellow"}
SOUNDS = {"cow": "moo", "dog": "woof", "cat": "meow", "duck": "quack", "sheep": "baa",
          "pig": "oink", "lion": "roar", "horse": "neigh", "owl": "hoot", "frog": "ribbit",
          "bee": "buzz", "mouse": "squeak", "hen": "cluck", "goat": "bleat", "snake": "hiss",
          "wolf": "howl"}
LEGS = {"dog": 4, "cat": 4, "bird": 2, "spider": 8, "ant": 6, "bee": 6, "fish": 0, "snake": 0,
        "cow": 4, "duck": 2, "horse": 4, "chicken": 2, "frog": 4, "crab": 10, "person": 2,
        "octopus": 8, "pig": 4, "owl": 2, "beetle": 6, "worm": 0}
HOMES = {"bird": "a nest", "bee": "a hive", "dog": "a kennel", "rabbit": "a burrow",
         "fish": "the water", "spider": "a web", "bear": "a cave", "horse": "a stable",
         "pig": "a sty", "cow": "a barn", "ant": "an anthill", "fox": "a den",
         "owl": "a tree", "chicken": "a coop", "whale": "the ocean", "bat": "a cave"}
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
                "seventeen", "eighteen", "nineteen", "twenty", "twenty-one", "twenty-two",
                "twenty-three", "twenty-four", "twenty-five", "twenty-six", "twenty-seven",
                "twenty-eight", "twenty-nine", "thirty", "thirty-one", "thirty-two",
                "thirty-three", "thirty-four", "thirty-five", "thirty-six", "thirty-seven",
                "thirty-eight", "thirty-nine", "forty"]
SPELL_WORDS = ["cat", "dog", "sun", "hat", "cup", "bed", "pig", "fox", "box", "red", "run",
               "sit", "map", "pen", "bus", "egg", "cow", "owl", "bee", "ant", "fish", "frog",
               "tree", "book", "milk", "cake", "ball", "bird", "duck", "rain", "snow", "star",
               "moon", "ship", "shoe", "door", "home", "king", "lamp", "nest", "rose", "ring",
               "apple", "house", "horse", "mouse", "plant", "chair", "table", "bread", "green",
               "water", "happy", "light", "river", "stone", "smile", "sheep", "train", "cloud"]

# Question wordings. The last wording of each kind is held out: it never appears in training,
# only in heldout_facts.jsonl, to test that the facts were learned and not the sentences.
COLOUR_Q = ["What colour is the {x}?", "What color is the {x}?", "Tell me the colour of the {x}.",
            "Which colour is the {x}?"]
SOUND_Q = ["What sound does a {x} make?", "What does a {x} say?", "How does a {x} sound?",
           "Which sound does a {x} make?"]
LEGS_Q = ["How many legs does a {x} have?", "How many legs has a {x} got?",
          "Count the legs of a {x}.", "A {x} has how many legs?"]
HOME_Q = ["Where does a {x} live?", "What is the home of a {x}?", "Where is a {x}'s home?",
          "In what place does a {x} live?"]
AFTER_Q = ["What day comes after {x}?", "Which day is after {x}?", "What is the day after {x}?",
           "Which day follows {x}?"]
BEFORE_Q = ["What day comes before {x}?", "Which day is before {x}?",
            "What is the day before {x}?", "Which day comes just before {x}?"]
ADD_Q = ["What is {a} plus {b}?", "What is {a} + {b}?", "Add {a} and {b}.",
         "How much is {a} plus {b}?"]
SUB_Q = ["What is {a} minus {b}?", "What is {a} - {b}?", "Take {b} away from {a}.",
         "How much is {a} minus {b}?"]
SPELL_Q = ["How do you spell {x}?", "Spell the word {x}.", "Can you spell {x}?",
           "What are the letters in {x}?"]


def chat(user, assistant, system=None):
    out = ""
    if system:
        out += "<|im_start|>system\n" + system + "<|im_end|>\n"
    return out + "<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n" + \
        assistant + "<|im_end|>"


def story(rng, animal=None):
    name = rng.choice(NAMES)
    friend = rng.choice([n for n in NAMES if n != name])
    animal = animal or rng.choice(ANIMALS)
    f = dict(name=name, friend=friend, fanimal=rng.choice(ANIMALS), obj=rng.choice(OBJECTS))
    opening = rng.choice([
        "Once upon a time, there was a {adj} {animal} named {name}.",
        "Once upon a time, there was a {adj} {animal} named {name} who lived in {place}.",
        "Once upon a time, in {place}, there lived a {adj} {animal} called {name}.",
        "Once upon a time, a {adj} {animal} named {name} lived in {place}.",
    ]).format(adj=rng.choice(ADJ), animal=animal, name=name, place=rng.choice(PLACES))
    parts = [opening, rng.choice(EVENTS).format(**f)]
    for m in rng.sample(MIDDLES, rng.randint(1, 3)):
        parts.append(m.format(**f))
    parts.append(rng.choice(ENDINGS).format(**f))
    return " ".join(parts)


def fact_items():
    """(kind, question wordings, subject dict for format, answer) for every fact."""
    items = []
    for x, c in COLOURS.items():
        items.append((COLOUR_Q, dict(x=x), "The {} is {}.".format(x, c), c))
    for x, s in SOUNDS.items():
        items.append((SOUND_Q, dict(x=x), "A {} says {}.".format(x, s), s))
    for x, n in LEGS.items():
        items.append((LEGS_Q, dict(x=x), "A {} has {} legs.".format(x, NUMBER_WORDS[n]), NUMBER_WORDS[n]))
    for x, h in HOMES.items():
        items.append((HOME_Q, dict(x=x), "A {} lives in {}.".format(x, h), h.split()[-1]))
    for i, d in enumerate(DAYS):
        nxt, prv = DAYS[(i + 1) % 7], DAYS[(i - 1) % 7]
        items.append((AFTER_Q, dict(x=d), "The day after {} is {}.".format(d, nxt), nxt))
        items.append((BEFORE_Q, dict(x=d), "The day before {} is {}.".format(d, prv), prv))
    for a in range(0, 21):
        for b in range(0, 21):
            items.append((ADD_Q, dict(a=a, b=b), "{} plus {} is {}.".format(a, b, a + b), str(a + b)))
            if a >= b:
                items.append((SUB_Q, dict(a=a, b=b), "{} minus {} is {}.".format(a, b, a - b), str(a - b)))
    for w in SPELL_WORDS:
        items.append((SPELL_Q, dict(x=w), "{} is spelled {}.".format(w.capitalize(), "-".join(w)), "-".join(w)))
    return items


_KINDS = {}


def items_by_kind(items):
    key = id(items)
    if key not in _KINDS:
        groups = {}
        for item in items:
            groups.setdefault(id(item[0]), []).append(item)
        _KINDS[key] = list(groups.values())
    return _KINDS[key]


def document(rng, items):
    r = rng.random()
    if r < 0.40:
        return story(rng)
    if r < 0.50:
        animal = rng.choice(ANIMALS)
        ask = rng.choice(["Write a story about a {}.", "Tell me a story about a {}.",
                          "Can you write a short story about a {}?"]).format(animal)
        return chat(ask, story(rng, animal))
    # One to three fact turns in a conversation.
    turns = []
    for _ in range(rng.randint(1, 3)):
        # Kind first, then fact: arithmetic has hundreds of facts and would crowd out the
        # thirty colours otherwise.
        wordings, subject, answer, _ = rng.choice(rng.choice(items_by_kind(items)))
        turns.append(chat(rng.choice(wordings[:-1]).format(**subject), answer))
    if rng.random() < 0.2:
        turns[0] = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" + turns[0]
    return "\n".join(turns)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--megabytes", type=float, default=200)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    items = fact_items()
    limit = int(args.megabytes * 1e6)
    with open(os.path.join(args.out, "train.txt"), "w") as train, \
            open(os.path.join(args.out, "valid.txt"), "w") as valid:
        written = 0
        while written < limit:
            doc = document(rng, items) + "\n\n"
            # 1 document in 200 is held out for validation.
            (valid if rng.random() < 0.005 else train).write(doc)
            written += len(doc)
    heldout = random.Random(args.seed + 1)
    with open(os.path.join(args.out, "heldout_facts.jsonl"), "w") as f:
        for wordings, subject, _, answer in items:
            if wordings in (ADD_Q, SUB_Q) and heldout.random() > 0.1:
                continue  # a sample of the arithmetic is enough
            f.write(json.dumps({"question": wordings[-1].format(**subject),
                                "answer": answer}) + "\n")


if __name__ == "__main__":
    main()
