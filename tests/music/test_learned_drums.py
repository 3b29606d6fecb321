"""learned-drums on a two-bar groove the test writes: the groove as written at variation 0,
redrawn only where the groove hits at variation 1, thinned by density with the downbeat kick
kept; drum motifs from a MIDI file in a score."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from engine.errors import ScoreError
from engine.events import Note
from engine.music.generators import BarContext, make_generator
from engine.music.generators.learned_drums import GM_VOICES
from engine.music.harmony import chord_on
from engine.music.scales import Scale
from engine.score.catalog import Catalog
from engine.score.loader import load_score
from tests.music.corpus import GROOVE, groove
from tests.music.midi_files import track_of, write_midi

C = Scale(0, "major")


def ctx(bar: int, variation: float = 0.0, density: float = 1.0) -> BarContext:
    chord = chord_on(C, 1)
    return BarContext(bar, 4, 4, C, chord, chord, density, 0.5, 0, 0.8, 1.0, 0.0, variation)


def drummer(seed: int = 1):  # type: ignore[no-untyped-def]
    return make_generator("learned-drums", {"motifs": ["groove"]}, seed, {"groove": groove()})


def written(bar: int) -> set[tuple[float, str]]:
    return {
        ((onset % 16) / 4, GM_VOICES[key]) for onset, key, _ in GROOVE if onset // 16 == bar % 2
    }


def hits(notes: list[Note]) -> set[tuple[float, str]]:
    return {(n.beat, n.voice) for n in notes}


def test_variation_zero_plays_the_groove_as_written() -> None:
    gen = drummer()
    for bar in range(8):
        notes = gen.bar(ctx(bar))
        assert hits(notes) == written(bar)
        assert all(n.pitch == 0 for n in notes)


def test_variation_one_hits_only_where_the_groove_does_and_as_often() -> None:
    gen = drummer(3)
    allowed = written(0) | written(1)
    counts: Counter[tuple[float, str]] = Counter()
    differ = 0
    bars = 400
    for bar in range(bars):
        played = hits(gen.bar(ctx(bar, variation=1.0)))
        assert played <= allowed
        counts.update(played)
        differ += played != written(bar)
    share = Counter(written(0)) + Counter(written(1))
    for hit, expected in share.items():
        assert counts[hit] / bars == pytest.approx(expected / 2, abs=0.1), hit
    assert differ > bars / 4


def test_density_thins_the_weak_hits_and_keeps_the_downbeat_kick() -> None:
    full = sum(len(drummer().bar(ctx(bar))) for bar in range(8))
    gen = drummer()
    thinned = [gen.bar(ctx(bar, density=0.4)) for bar in range(8)]
    assert sum(map(len, thinned)) < 0.6 * full
    for notes in thinned:
        assert (0.0, "kick") in hits(notes)


SCORE = """
motifs:
  groove: {midi: groove.mid, drums: true}
  tune: {notes: [C4 1/4]}
layers:
  kit:
    instrument: drums
    generator: {type: learned-drums, motifs: [MOTIF]}
scenes:
  main: {layers: [kit]}
"""


def test_a_drum_motif_comes_from_channel_ten_of_a_midi_file(tmp_path: Path) -> None:
    notes = [(onset / 4, 0.25, key, round(velocity * 127)) for onset, key, velocity in GROOVE]
    write_midi(tmp_path / "groove.mid", [track_of(notes, "kit", channel=9)], key=None)
    catalog = Catalog({"drums": {}})
    path = tmp_path / "score.yaml"
    path.write_text(SCORE.replace("MOTIF", "groove"))
    score = load_score(path, catalog)
    motif = score.motifs["groove"]
    assert motif.is_drums and len(motif.hits) == len(GROOVE) and motif.bars == 2
    path.write_text(SCORE.replace("MOTIF", "tune"))
    with pytest.raises(ScoreError, match="a melody: learned-drums learns drum motifs"):
        load_score(path, catalog)
    path.write_text(SCORE.replace("drums: true", "track: kit"))
    with pytest.raises(
        ScoreError, match=r"drums on channel 10 \(a drum motif says 'drums: true'\)"
    ):
        load_score(path, catalog)
