"""Motifs in a score: note lists and MIDI files, the learned layers that name them, and bad
material reported as ``file:line:column: field: problem``."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ScoreError
from engine.score.catalog import Catalog
from engine.score.loader import load_score
from engine.score.model import Score
from tests.music.midi_files import track_of, write_midi

CATALOG = Catalog({"keys": {}})

LAYERS = """
layers:
  lead:
    instrument: keys
    generator: {type: learned, motifs: [theme]}
    variation: {input: arousal, curve: [[-1, 0], [1, 1]]}
scenes:
  main: {layers: [lead]}
"""


def load(folder: Path, text: str) -> Score:
    path = folder / "score.yaml"
    path.write_text(text)
    return load_score(path, CATALOG)


def error_of(folder: Path, text: str) -> str:
    with pytest.raises(ScoreError) as error:
        load(folder, text)
    return str(error.value)


def test_a_note_list_motif_and_the_layer_that_learns_it(tmp_path: Path) -> None:
    score = load(
        tmp_path,
        "key: {root: D, mode: major}\nmotifs:\n  theme:\n"
        "    notes: [D4 1/4, F#4 1/8, A4 1/8, D5 1/2]\n" + LAYERS,
    )
    theme = score.motifs["theme"]
    assert [n.index for n in theme.notes] == [0, 2, 4, 7]
    assert theme.key.root == 2 and theme.bars == 1
    assert score.layers["lead"].generator_options["motifs"] == ["theme"]


def test_a_midi_motif_takes_the_files_key_and_the_scores_grid(tmp_path: Path) -> None:
    write_midi(
        tmp_path / "themes" / "hero.mid",
        [track_of([(0, 1, 69, 100), (1, 3, 73, 100)], "lead")],
        key="A",
    )
    score = load(
        tmp_path,
        "motifs:\n  theme: {midi: themes/hero.mid, track: lead, grid: 1/8}\n" + LAYERS,
    )
    theme = score.motifs["theme"]
    assert theme.key.root == 9 and theme.steps_per_beat == 2
    assert [(n.onset, n.length, n.index) for n in theme.notes] == [(0, 2, 0), (2, 6, 2)]


@pytest.mark.parametrize(
    ("motif", "where", "message"),
    [
        ("notes: [D4 1/4, H4 1/8]", "4:21: motifs.theme.notes[1]", "'H4' is not a note"),
        ('notes: "D4 1/4, E4 1/32"', "4:24: motifs.theme.notes", "grid"),
        ("notes: 'D4 1/2, E4 1/4, |, F#4 1'", "4:29: motifs.theme.notes", "lasts 3 beats"),
        ("notes: [r 1/4]", "4:12: motifs.theme.notes", "no notes"),
        ("{notes: [D4 1/4], meter: 3/4}", "", "score's meter is 4/4"),
        ("{notes: [D4 1/4], key: D lydianish}", "", "not a key"),
        ("{notes: [D4 1/4], grid: 1/5}", "", "grid 1/5 does not divide"),
        ("{notes: [D4 1/4], midi: x.mid}", "", "not both"),
        ("{midi: missing.mid}", "", "missing.mid: cannot read it"),
        ("{notes: [D4 1/4], track: 1}", "", "'track' picks from a MIDI file"),
    ],
)
def test_bad_material_is_reported_where_it_is(
    tmp_path: Path, motif: str, where: str, message: str
) -> None:
    text = "meter: 4/4\nmotifs:\n  theme:\n    " + motif + "\n" + LAYERS
    if motif.startswith("{"):
        text = "meter: 4/4\nmotifs:\n  theme: " + motif + "\n" + LAYERS
    error = error_of(tmp_path, text)
    assert str(tmp_path / "score.yaml") in error
    assert where in error and message in error, error


def test_a_corrupt_midi_file_is_named_with_the_field(tmp_path: Path) -> None:
    (tmp_path / "hero.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00\x01")
    error = error_of(tmp_path, "motifs:\n  theme: {midi: hero.mid}\n" + LAYERS)
    assert ":2:17: motifs.theme.midi:" in error and "hero.mid: not a readable MIDI file" in error


def test_a_learned_layer_must_name_motifs_the_score_has(tmp_path: Path) -> None:
    head = "motifs:\n  theme: {notes: [D4 1/4]}\n"
    error = error_of(tmp_path, head + LAYERS.replace("motifs: [theme]", "motifs: [theme, tune]"))
    assert "layers.lead.generator.motifs[1]" in error and "no motif named 'tune'" in error
    error = error_of(tmp_path, head + LAYERS.replace(", motifs: [theme]", ""))
    assert "layers.lead.generator" in error and "needs 'motifs'" in error


def test_motifs_of_one_layer_share_a_kind_of_scale(tmp_path: Path) -> None:
    head = "motifs:\n  theme: {notes: [D4 1/4]}\n  tune: {notes: [D4 1/4], key: D pentatonic}\n"
    error = error_of(tmp_path, head + LAYERS.replace("motifs: [theme]", "motifs: [theme, tune]"))
    assert "different sizes" in error


HARMONY = """
motifs:
  theme: {notes: [D4 1/4]}
layers:
  lead:
    instrument: keys
    generator: {type: learned, motifs: [theme]}
  pad:
    instrument: keys
    generator: GENERATOR
scenes:
  main: {layers: [lead, pad]}
"""


def test_a_harmonize_layer_follows_a_layer_that_writes_a_melody(tmp_path: Path) -> None:
    ok = load(tmp_path, HARMONY.replace("GENERATOR", "{type: harmonize, follows: lead}"))
    assert ok.layers["pad"].generator_options["follows"] == "lead"
    cases = {
        "{type: harmonize}": "needs 'follows'",
        "{type: harmonize, follows: leed}": "no layer named 'leed'",
        "{type: harmonize, follows: pad}": "must write its own melody",
    }
    for generator, message in cases.items():
        error = error_of(tmp_path, HARMONY.replace("GENERATOR", generator))
        assert "layers.pad.generator" in error and message in error, error
