"""Generators: invariants for every kind, determinism, density, and each kind's musical rules."""

from __future__ import annotations

import itertools
import random
import statistics
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.events import Note
from engine.music.generators import GENERATORS, BarContext, make_generator
from engine.music.harmony import chord_on
from engine.music.options import Option
from engine.music.scales import MODES, Scale
from tests.music.corpus import build, four_four

DRUMS = {"kick", "snare", "hat", "openhat", "shaker"}
PROGRESSION = [1, 6, 4, 5]


def context(
    bar: int,
    scale: Scale = Scale(0, "major"),  # noqa: B008 - frozen value
    degrees: list[int] = PROGRESSION,
    bars_per_chord: int = 2,
    **overrides: object,
) -> BarContext:
    """A plain 4/4 context on a looping progression; keywords override any field."""
    degree = degrees[bar // bars_per_chord % len(degrees)]
    following = degrees[(bar + 1) // bars_per_chord % len(degrees)]
    fields: dict[str, object] = dict(
        bar=bar,
        beats_per_bar=4,
        steps_per_beat=4,
        scale=scale,
        chord=chord_on(scale, degree),
        next_chord=chord_on(scale, following),
        density=0.7,
        intensity=0.5,
        register=0,
        velocity=0.7,
        gate=1.0,
        tension=0.0,
    )
    fields.update(overrides)
    return BarContext(**fields)  # type: ignore[arg-type]


CORPUS = four_four()


def play(
    kind: str, options: dict[str, object], seed: int, bars: int, **kw: object
) -> list[list[Note]]:
    gen = build(kind, options, seed)
    return [gen.bar(context(bar, **kw)) for bar in range(bars)]


def option_values(spec: Option) -> st.SearchStrategy[object]:
    """Any valid value for an option, derived from its spec (so new options are covered)."""
    if spec.choices is not None:
        return st.sampled_from(spec.choices)
    if spec.type is bool:
        return st.booleans()
    if spec.type is int:
        return st.integers(int(spec.min or 0), int(spec.max if spec.max is not None else 16))
    if spec.type is float:
        return st.floats(spec.min or 0.0, spec.max if spec.max is not None else 1.0)
    if spec.type is list:
        items = st.integers(int(spec.min or 1), int(spec.max or 16))
        return st.lists(items, min_size=1, max_size=5)
    raise AssertionError(f"no strategy for {spec}")


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[str, dict[str, object], int, list[BarContext]]:
    kind = draw(st.sampled_from(sorted(GENERATORS)))
    specs = GENERATORS[kind].OPTIONS
    named = ("motifs", "follows")  # names from the score: drawn below, or left to the default
    options = {name: draw(option_values(spec)) for name, spec in specs.items() if name not in named}
    if "motifs" in specs:
        names = ["groove"] if GENERATORS[kind].LEARNS_DRUMS else ["ostinato", "theme", "answer"]
        options["motifs"] = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))
    scale = Scale(draw(st.integers(0, 11)), draw(st.sampled_from(sorted(MODES))))
    bpb = draw(st.integers(1, 7))
    degrees = draw(st.lists(st.integers(1, 7), min_size=1, max_size=4))
    contexts = []
    for bar in range(draw(st.integers(1, 14))):
        if draw(st.integers(0, 9)) == 0:  # an occasional key or mode change
            scale = Scale(draw(st.integers(0, 11)), draw(st.sampled_from(sorted(MODES))))
        if draw(st.integers(0, 11)) == 0:  # an occasional change of metre
            bpb = draw(st.integers(1, 7))
        unit = st.floats(0, 1)
        contexts.append(
            BarContext(
                bar=bar,
                beats_per_bar=bpb,
                steps_per_beat=draw(st.sampled_from([2, 3, 4])),
                scale=scale,
                chord=chord_on(scale, degrees[bar % len(degrees)]),
                next_chord=chord_on(scale, degrees[(bar + 1) % len(degrees)]),
                density=draw(unit),
                intensity=draw(unit),
                register=draw(st.integers(-12, 12)),
                velocity=draw(unit),
                gate=draw(st.floats(0.05, 1)),
                tension=draw(unit),
                variation=draw(unit),
            )
        )
    return kind, options, draw(st.integers(0, 2**32)), contexts


