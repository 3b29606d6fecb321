"""Mutation: pure pattern operators, and generators that stay valid while they change."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.events import Note
from engine.music import mutation
from engine.music.generators import GENERATORS, BarContext, NoteGenerator, make_generator
from engine.music.harmony import HarmonyTrack, chord_on
from engine.music.mutation import OPERATORS
from engine.music.rhythm import euclid, metric_weights
from engine.music.scales import MODES, Scale
from tests.music.corpus import build

WEIGHTS = metric_weights(4, 4)
patterns = st.lists(st.booleans(), min_size=16, max_size=16).map(tuple)


def test_operator_names() -> None:
    assert OPERATORS == (
        "substitute", "rotate", "thin", "fill", "octave", "reharmonize", "density",
    )  # fmt: skip


@given(patterns, st.integers(0, 1000))
def test_rotate_keeps_the_downbeat_and_the_hit_count(pattern: tuple[bool, ...], seed: int) -> None:
    rotated = mutation.rotate_pattern(pattern, random.Random(seed))
    if rotated is None:
        assert len(set(pattern[1:])) == 1  # nothing to rotate
        return
    assert rotated[0] == pattern[0]
    assert sum(rotated) == sum(pattern)
    assert rotated != pattern


def test_rotate_without_keeping_the_downbeat() -> None:
    rotated = mutation.rotate_pattern(euclid(3, 8), random.Random(0), keep_downbeat=False)
    assert rotated is not None and sum(rotated) == 3 and rotated != euclid(3, 8)


@given(patterns, st.integers(0, 1000))
def test_thin_drops_one_weak_hit(pattern: tuple[bool, ...], seed: int) -> None:
    thinned = mutation.thin_pattern(pattern, WEIGHTS, random.Random(seed))
    if thinned is None:
        assert not any(pattern[1:])
        return
    assert thinned[0] == pattern[0]
    assert sum(thinned) == sum(pattern) - 1
    dropped = next(i for i in range(16) if pattern[i] and not thinned[i])
    assert WEIGHTS[dropped] == min(WEIGHTS[i] for i in range(1, 16) if pattern[i])


@given(patterns, st.integers(0, 1000))
def test_fill_adds_one_hit_off_the_downbeat(pattern: tuple[bool, ...], seed: int) -> None:
    filled = mutation.fill_pattern(pattern, WEIGHTS, random.Random(seed))
    if filled is None:
        assert all(pattern[1:])
        return
    assert filled[0] == pattern[0]
    assert sum(filled) == sum(pattern) + 1
    assert all(f or not p for p, f in zip(pattern, filled, strict=True))


def test_substitute_and_octave_helpers() -> None:
    rng = random.Random(1)
    values = [0, 1, 2, 0]
    changed = mutation.substitute_value(values, range(3), rng)
    assert changed is not None
    assert sum(a != b for a, b in zip(values, changed, strict=True)) == 1
    assert all(v in range(3) for v in changed)
    assert mutation.substitute_value([1, 1], [1], rng) is None
    shifted = mutation.shift_octave([60, 64], rng, 48, 76)
    assert shifted is not None
    assert sorted(abs(a - b) for a, b in zip([60, 64], shifted, strict=True)) == [0, 12]
    assert mutation.shift_octave([60], rng, 55, 65) is None


def test_density_nudge_stays_in_bounds() -> None:
    rng, scale = random.Random(2), 1.0
    for _ in range(100):
        nudged = mutation.nudge_density(scale, rng)
        assert nudged is not None
        scale = nudged
        assert mutation.DENSITY_RANGE[0] <= scale <= mutation.DENSITY_RANGE[1]


def test_reharmonize_helper_drives_the_track() -> None:
    track = HarmonyTrack([1, 4, 5, 1])
    assert mutation.reharmonize(track, random.Random(0))
    assert track.degrees != (1, 4, 5, 1)


# --- generators under mutation -----------------------------------------------------------


def ctx(bar: int, scale: Scale, density: float = 0.6) -> BarContext:
    degree, following = [1, 4, 6, 5][bar % 4], [1, 4, 6, 5][(bar + 1) % 4]
    return BarContext(
        bar=bar,
        beats_per_bar=4,
        steps_per_beat=4,
        scale=scale,
        chord=chord_on(scale, degree),
        next_chord=chord_on(scale, following),
        density=density,
        intensity=0.5,
        register=0,
        velocity=0.7,
        gate=0.9,
        tension=0.0,
    )


VARIANTS = [
    ("chords", {"rhythm": "pulse"}),
    ("chords", {"rhythm": "hold"}),
    ("arpeggio", {"octaves": 2}),
    ("melody", {}),
    ("bass", {"pattern": "pulse"}),
    ("bass", {"pattern": "walk"}),
    ("drone", {}),
    ("drums", {}),
    ("drums", {"style": "sparse"}),
    ("pulse", {}),
    ("sparkle", {}),
    ("none", {}),
]


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(VARIANTS),
    st.integers(0, 2**31),
    st.lists(st.sampled_from([*OPERATORS, "bogus"]), min_size=1, max_size=30),
    st.integers(0, 11),
    st.sampled_from(sorted(MODES)),
)
def test_mutations_keep_patterns_valid(
    variant: tuple[str, dict[str, object]],
    seed: int,
    operators: list[str],
    root: int,
    mode: str,
) -> None:
    kind, options = variant
    gen = build(kind, options, seed)
    rng, scale = random.Random(seed), Scale(root, mode)
    for bar, op in enumerate(operators):
        result = gen.mutate(op, rng)
        assert isinstance(result, bool)
        if op in ("bogus", "reharmonize"):
            assert result is False
        notes = gen.bar(ctx(bar, scale))
        _check(kind, notes, scale)


def _check(kind: str, notes: list[Note], scale: Scale) -> None:
    assert [n.beat for n in notes] == sorted(n.beat for n in notes)
    for note in notes:
        assert 0 <= note.beat < 4 and note.length > 0 and 0 <= note.velocity <= 1
        assert note.pitch == 0 if kind == "drums" else scale.contains(note.pitch)
    if kind == "drums" and notes:
        assert any(n.voice == "kick" and n.beat == 0.0 for n in notes)


MUTABLE = [
    ("chords", {"rhythm": "pulse"}, ("rotate", "thin", "fill"), ()),
    ("arpeggio", {"octaves": 2}, ("substitute", "octave", "rotate", "thin"), ()),
    ("arpeggio", {}, ("rotate", "fill"), ("thin", "thin")),
    ("bass", {"pattern": "pulse"}, ("thin",), ()),
    ("bass", {"pattern": "pulse"}, ("rotate", "fill"), ("thin", "thin")),
    ("drums", {}, ("rotate", "thin", "fill"), ()),
    ("pulse", {}, ("rotate", "thin", "fill"), ()),
    ("sparkle", {}, ("substitute", "octave", "rotate"), ()),
]


@pytest.mark.parametrize(("kind", "options", "ops", "prep"), MUTABLE)
def test_successful_mutations_change_the_music(
    kind: str, options: dict[str, object], ops: tuple[str, ...], prep: tuple[str, ...]
) -> None:
    scale = Scale(0, "major")
    window = range(0, 16)

    def prepared(seed: int) -> NoteGenerator:
        gen = build(kind, options, seed)
        for op in prep:
            assert gen.mutate(op, random.Random(seed))
        return gen

    for op in ops:
        applied = changed = 0
        for seed in range(6):
            gen = prepared(seed)
            before = [prepared(seed).bar(ctx(b, scale, 1.0)) for b in window]
            if not gen.mutate(op, random.Random(seed + 100)):
                continue
            applied += 1
            after = [gen.bar(ctx(b, scale, 1.0)) for b in window]
            changed += after != before
        assert applied >= 3, (kind, op)
        assert changed == applied, (kind, op)


def test_generators_without_material_refuse_pattern_operators() -> None:
    for kind, options in [("chords", {"rhythm": "hold"}), ("drone", {}), ("bass", {})]:
        gen = build(kind, options, 0)
        assert not any(gen.mutate(op, random.Random(0)) for op in ("rotate", "thin", "fill"))
        assert gen.mutate("density", random.Random(0))


def test_density_mutation_changes_note_counts() -> None:
    scale = Scale(0, "major")
    gen = make_generator("arpeggio", {"rate": 4}, 0)
    base = len(gen.bar(ctx(0, scale, 0.5)))
    counts = set()
    for _ in range(4):
        gen.mutate("density", random.Random(len(counts)))
        counts.add(len(gen.bar(ctx(0, scale, 0.5))))
    assert counts - {base}


def test_every_kind_answers_every_operator() -> None:
    for kind in GENERATORS:
        gen = build(kind, {}, 0)
        for op in OPERATORS:
            assert isinstance(gen.mutate(op, random.Random(0)), bool)
