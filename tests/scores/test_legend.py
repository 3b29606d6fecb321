"""The bundled example built on a composer's theme: its MIDI answer is what the project's
script writes, it learns both motifs, states the theme when calm and departs from it when
tense."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from engine import load_score
from engine.bundled import resolve_score
from engine.music.generators import make_generator
from engine.music.generators.learned import LearnedGenerator

ROOT = Path(__file__).resolve().parents[2]


def test_the_answer_midi_is_what_the_script_writes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "write", ROOT / "scripts" / "write_legend_answer.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write(tmp_path / "answer.mid")
    assert (tmp_path / "answer.mid").read_bytes() == module.OUT.read_bytes()


def test_legend_learns_a_yaml_theme_and_a_midi_answer() -> None:
    score = load_score(resolve_score("legend"))
    theme, answer = score.motifs["theme"], score.motifs["answer"]
    assert theme.bars == answer.bars == 4
    assert answer.key.root == 2 and answer.key.mode == "minor"  # from the file's key signature
    assert len(answer.harmony) == 8 and len(answer.notes) == 14  # chords kept apart
    lead = score.layers["lead"]
    gen = make_generator(lead.generator, lead.generator_options, 1, score.motifs)
    assert isinstance(gen, LearnedGenerator)