def check_bar(kind: str, notes: list[Note], ctx: BarContext) -> None:
    assert [n.beat for n in notes] == sorted(n.beat for n in notes), "sorted by beat"
    for note in notes:
        assert 0.0 <= note.beat < ctx.beats_per_bar, note
        assert note.length > 0, note
        assert 0.0 <= note.velocity <= 1.0, note
        if kind in ("drums", "learned-drums"):
            assert note.pitch == 0 and note.voice in DRUMS, note
        else:
            assert ctx.scale.contains(note.pitch), (note, ctx.scale)
            assert 0 <= note.pitch <= 127, note


# --- every generator ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_metre_changes_are_survived(kind: str) -> None:
    options = {name: spec.default for name, spec in GENERATORS[kind].OPTIONS.items()}
    specs = GENERATORS[kind].OPTIONS
    extremes = [
        {},
        {n: s.max for n, s in specs.items() if s.max is not None and s.type is not list},
    ]
    for extra in extremes:
        gen = build(kind, {**options, **extra}, 7)
        for bar, bpb in enumerate([7, 2, 5, 1, 4, 3, 6, 7, 1, 2] * 3):
            ctx = replace(context(bar, density=1.0, intensity=1.0, register=12), beats_per_bar=bpb)
            check_bar(kind, gen.bar(ctx), ctx)


def test_registry_names() -> None:
    assert set(GENERATORS) == {
        "chords", "arpeggio", "melody", "bass", "drone", "drums", "pulse", "sparkle", "none",
        "learned", "harmonize", "learned-drums",
    }  # fmt: skip
    for kind, cls in GENERATORS.items():
        assert kind == cls.KIND


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_every_option_is_described(kind: str) -> None:
    for name, spec in GENERATORS[kind].OPTIONS.items():
        assert isinstance(spec, Option), name
        assert spec.doc, f"{kind}.{name} needs a doc line"
        assert spec.check(spec.default) == spec.default, f"{kind}.{name} default is invalid"


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_notes_are_always_valid(
    scenario: tuple[str, dict[str, object], int, list[BarContext]],
) -> None:
    kind, options, seed, contexts = scenario
    gen = build(kind, options, seed)
    for ctx in contexts:
        check_bar(kind, gen.bar(ctx), ctx)


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_same_seed_same_notes(
    scenario: tuple[str, dict[str, object], int, list[BarContext]],
) -> None:
    kind, options, seed, contexts = scenario
    a, b = build(kind, options, seed), build(kind, options, seed)
    assert [a.bar(c) for c in contexts] == [b.bar(c) for c in contexts]


@pytest.mark.parametrize(
    ("kind", "options"),
    [("melody", {}), ("sparkle", {}), ("arpeggio", {"direction": "random"}), ("drums", {})],
)
def test_seeds_differ(kind: str, options: dict[str, object]) -> None:
    runs = {str(play(kind, options, seed, 16, density=0.6)) for seed in range(4)}
    assert len(runs) > 1


@pytest.mark.parametrize("kind", sorted(set(GENERATORS) - {"none"}))
def test_density_zero_is_silent_and_more_density_more_notes(kind: str) -> None:
    def count(density: float) -> int:
        return sum(len(b) for seed in range(4) for b in play(kind, {}, seed, 16, density=density))

    silent, some, full = count(0.0), count(0.3), count(1.0)
    assert silent == 0
    assert full > 0
    assert some <= full
    if kind not in ("chords", "drone", "bass", "harmonize"):  # a strike per chord at any density
        assert some < full


def test_none_plays_nothing_and_refuses_mutation() -> None:
    gen = make_generator("none", {}, 0)
    assert all(gen.bar(context(bar, density=1.0)) == [] for bar in range(4))
    assert not gen.mutate("rotate", random.Random(0))


def test_unknown_kind_and_options_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown generator kind"):
        make_generator("theremin", {}, 0)
    with pytest.raises(ValueError, match="unknown option"):
        make_generator("chords", {"voicez": 4}, 0)
    with pytest.raises(ValueError, match="voices"):
        make_generator("chords", {"voices": "four"}, 0)
    with pytest.raises(ValueError, match="rhythm"):
        make_generator("chords", {"rhythm": "swing"}, 0)


def test_out_of_range_numbers_are_clamped() -> None:
    notes = play("chords", {"voices": 99}, 0, 1)[0]
    assert len(notes) == 6


@pytest.mark.parametrize("kind", sorted(set(GENERATORS) - {"none"}))
def test_bar_is_cheap(kind: str) -> None:
    gen = build(kind, {}, 1)
    contexts = [context(bar, density=0.9, intensity=0.9, tension=0.8) for bar in range(200)]
    start = time.perf_counter()
    for ctx in contexts:
        gen.bar(ctx)
    assert (time.perf_counter() - start) / len(contexts) < 1e-3


