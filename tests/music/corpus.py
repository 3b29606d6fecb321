"""Small corpora the learning tests build themselves: a major-scale ostinato, a 3/4 waltz tune
and a minor answer phrase, written as note lists like a score would write them."""

from __future__ import annotations

from engine.music.generators import GENERATORS, NoteGenerator, make_generator
from engine.music.motifs import Key, Metre, Motif, from_hits, parse_note_list

FOUR = Metre(4, 4)
WALTZ = Metre(3, 4)

OSTINATO = (
    "C4 1/8, D4 1/8, E4 1/8, F4 1/8, G4 1/8, A4 1/8, B4 1/8, C5 1/8, | ,"
    "C5 1/8, B4 1/8, A4 1/8, G4 1/8, F4 1/8, E4 1/8, D4 1/8, C4 1/8"
)
"""Two bars of a C major scale up and down in eighths."""

THEME = (
    "D4 1/4, F#4 1/8, A4 1/8, D5 1/4, C#5 1/8, B4 1/8, | ,"
    "A4 1/4, G4 1/4, F#4 1/2, | ,"
    "E4 1/8, F#4 1/8, G4 1/4, B4 1/4, A4 1/4, | ,"
    "F#4 1/4, E4 1/4, D4 1/2"
)
"""A four-bar theme in D major that ends on the tonic."""

ANSWER = (
    "A4 1/4, B4 1/8, A4 1/8, F#4 1/4, D4 1/4, | ,"
    "G4 1/4., F#4 1/8, E4 1/2, | ,"
    "r 1/8, B4 1/8, C#5 1/8, D5 1/8, E5 1/4, C#5 1/4, | ,"
    "D5 1/2, r 1/2"
)
"""Its four-bar answer, with a dotted rhythm, a pickup rest and a breath at the end."""

WALTZ_TUNE = (
    "G4 1/2, B4 1/4, | , D5 1/2, B4 1/4, | , C5 1/4, B4 1/4, A4 1/4, | , G4 1/2., | ,"
    "A4 1/2, C5 1/4, | , E5 1/2, C5 1/4, | , D5 1/4, C5 1/4, B4 1/4, | , A4 1/2."
)
"""An eight-bar waltz tune in G major, half-quarter figures answered by running quarters."""


GROOVE = [
    # bar 1: kick on 1 and 3, snare on 2 and 4, closed hats on the eighths
    (0, 36, 0.9), (8, 36, 0.8), (4, 38, 0.9), (12, 38, 0.9),
    *((step, 42, 0.6 if step % 4 else 0.75) for step in range(0, 16, 2)),
    # bar 2: the kick pushes to the "and" of 3, an open hat closes the bar
    (16, 36, 0.9), (26, 36, 0.8), (20, 38, 0.9), (28, 38, 0.9),
    *((16 + step, 42, 0.6 if step % 4 else 0.75) for step in range(0, 14, 2)),
    (30, 46, 0.7),
]  # fmt: skip
"""A two-bar groove on a 16th grid: (onset step, General MIDI key, velocity)."""


def groove() -> Motif:
    notes = [(onset, 1, key, velocity) for onset, key, velocity in GROOVE]
    return from_hits("groove", notes, Key(0, "major"), FOUR, 4)


def motif(name: str, text: str, key: Key, metre: Metre = FOUR, grid: int = 4) -> Motif:
    return parse_note_list(name, [t.strip() for t in text.split(",")], key, metre, grid)


def four_four() -> dict[str, Motif]:
    """The 4/4 material: ostinato (C major), theme and answer (D major), and a drum groove."""
    return {
        "ostinato": motif("ostinato", OSTINATO, Key(0, "major")),
        "theme": motif("theme", THEME, Key(2, "major")),
        "answer": motif("answer", ANSWER, Key(2, "major")),
        "groove": groove(),
    }


def waltz() -> dict[str, Motif]:
    return {"waltz": motif("waltz", WALTZ_TUNE, Key(7, "major"), WALTZ)}


def build(kind: str, options: dict[str, object], seed: int) -> NoteGenerator:
    """A generator of ``kind``; one that learns gets the 4/4 corpus and, unless ``options``
    name some, the theme and answer to learn from."""
    cls = GENERATORS[kind]
    if "motifs" in cls.OPTIONS and not options.get("motifs"):
        options = {**options, "motifs": ["groove"] if cls.LEARNS_DRUMS else ["theme", "answer"]}
    return make_generator(kind, options, seed, four_four())
