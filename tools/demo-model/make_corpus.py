#!/usr/bin/python3
"""Writes the demo model's training corpus: simple, varied English made from our own
templates and word lists (no external data). Deterministic for a given seed.

A --copy-fraction of the documents (copy_corpus.py) repeat numbers, names and spans, so the
model learns to copy from its context in stage 1.

Outputs (in --out):
  train.txt           documents separated by blank lines; chat turns in ChatML
  valid.txt           held-out documents (same distribution, never trained on)
  heldout_facts.jsonl fact questions the model never saw in training, with their answers:
                      kind "wording"  - a question wording used nowhere in training;
                      kind "combo"    - a training wording that was never paired with this
                                        particular fact in training.
With --tools-megabytes, the stage-2 corpus of tool_corpus.py as well:
  tools_train.txt, tools_valid.txt  tool round trips, direct answers with tools offered, JSON
  heldout_tools.jsonl               held-out prompts for check_tools.py
"""
import argparse
import json
import os
import random

import copy_corpus
import tool_corpus

NAMES = ["Tom", "Lily", "Max", "Mia", "Ben", "Sara", "Sam", "Anna", "Leo", "Emma", "Jack",
         "Lucy", "Finn", "Zoe", "Noah", "Ella", "Oscar", "Ruby", "Theo", "Nora", "Hugo", "Ivy",
         "Milo", "Rosa", "Kai", "Maya", "Eli", "Tara", "Owen", "Jade", "Pip", "Daisy", "Bob",
         "Molly", "Jim", "Rita", "Dan", "Lena", "Paul", "Greta"]
ANIMALS = ["cat", "dog", "fox", "rabbit", "bear", "bird", "duck", "frog", "mouse", "owl",
           "horse", "cow", "pig", "sheep", "lion", "turtle", "squirrel", "deer", "goat", "hen",
           "puppy", "kitten", "bunny", "hedgehog", "elephant", "monkey", "penguin", "dragon"]
PEOPLE = ["girl", "boy", "farmer", "king", "queen", "baker", "fisherman", "little girl",
          "little boy", "old man", "old woman", "princess", "prince"]
PLACES = ["a small village", "a big forest", "a quiet farm", "a sunny beach", "a busy town",
          "a green valley", "a little house by the river", "a tall castle", "a snowy mountain",
          "a garden full of flowers", "a park near the lake", "an old barn", "a dark cave",
          "a tiny island", "a big city", "a cozy cottage", "a field of corn", "a blue pond"]
ADJ = ["happy", "little", "brave", "kind", "curious", "shy", "clever", "friendly", "sleepy",
       "funny", "gentle", "busy", "silly", "tiny", "proud", "lonely", "cheerful", "grumpy"]
OBJECTS = ["a red ball", "a shiny stone", "a blue kite", "a small box", "a golden key",
           "a big apple", "a soft blanket", "a yellow hat", "a wooden boat", "a lost shoe",
           "a map", "a little bell", "a green frog toy", "a pretty flower", "a magic wand",
           "an old book", "a round cake", "a silver coin", "a paper crown", "a tiny seed"]
FOODS = ["apples", "carrots", "bread", "cake", "soup", "berries", "honey", "cookies", "pie",
         "cheese", "nuts", "pancakes"]
FEELINGS = ["happy", "sad", "scared", "excited", "tired", "proud", "surprised", "angry",
            "glad", "worried"]