def test_gate_scales_lengths() -> None:
    legato = play("arpeggio", {"rate": 4}, 0, 1, gate=1.0, density=1.0)[0]
    staccato = play("arpeggio", {"rate": 4}, 0, 1, gate=0.5, density=1.0)[0]
    assert [n.length for n in legato] == pytest.approx([2 * n.length for n in staccato])


def test_register_moves_pitches() -> None:
    for kind in ("melody", "arpeggio", "chords", "bass"):
        low = [n.pitch for b in play(kind, {}, 3, 8, register=-7) for n in b]
        high = [n.pitch for b in play(kind, {}, 3, 8, register=7) for n in b]
        assert statistics.fmean(high) > statistics.fmean(low) + 5, kind


@pytest.mark.parametrize(
    ("kind", "options"),
    [("arpeggio", {"rate": 4}), ("pulse", {"rate": 4}), ("bass", {"pattern": "pulse"})],
)
def test_velocity_follows_the_metre(kind: str, options: dict[str, object]) -> None:
    notes = play(kind, options, 0, 1, density=1.0, intensity=0.9)[0]
    by_beat = {n.beat: n.velocity for n in notes}
    assert by_beat[0.0] > by_beat[2.0] >= by_beat[1.0] > by_beat[0.25]


# --- per-kind rules ----------------------------------------------------------------------


def test_chords_hold_strikes_on_changes() -> None:
    bars = play("chords", {"rhythm": "hold", "voices": 4}, 0, 8, bars_per_chord=2)
    struck = [bar for bar, notes in enumerate(bars) if notes]
    assert struck == [0, 2, 4, 6]
    assert all(len(bars[b]) == 4 for b in struck)
    assert all(n.length == pytest.approx(8.0) for n in bars[0])  # to the end of the chord


def test_chords_hold_restrikes_a_long_chord() -> None:
    bars = play("chords", {"rhythm": "hold"}, 0, 8, bars_per_chord=8)
    assert [bar for bar, notes in enumerate(bars) if notes] == [0, 2, 4, 6]
    assert bars[2][0].velocity < bars[0][0].velocity


def test_chords_bar_and_pulse_rhythms() -> None:
    per_bar = play("chords", {"rhythm": "bar"}, 0, 4)
    assert all({n.beat for n in notes} == {0.0} for notes in per_bar)
    pulse = play("chords", {"rhythm": "pulse", "hits": 3}, 0, 1, density=1.0)[0]
    assert sorted({n.beat for n in pulse}) == [0.0, 1.5, 3.0]


def test_chord_voicings_are_chord_tones_and_keep_thirds_up() -> None:
    for bar, notes in enumerate(play("chords", {"octave": 2, "voices": 5}, 0, 16, tension=0.9)):
        ctx = context(bar)
        chord = chord_on(ctx.scale, ctx.chord.degree, tension=0.9)
        assert all(chord.is_tone(n.pitch) for n in notes)
        assert all(n.pitch >= 48 or n.pitch % 12 in (chord.root, chord.fifth) for n in notes)


@pytest.mark.parametrize("direction", ["up", "down", "updown", "random"])
def test_arpeggio_plays_chord_tones_and_repeats(direction: str) -> None:
    bars = play("arpeggio", {"direction": direction, "octaves": 2}, 5, 8, bars_per_chord=8)
    for notes in bars:
        assert all(chord_on(Scale(0, "major"), 1).is_tone(n.pitch) for n in notes)
    assert all(bars[0] == other for other in bars[1:])  # the motif persists


def test_arpeggio_up_rises() -> None:
    notes = play("arpeggio", {"direction": "up", "rate": 2}, 0, 1, density=1.0)[0]
    assert [n.pitch for n in notes][:3] == [60, 64, 67]


def test_bass_root_and_walk() -> None:
    roots = play("bass", {"pattern": "root"}, 0, 8, bars_per_chord=1)
    for bar, notes in enumerate(roots):
        assert len(notes) == 1 and notes[0].beat == 0.0
        assert notes[0].pitch % 12 == context(bar, bars_per_chord=1).chord.root
        assert 28 <= notes[0].pitch <= 50
    walks = play("bass", {"pattern": "walk"}, 0, 8, bars_per_chord=1, density=1.0)
    for bar, notes in enumerate(walks):
        ctx = context(bar, bars_per_chord=1)
        assert [n.beat for n in notes] == [0.0, 1.0, 2.0, 3.0]
        assert notes[0].pitch % 12 == ctx.chord.root
        nxt = walks[bar + 1][0].pitch if bar + 1 < len(walks) else None
        if nxt is not None:
            scale = ctx.scale
            assert abs(scale.index_of(notes[-1].pitch) - scale.index_of(nxt)) == 1


