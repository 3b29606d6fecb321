"""Harmonize: chords under a melody whose tones cover its strong beats, the progression as a
prior, a known melody giving a known progression, and the conductor handing each bar of the
followed layer to its follower."""

from __future__ import annotations

from pathlib import Path

from engine.events import Note
from engine.music.generators import BarContext, make_generator
from engine.music.generators.harmonize import HarmonizeGenerator
from engine.music.harmony import chord_on
from engine.music.scales import Scale
from engine.score.catalog import Catalog
from engine.score.loader import load_score
from tests.conductor.stage import Stage
from tests.conductor.test_conductor import Recorder
from tests.music.corpus import four_four

C_MAJOR = Scale(0, "major")


def ctx(bar: int, melody: tuple[Note, ...], degree: int = 1, scale: Scale = C_MAJOR) -> BarContext:
    chord = chord_on(scale, degree)
    return BarContext(
        bar, 4, 4, scale, chord, chord, 1.0, 0.5, 0, 0.8, 1.0, 0.0, 0.5, melody
    )  # fmt: skip


def harmonizer(**options: object) -> HarmonizeGenerator:
    gen = make_generator("harmonize", {"follows": "lead", **options}, 1)
    assert isinstance(gen, HarmonizeGenerator)
    return gen


def line(*pitches: int, length: float = 1.0) -> tuple[Note, ...]:
    return tuple(Note(i * length, length, p, 0.8) for i, p in enumerate(pitches))


def test_a_known_melody_gets_a_known_progression() -> None:
    gen = harmonizer()
    bars = [line(60, 64, 67, 64), line(65, 69, 72, 69), line(67, 71, 74, 71), line(72, 67, 64, 60)]
    chosen = [gen.bar(ctx(b, melody)) and gen.last_degrees[0] for b, melody in enumerate(bars)]
    assert chosen == [1, 4, 5, 1]


def test_per_bar_two_changes_chord_at_the_half_bar() -> None:
    gen = harmonizer(per_bar=2)
    second = tuple(Note(n.beat + 2, n.length, n.pitch, n.velocity) for n in line(65, 69, 72, 77))
    gen.bar(ctx(0, line(60, 64, 67, 72, length=0.5) + second))
    assert gen.last_degrees == [1, 4]


def test_without_a_melody_it_plays_the_progression() -> None:
    gen = harmonizer()
    for bar, degree in enumerate([1, 6, 4, 5] * 3):
        gen.bar(ctx(bar, (), degree))
        assert gen.last_degrees == [degree]


def test_a_strong_prior_keeps_the_progression_and_a_weak_one_follows_the_tune() -> None:
    melody = line(67, 71, 74, 71)  # a G major arpeggio over the progression's I
    strong, weak = harmonizer(prior=8.0), harmonizer(prior=0.2)
    strong.bar(ctx(0, melody))
    weak.bar(ctx(0, melody))
    assert strong.last_degrees == [1] and weak.last_degrees == [5]


def test_a_bass_plays_the_chosen_root() -> None:
    gen = harmonizer(role="bass", octave=2)
    notes = gen.bar(ctx(0, line(65, 69, 72, 69)))
    assert [n.pitch for n in notes] == [41]  # F2, the root of IV


def test_chords_under_a_learned_line_cover_its_strong_beats() -> None:
    corpus = four_four()
    lead = make_generator("learned", {"motifs": ["theme", "answer"]}, 4, corpus)
    gen = harmonizer()
    strong = covered = 0
    for bar in range(400):
        base = ctx(bar, (), [1, 6, 4, 5][bar // 2 % 4])
        melody = tuple(lead.bar(base))
        gen.bar(ctx(bar, melody, base.chord.degree))
        chord = chord_on(C_MAJOR, gen.last_degrees[0])
        for note in melody:
            if note.beat in (0.0, 2.0):
                strong += 1
                covered += chord.is_tone(note.pitch)
    assert strong > 300
    assert covered / strong >= 0.8


SCORE = """
key: {root: D, mode: major}
motifs:
  theme: {notes: "D4 1/4, F#4 1/8, A4 1/8, D5 1/4, C#5 1/8, B4 1/8, |, A4 1/4, G4 1/4, F#4 1/2"}
layers:
  chords:
    instrument: pad
    generator: {type: harmonize, follows: lead, voices: 3, octave: 3}
  lead:
    instrument: keys
    generator: {type: learned, motifs: [theme]}
    variation: 1.0
scenes:
  main: {layers: [chords, lead]}
"""


def test_the_conductor_hands_each_bar_of_the_melody_to_its_follower(tmp_path: Path) -> None:
    path = tmp_path / "score.yaml"
    path.write_text(SCORE)
    catalog = Catalog({"pad": {}, "keys": {}})
    score = load_score(path, catalog)
    recorder = Recorder(256)
    stage = Stage(score, catalog, recorder, sr=48000, buffersize=256, seed=2)
    assert list(stage.conductor.layers) == ["lead", "chords"]  # the leader writes its bar first
    for start in range(0, 48000 * 30, 256):
        recorder.start = start
        stage.step(start, 256)
    lead = [(s, p) for s, c, p, _, _ in recorder.notes if c == "lead"]
    chords = [(s, p) for s, c, p, _, _ in recorder.notes if c == "chords"]
    assert len(lead) > 20 and len(chords) > 10
    # each chord struck on a bar line sounds under that bar's melody: its first note is a tone
    hits = 0
    strikes = sorted({s for s, _ in chords})
    for strike in strikes:
        tones = {round(p) % 12 for s, p in chords if s == strike}
        first = [p for s, p in lead if abs(s - strike) < 48 * 30]  # humanised: within 30 ms
        if first:
            hits += round(first[0]) % 12 in tones
    assert hits >= 0.8 * len(strikes)