WEATHER = ["sunny", "rainy", "windy", "snowy", "cold", "warm", "cloudy", "foggy"]
OPENINGS = [
    "Once upon a time, there was a {adj} {hero} named {name}.",
    "Once upon a time, there was a {adj} {hero} named {name} who lived in {place}.",
    "Once upon a time, in {place}, there lived a {adj} {hero} called {name}.",
    "Once upon a time, a {adj} {hero} named {name} lived in {place}.",
    "Once upon a time, there was a {hero} called {name}. {name} was very {adj}.",
    "Once upon a time, {name} the {hero} lived in {place}.",
]
OTHER_OPENINGS = [  # a quarter of the stories start some other way
    "There was once a {adj} {hero} named {name} who lived in {place}.",
    "Long ago, in {place}, there lived a {adj} {hero} named {name}.",
    "{name} was a {adj} {hero}. {name} lived in {place}.",
    "It was a {weather} day in {place}. {name} the {hero} went outside.",
    "One {weather} morning, {name} the {hero} woke up early.",
]
EVENTS = [
    "One day, {name} found {obj} under a tree.",
    "One morning, {name} saw {obj} in the grass.",
    "One day, it started to rain and {name} could not go outside.",
    "One day, {name} lost {obj} and felt very sad.",
    "One evening, {name} heard a strange sound near the water.",
    "One day, {name} wanted to climb the highest hill.",
    "One afternoon, a storm came and the wind was very strong.",
    "One day, {name} was very hungry and wanted to eat some {food}.",
    "One day, {name} went to visit {friend} the {fanimal}.",
    "One night, {name} looked at the moon and made a wish.",
    "One day, {name} saw a big hole in the fence.",
    "One morning, {name} found a little bird that could not fly.",
    "One day, {name} wanted to bake a cake for {friend}.",
    "One day, the weather was {weather} and {name} felt {feeling}.",
]
MIDDLES = [
    "{name} asked {friend} the {fanimal} for help.",
    "{name} looked everywhere, behind the rocks and under the leaves.",
    "{friend} the {fanimal} came to play and they laughed together.",
    "{name} was scared, but {friend} said, \"Do not worry. I am here.\"",
    "{name} and {friend} walked and walked until the sun went down.",
    "They shared {obj} and took turns.",
    "\"Can you help me?\" asked {name}. \"Yes, I can,\" said {friend}.",
    "{name} felt {feeling}, so {name} sat down and thought for a while.",
    "They ate {food} together and talked about their day.",
    "{friend} had a good idea. \"Let us try again!\" said {friend}.",
    "{name} tried very hard, and at last it worked.",
    "On the way, they met a {adj2} {animal2} who wanted to come too.",
    "The sun came out and the sky was blue again.",
    "{name} ran to {place2} as fast as possible.",
]
ENDINGS = [
    "In the end, {name} and {friend} became best friends.",
    "From that day on, {name} was never afraid again.",
    "{name} smiled and went home, happy and tired.",
    "At night, {name} slept well and dreamed of the big adventure.",
    "{name} learned that it is good to help others.",
    "Everyone was happy, and they had a big party.",
    "{name} said thank you, and they all went home for dinner.",
    "And they all lived happily ever after.",
    "The next day, {name} told everyone about the adventure.",
    "{name} learned that sharing makes everyone happy.",
]
STORY_ASKS = [
    "Write a story about a {animal}.", "Tell me a story about a {animal}.",
    "Can you write a short story about a {animal}?", "Please tell me a story about a {adj} {animal}.",
    "Write a short story about a {animal} named {name}.", "Tell me a bedtime story about a {animal}.",
    "I want a story about a {animal}.", "Write a story for children about a {adj} {animal}.",
]
SYSTEMS = ["You are a helpful assistant.", "You are a friendly assistant for children.",
           "You are a helpful assistant. Answer in short sentences."]

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
                "ten"]
SPELL_WORDS = ["cat", "dog", "sun", "hat", "cup", "bed", "pig", "fox", "box", "red", "run",
               "sit", "map", "pen", "bus", "egg", "cow", "owl", "bee", "ant", "fish", "frog",
               "tree", "book", "milk", "cake", "ball", "bird", "duck", "rain", "snow", "star",
               "moon", "ship", "shoe", "door", "home", "king", "lamp", "nest", "rose", "ring",
               "apple", "house", "horse", "mouse", "plant", "chair", "table", "bread", "green",
               "water", "happy", "light", "river", "stone", "smile", "sheep", "train", "cloud"]
MAX_OPERAND = 10  # small-number arithmetic: a, b in 0..10

# Question wordings. The LAST wording of each kind never appears in training (held out);
# the others are training wordings, except that each fact has one of them withheld (the
# "combo" held-out set), so the test also asks known wordings about facts in new pairings.
COLOUR_Q = ["What colour is the {x}?", "What color is the {x}?", "Tell me the colour of the {x}.",
            "What is the colour of the {x}?", "Which colour is the {x}?"]
SOUND_Q = ["What sound does a {x} make?", "What does a {x} say?", "How does a {x} sound?",
           "What noise does a {x} make?", "Which sound does a {x} make?"]
LEGS_Q = ["How many legs does a {x} have?", "How many legs has a {x} got?",
          "Count the legs of a {x}.", "Tell me how many legs a {x} has.",
          "A {x} has how many legs?"]
HOME_Q = ["Where does a {x} live?", "What is the home of a {x}?", "Where is a {x}'s home?",
          "Tell me where a {x} lives.", "In what place does a {x} live?"]
AFTER_Q = ["What day comes after {x}?", "Which day is after {x}?", "What is the day after {x}?",
           "Tell me the day after {x}.", "Which day follows {x}?"]
BEFORE_Q = ["What day comes before {x}?", "Which day is before {x}?",
            "What is the day before {x}?", "Tell me the day before {x}.",
            "Which day comes just before {x}?"]