def test_bass_pulse_adds_colour_with_intensity() -> None:
    calm = play("bass", {"pattern": "pulse"}, 0, 1, density=1.0, intensity=0.2)[0]
    hot = play("bass", {"pattern": "pulse"}, 0, 1, density=1.0, intensity=0.9)[0]
    assert len({n.pitch for n in calm}) == 1 and len(calm) == 8
    assert len({n.pitch for n in hot}) == 3 and len(hot) == 16


def test_drone_holds_and_restrikes() -> None:
    bars = play("drone", {"bars": 4}, 0, 12, bars_per_chord=1)
    struck = [bar for bar, notes in enumerate(bars) if notes]
    assert struck == [0, 4, 8]
    assert sorted(n.pitch % 12 for n in bars[0]) == [0, 7]
    assert bars[0][0].length == pytest.approx(16.0)


def test_drone_restrikes_on_key_change_and_follows_chords() -> None:
    gen = make_generator("drone", {"bars": 8, "fifth": False}, 0)
    d_minor = Scale(2, "minor")
    first = gen.bar(context(0))
    changed = gen.bar(context(1, scale=d_minor))
    assert [n.pitch % 12 for n in first] == [0] and [n.pitch % 12 for n in changed] == [2]
    follow = play("drone", {"follow": "chord", "bars": 16}, 0, 8, bars_per_chord=2)
    assert [bar for bar, notes in enumerate(follow) if notes] == [0, 2, 4, 6]


@pytest.mark.parametrize("style", ["groove", "pulse", "sparse"])
def test_drums_keep_the_downbeat_kick(style: str) -> None:
    for density in (0.05, 0.3, 0.7, 1.0):
        for intensity in (0.0, 0.5, 1.0):
            bars = play("drums", {"style": style}, 2, 8, density=density, intensity=intensity)
            for notes in bars:
                assert any(n.voice == "kick" and n.beat == 0.0 for n in notes)


def test_drums_groove_backbeat_and_intensity() -> None:
    bar = play("drums", {}, 0, 1, density=1.0, intensity=0.2)[0]
    assert sorted(n.beat for n in bar if n.voice == "snare") == [1.0, 3.0]
    assert sorted(n.beat for n in bar if n.voice == "kick") == [0.0, 1.5, 3.0]
    busy = play("drums", {}, 0, 1, density=1.0, intensity=1.0)[0]
    assert len(busy) > len(bar)
    assert any(n.voice == "snare" and n.velocity < 0.4 for n in busy)  # ghosts


def test_drums_fill_every_n_bars() -> None:
    bars = play("drums", {"fill_every": 4}, 0, 8, density=1.0, intensity=0.8)

    def last_beat_snares(notes: list[Note]) -> int:
        return sum(1 for n in notes if n.voice == "snare" and n.beat >= 3.0)

    assert last_beat_snares(bars[3]) == 4 and last_beat_snares(bars[7]) == 4
    assert all(last_beat_snares(bars[b]) < 4 for b in (0, 1, 2, 4, 5, 6))


def test_drums_pulse_is_four_on_the_floor() -> None:
    bar = play("drums", {"style": "pulse"}, 0, 1, density=1.0)[0]
    assert sorted(n.beat for n in bar if n.voice == "kick") == [0.0, 1.0, 2.0, 3.0]


def test_pulse_plays_every_step_on_root_and_fifth() -> None:
    notes = play("pulse", {"rate": 4}, 0, 1, density=1.0, intensity=0.8)[0]
    assert len(notes) == 16
    assert {n.pitch % 12 for n in notes} == {0, 7}


def test_sparkle_voices_recur_on_their_period() -> None:
    gen = make_generator("sparkle", {"periods": [5]}, 4)
    onsets = [bar * 4 + n.beat for bar in range(20) for n in gen.bar(context(bar, density=1.0))]
    assert len(onsets) >= 15
    assert {b - a for a, b in itertools.pairwise(onsets)} == {5.0}


def test_sparkle_density_is_a_probability() -> None:
    full = sum(len(b) for b in play("sparkle", {}, 1, 64, density=1.0))
    half = sum(len(b) for b in play("sparkle", {}, 1, 64, density=0.5))
    assert 0.3 * full < half < 0.7 * full


# --- melody ------------------------------------------------------------------------------


