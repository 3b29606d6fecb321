"""The files a score is made of: the score itself and every file it names (recordings, stems,
beds, one-shots, SoundFonts), so a watcher knows what to reload on."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from engine.score.model import Score

#: Files in the score's folder (or below) that may hold its material without the model keeping
#: their path: motifs read from MIDI files.
MATERIAL_SUFFIXES = (".mid", ".midi")


def score_files(score: Score) -> frozenset[Path]:
    """The score's file and the resolved path of every file its model names."""
    found = {Path(score.file).resolve()}
    stack: list[object] = [score]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            for field in dataclasses.fields(item):
                value = getattr(item, field.name)
                if field.name in ("file", "soundfont") and isinstance(value, str) and value:
                    found.add(Path(value).resolve())
                elif isinstance(value, (dict, tuple, list)) or dataclasses.is_dataclass(value):
                    stack.append(value)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (tuple, list)):
            stack.extend(v for v in item if not isinstance(v, (int, float, str)))
    return frozenset(found)


def is_material(path: Path, score: Score) -> bool:
    """Whether a change to ``path`` can change ``score``: one of its files, or a MIDI file in
    its folder or below (motifs)."""
    path = path.resolve()
    if path in score_files(score):
        return True
    folder = Path(score.file).resolve().parent
    return path.suffix.lower() in MATERIAL_SUFFIXES and folder in path.parents