ADD_Q = ["What is {a} plus {b}?", "What is {a} + {b}?", "Add {a} and {b}.",
         "What do you get if you add {a} and {b}?", "How much is {a} plus {b}?"]
SUB_Q = ["What is {a} minus {b}?", "What is {a} - {b}?", "Take {b} away from {a}.",
         "What do you get if you take {b} from {a}?", "How much is {a} minus {b}?"]
SPELL_Q = ["How do you spell {x}?", "Spell the word {x}.", "Can you spell {x}?",
           "Please spell {x}.", "What are the letters in {x}?"]
KINDS = {"colour": COLOUR_Q, "sound": SOUND_Q, "legs": LEGS_Q, "home": HOME_Q,
         "day_after": AFTER_Q, "day_before": BEFORE_Q, "add": ADD_Q, "sub": SUB_Q,
         "spell": SPELL_Q}


def chat(user, assistant):
    return ("<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n" + assistant +
            "<|im_end|>")


def story(rng, hero=None, name=None, adj=None):
    name = name or rng.choice(NAMES)
    friend = rng.choice([n for n in NAMES if n != name])
    hero = hero or rng.choice(ANIMALS + PEOPLE)
    place = rng.choice(PLACES)
    f = dict(name=name, friend=friend, fanimal=rng.choice(ANIMALS), obj=rng.choice(OBJECTS),
             food=rng.choice(FOODS), feeling=rng.choice(FEELINGS), weather=rng.choice(WEATHER),
             adj2=rng.choice(ADJ), animal2=rng.choice(ANIMALS),
             place2=rng.choice([p for p in PLACES if p != place]))
    openings = OPENINGS if rng.random() < 0.75 else OTHER_OPENINGS
    opening = rng.choice(openings).format(adj=adj or rng.choice(ADJ), hero=hero, name=name,
                                          place=place, weather=f["weather"])
    parts = [opening, rng.choice(EVENTS).format(**f)]
    for m in rng.sample(MIDDLES, rng.randint(1, 4)):
        parts.append(m.format(**f))
    parts.append(rng.choice(ENDINGS).format(**f))
    text = " ".join(parts)
    return text[0].upper() + text[1:]


class Fact:
    def __init__(self, kind, subject, reply, answer):
        self.kind, self.subject, self.reply, self.answer = kind, subject, reply, answer


def fact_items():
    items = []
    for x, c in COLOURS.items():
        items.append(Fact("colour", dict(x=x), "The {} is {}.".format(x, c), c))
    for x, s in SOUNDS.items():
        items.append(Fact("sound", dict(x=x), "A {} says {}.".format(x, s), s))
    for x, n in LEGS.items():
        items.append(Fact("legs", dict(x=x), "A {} has {} legs.".format(x, NUMBER_WORDS[n]),
                          NUMBER_WORDS[n]))
    for x, h in HOMES.items():
        items.append(Fact("home", dict(x=x), "A {} lives in {}.".format(x, h), h.split()[-1]))
    for i, d in enumerate(DAYS):
        nxt, prv = DAYS[(i + 1) % 7], DAYS[(i - 1) % 7]
        items.append(Fact("day_after", dict(x=d), "The day after {} is {}.".format(d, nxt), nxt))
        items.append(Fact("day_before", dict(x=d), "The day before {} is {}.".format(d, prv),
                          prv))
    for a in range(MAX_OPERAND + 1):
        for b in range(MAX_OPERAND + 1):
            items.append(Fact("add", dict(a=a, b=b), "{} plus {} is {}.".format(a, b, a + b),
                              str(a + b)))
            if a >= b:
                items.append(Fact("sub", dict(a=a, b=b), "{} minus {} is {}.".format(a, b, a - b),
                                  str(a - b)))
    for w in SPELL_WORDS:
        items.append(Fact("spell", dict(x=w), "{} is spelled {}.".format(w.capitalize(),
                                                                          "-".join(w)),
                          "-".join(w)))
    return items


