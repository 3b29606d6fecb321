"""Write the Legend score's answer phrase as a MIDI file (engine/scores/motifs/legend-answer.mid).

The bundled example learns from a theme written as YAML notes and from this answer, written
here as a MIDI file with the engine's own writer, so the MIDI path is exercised by a bundled
score. tests/scores/test_legend.py checks that the file in the repository is what this writes.
Run: python scripts/write_legend_answer.py [OUT.mid]
"""

from __future__ import annotations

import sys
from pathlib import Path

from engine.music.midifile import Part, write_song
from engine.music.motifs import Metre

OUT = Path(__file__).resolve().parent.parent / "engine" / "scores" / "motifs" / "legend-answer.mid"

#: (quarter notes, MIDI pitch) in D minor: a rising answer that turns on the leading tone.
ANSWER = [
    (1.0, 69), (1.0, 72), (0.5, 70), (0.5, 69), (1.0, 67),
    (1.5, 69), (0.5, 65), (2.0, 62),
    (0.5, 64), (0.5, 65), (1.0, 67), (1.0, 69), (1.0, 73),
    (3.0, 74),
]  # fmt: skip
#: A chord under each bar (the harmony of polyphonic material: kept, not learned as melody).
CHORDS = [(0.0, (50, 57)), (4.0, (46, 53)), (8.0, (45, 52)), (12.0, (50, 57))]


def write(path: Path) -> None:
    notes, at = [], 0.0
    for length, pitch in ANSWER:
        notes.append((at, at + length * 0.95, pitch, 96))
        at += length
    for start, pitches in CHORDS:
        notes.extend((start, start + 4.0, p, 64) for p in pitches)
    notes.sort()
    write_song(path, Metre(4, 4), [(0.0, 84.0)], [(0.0, "Dm")], [Part("answer", 1, 0, notes)])


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
