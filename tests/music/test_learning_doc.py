"""docs/learning.md's example stays true: the lines it shows are what the code plays."""

from __future__ import annotations

from pathlib import Path

from engine import load_score
from engine.bundled import resolve_score
from engine.events import Note
from engine.music.generators import BarContext, make_generator
from engine.music.harmony import chord_on
from engine.music.scales import Scale

DOC = Path(__file__).resolve().parents[2] / "docs" / "learning.md"
NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
D_MINOR = Scale(2, "minor")


def spelled(notes: list[Note]) -> str:
    return " ".join(f"{NAMES[n.pitch % 12]}{n.pitch // 12 - 1}@{n.beat:g}" for n in notes)


def example() -> list[str]:
    score = load_score(resolve_score("legend"))
    theme = score.motifs["theme"]
    written = [
        [
            Note(n.onset % 16 / 4, n.length / 4, theme.pitch(n), 0.8)
            for n in theme.notes
            if n.onset // 16 == bar
        ]
        for bar in range(4)
    ]
    lines = ["theme, as written:  " + " | ".join(spelled(b) for b in written)]
    for variation, label in ((0.0, "0"), (0.5, "0.5"), (1.0, "1")):
        gen = make_generator("learned", {"motifs": ["theme", "answer"]}, 1, score.motifs)
        bars = []
        for bar in range(4):
            chord = chord_on(D_MINOR, 1)
            ctx = BarContext(
                bar, 4, 4, D_MINOR, chord, chord, 1.0, 0.5, 0, 0.8, 1.0, 0.0, variation
            )
            bars.append(spelled(gen.bar(ctx)))
        lines.append(f"{'variation ' + label + ':':<20}" + " | ".join(bars))
    return lines


def test_the_example_in_the_docs_is_what_the_code_plays() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("<!-- learned-example -->")[1].split("<!-- /learned-example -->")[0]
    shown = [line for line in block.strip().strip("`").strip().splitlines()]
    assert shown == example()