class Facts:
    """The facts grouped by kind, each with its training wordings (one withheld per fact)."""

    def __init__(self, seed):
        rng = random.Random(seed)
        self.items = fact_items()
        self.by_kind = {}
        for item in self.items:
            wordings = KINDS[item.kind]
            item.heldout_wording = wordings[-1]
            item.heldout_combo = rng.choice(wordings[:-1])
            item.train_wordings = [w for w in wordings[:-1] if w != item.heldout_combo]
            self.by_kind.setdefault(item.kind, []).append(item)
        # Kinds are drawn with weight ~ sqrt(number of facts): arithmetic has 187 facts and
        # would crowd out the 30 colours if facts were drawn uniformly, but needs more
        # repetitions in total than the 14 day facts.
        self.kinds = sorted(self.by_kind)
        self.weights = [len(self.by_kind[k]) ** 0.5 for k in self.kinds]

    def question(self, rng, exclude=()):
        """(question in a training wording, reply) of a fact drawn at random, of a kind not in
        `exclude`."""
        kinds = [k for k in self.kinds if k not in exclude]
        kind = rng.choices(kinds, [w for k, w in zip(self.kinds, self.weights) if k in kinds])[0]
        item = rng.choice(self.by_kind[kind])
        return rng.choice(item.train_wordings).format(**item.subject), item.reply

    def turn(self, rng):
        return chat(*self.question(rng))


def story_request(rng):
    """(a request for a story, the story)."""
    animal, name, adj = rng.choice(ANIMALS), rng.choice(NAMES), rng.choice(ADJ)
    ask = rng.choice(STORY_ASKS).format(animal=animal, name=name, adj=adj)
    return ask, story(rng, animal, name if "{name}" in ask else None,
                      adj if "{adj}" in ask else None)


WORDS = {"names": NAMES, "animals": ANIMALS, "places": PLACES}


def document(rng, facts, copy_fraction):
    # No draw at all without copying documents: --copy-fraction 0 writes the old corpus.
    if copy_fraction and rng.random() < copy_fraction:
        return copy_corpus.document(rng, WORDS)
    r = rng.random()
    if r < 0.42:
        return story(rng)
    if r < 0.52:
        text = chat(*story_request(rng))
    else:
        # One to four fact turns in a conversation.
        text = "\n".join(facts.turn(rng) for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.2:
        text = "<|im_start|>system\n" + rng.choice(SYSTEMS) + "<|im_end|>\n" + text
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--megabytes", type=float, default=300,
                    help="stage-1 corpus size (0: leave the stage-1 files alone)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--copy-fraction", type=float, default=0.2,
                    help="share of stage-1 documents that teach copying (copy_corpus.py)")
    ap.add_argument("--tools-megabytes", type=float, default=0,
                    help="also write the stage-2 tool/JSON corpus (tools_train.txt, "
                         "tools_valid.txt, heldout_tools.jsonl) of this size")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    facts = Facts(args.seed + 1)
    if args.megabytes:
        write_corpus(args, facts)
    if args.tools_megabytes:
        write_tool_corpus(args, facts)


def write_corpus(args, facts):
    """Stage 1: stories and facts, plus the held-out fact questions."""
    rng = random.Random(args.seed)
    limit = int(args.megabytes * 1e6)
    counts = {"train": 0, "valid": 0}
    with open(os.path.join(args.out, "train.txt"), "w") as train, \
            open(os.path.join(args.out, "valid.txt"), "w") as valid:
        written = 0
        while written < limit:
            doc = document(rng, facts, args.copy_fraction) + "\n\n"
            # 1 document in 200 is held out for validation.
            split = "valid" if rng.random() < 0.005 else "train"
            (valid if split == "valid" else train).write(doc)
            counts[split] += 1
            written += len(doc)
    with open(os.path.join(args.out, "heldout_facts.jsonl"), "w") as f:
        for item in facts.items:
            for kind, wording in (("wording", item.heldout_wording),
                                  ("combo", item.heldout_combo)):
                f.write(json.dumps({"kind": item.kind, "heldout": kind,
                                    "question": wording.format(**item.subject),
                                    "reply": item.reply, "answer": item.answer}) + "\n")
    print(json.dumps({"documents": counts, "bytes": written, "facts": len(facts.items)}))


def write_tool_corpus(args, facts):
    """Stage 2: its own random stream (stage 1's corpus does not change)."""
    rng = random.Random(args.seed + 2)
    limit = int(args.tools_megabytes * 1e6)
    counts, written = {"train": 0, "valid": 0}, 0
    with open(os.path.join(args.out, "tools_train.txt"), "w") as train, \
            open(os.path.join(args.out, "tools_valid.txt"), "w") as valid:
        while written < limit:
            doc = tool_corpus.document(rng, facts, story_request) + "\n\n"
            split = "valid" if rng.random() < 0.005 else "train"
            (valid if split == "valid" else train).write(doc)
            counts[split] += 1
            written += len(doc)
    with open(os.path.join(args.out, "heldout_tools.jsonl"), "w") as f:
        for p in tool_corpus.heldout_prompts(facts, args.seed + 3):
            f.write(json.dumps(p) + "\n")
    print(json.dumps({"tool_documents": counts, "bytes": written}))


if __name__ == "__main__":
    main()