def melody_run(
    seed: int, options: dict[str, object], bars: int = 48, **kw: object
) -> Iterator[tuple[BarContext, list[Note]]]:
    rng = random.Random(seed)
    scale = Scale(rng.randrange(12), rng.choice(["major", "minor", "dorian", "mixolydian"]))
    gen = make_generator("melody", options, seed)
    for bar in range(bars):
        ctx = context(bar, scale=scale, **kw)
        yield ctx, gen.bar(ctx)


def intervals(options: dict[str, object], seeds: range) -> list[int]:
    """Melodic intervals between consecutive notes inside phrases (not across rests)."""
    out = []
    for seed in seeds:
        previous: Note | None = None
        prev_end = 0.0
        for ctx, notes in melody_run(seed, options, density=0.7):
            for note in notes:
                onset = ctx.bar * ctx.beats_per_bar + note.beat
                if previous is not None and onset - prev_end < 1.0:
                    out.append(note.pitch - previous.pitch)
                previous, prev_end = note, onset + note.length
    return out


@pytest.mark.parametrize("style", ["walk", "markov"])
def test_melody_intervals_are_mostly_steps(style: str) -> None:
    found = intervals({"style": style, "rest": 0.0}, range(12))
    sizes = [abs(i) for i in found]
    steps = sum(1 for s in sizes if 1 <= s <= 2) / len(sizes)
    thirds = sum(1 for s in sizes if 3 <= s <= 4) / len(sizes)
    leaps = sum(1 for s in sizes if s >= 5) / len(sizes)
    repeats = sizes.count(0) / len(sizes)
    assert len(sizes) > 1000
    assert steps > 0.5 and steps > thirds > leaps
    assert leaps <= 0.12 and repeats <= 0.15


@pytest.mark.parametrize("style", ["walk", "markov"])
def test_melody_leaps_turn_back(style: str) -> None:
    found = intervals({"style": style, "rest": 0.0}, range(12))
    after = [b for a, b in itertools.pairwise(found) if abs(a) >= 5]
    turned = sum(1 for a, b in itertools.pairwise(found) if abs(a) >= 5 and a * b < 0)
    assert len(after) > 20
    assert turned / len(after) >= 0.65


@pytest.mark.parametrize("phrase_bars", [2, 4])
def test_melody_strong_beats_long_notes_and_cadences(phrase_bars: int) -> None:
    for seed in range(8):
        for ctx, notes in melody_run(seed, {"phrase_bars": phrase_bars}, tension=0.0):
            chord = chord_on(ctx.scale, ctx.chord.degree)
            for note in notes:
                if note.beat in (0.0, 2.0) or note.length > 1.0:
                    assert chord.is_tone(note.pitch), (seed, ctx.bar, note)
            if ctx.bar % phrase_bars == phrase_bars - 1 and notes:
                last = notes[-1]
                assert last.pitch % 12 in chord.tones[:2]  # root or third
                assert last.beat + last.length <= ctx.beats_per_bar - 1  # a rest follows
                answer = (ctx.bar // phrase_bars) % 2 == 1
                if answer:
                    assert last.pitch % 12 == chord.root


def test_melody_repeats_its_motif_with_one_change() -> None:
    same = changed = 0
    for seed in range(10):
        bars = [
            notes for _, notes in melody_run(seed, {"phrase_bars": 4, "rest": 0.0}, 16, density=1.0)
        ]
        for start in range(0, 16, 4):
            first, second, third = ({n.beat for n in bars[start + k]} for k in range(3))
            same += first == third
            changed += len(first ^ second) <= 2
    assert same == 40  # bars 1 and 3 of a phrase share the motif's rhythm
    assert changed >= 36  # bar 2 differs by at most one split or merge


def test_melody_rests_whole_phrases_at_low_density() -> None:
    resting = [notes for _, notes in melody_run(1, {"rest": 1.0}, 64, density=0.1)]
    silent = sum(1 for notes in resting if not notes)
    assert silent >= 16
    never = [notes for _, notes in melody_run(1, {"rest": 0.0}, 64, density=0.1)]
    assert all(notes for notes in never)


def test_melody_stays_near_its_range() -> None:
    for seed in range(6):
        for ctx, notes in melody_run(seed, {"octave": 5, "range": 12}):
            centre = ctx.scale.snap(ctx.scale.degree_pitch(1, 5))
            assert all(abs(n.pitch - centre) <= 8 for n in notes)


def test_context_validation() -> None:
    with pytest.raises(ValueError):
        replace(context(0), beats_per_bar=0)
