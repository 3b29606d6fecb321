"""Small corpora the learning tests build themselves: a major-scale ostinato, a 3/4 waltz tune
and a minor answer phrase, written as note lists like a score would write them."""

from __future__ import annotations

from engine.music.generators import GENERATORS, NoteGenerator, make_generator
from engine.music.motifs import Key, Metre, Motif, parse_note_list

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


def motif(name: str, text: str, key: Key, metre: Metre = FOUR, grid: int = 4) -> Motif:
    return parse_note_list(name, [t.strip() for t in text.split(",")], key, metre, grid)


def four_four() -> dict[str, Motif]:
    """The 4/4 material: ostinato (C major), theme and answer (D major)."""
    return {
        "ostinato": motif("ostinato", OSTINATO, Key(0, "major")),
        "theme": motif("theme", THEME, Key(2, "major")),
        "answer": motif("answer", ANSWER, Key(2, "major")),
    }


def waltz() -> dict[str, Motif]:
    return {"waltz": motif("waltz", WALTZ_TUNE, Key(7, "major"), WALTZ)}


def build(kind: str, options: dict[str, object], seed: int) -> NoteGenerator:
    """A generator of ``kind``; one that learns gets the 4/4 corpus and, unless ``options``
    name some, the theme and answer to learn from."""
    if "motifs" in GENERATORS[kind].OPTIONS and not options.get("motifs"):
        options = {**options, "motifs": ["theme", "answer"]}
    return make_generator(kind, options, seed, four_four())
