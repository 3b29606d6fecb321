"""Humanisation: correlated drift (not white jitter), accents, bounds, determinism."""

from __future__ import annotations

import itertools
import statistics

from hypothesis import given
from hypothesis import strategies as st

from engine.events import Note
from engine.music.humanize import Humanizer, correlated_noise


def grid(beats: int = 4, per_beat: int = 4, velocity: float = 0.6) -> list[Note]:
    return [Note(i / per_beat, 0.2, 60, velocity) for i in range(beats * per_beat)]


def test_same_seed_same_result_and_seeds_differ() -> None:
    a = Humanizer(3, timing=0.02).apply(grid(), 5, 4, 4)
    b = Humanizer(3, timing=0.02).apply(grid(), 5, 4, 4)
    c = Humanizer(4, timing=0.02).apply(grid(), 5, 4, 4)
    assert a == b
    assert a != c


def test_result_does_not_depend_on_history() -> None:
    human = Humanizer(1, timing=0.02)
    direct = human.apply(grid(), 9, 4, 4)
    for bar in range(9):
        human.apply(grid(), bar, 4, 4)
    assert human.apply(grid(), 9, 4, 4) == direct


def test_drift_has_the_requested_spread() -> None:
    human = Humanizer(11, timing=0.02, velocity=0.0)
    offsets = [human.offset(bar, beat / 4, 4) for bar in range(200) for beat in range(16)]
    assert 0.01 < statistics.pstdev(offsets) < 0.04


def test_drift_is_correlated_not_white() -> None:
    human = Humanizer(5, timing=0.02)
    offsets = [human.offset(bar, beat / 4, 4) for bar in range(100) for beat in range(16)]
    lag1 = statistics.correlation(offsets[:-1], offsets[1:])
    assert lag1 > 0.8  # independent jitter per note would give about 0
    # 1/f-like: the long-range structure survives, so bar means still vary a lot.
    bar_means = [statistics.fmean(offsets[i : i + 16]) for i in range(0, len(offsets), 16)]
    assert statistics.pstdev(bar_means) > 0.3 * statistics.pstdev(offsets)


def test_noise_is_smooth_and_unit_scaled() -> None:
    values = [correlated_noise(2, 1, t / 8) for t in range(8000)]
    assert 0.6 < statistics.pstdev(values) < 1.5
    jumps = [abs(b - a) for a, b in itertools.pairwise(values)]
    assert max(jumps) < 0.5


def test_accents_follow_the_metre() -> None:
    human = Humanizer(0, timing=0.0, velocity=0.0, accent=0.3)
    out = {n.beat: n.velocity for n in human.apply(grid(), 0, 4, 4)}
    assert out[0.0] > out[2.0] > out[1.0] == out[3.0] > out[0.5] > out[0.25]


def test_zero_timing_keeps_onsets() -> None:
    notes = grid()
    out = Humanizer(9, timing=0.0).apply(notes, 3, 4, 4)
    assert [n.beat for n in out] == [n.beat for n in notes]


def test_chord_notes_move_together() -> None:
    chord = [Note(1.0, 1.0, p, 0.5) for p in (60, 64, 67)]
    out = Humanizer(2, timing=0.05).apply(chord, 4, 4, 4)
    assert len({n.beat for n in out}) == 1


@given(
    st.integers(0, 10_000),
    st.integers(0, 500),
    st.floats(0, 0.5),
    st.floats(0, 0.5),
    st.lists(st.tuples(st.integers(0, 15), st.floats(0.01, 4), st.floats(0, 1)), max_size=20),
)
def test_bounds_hold_for_any_input(
    seed: int,
    bar: int,
    timing: float,
    velocity: float,
    raw: list[tuple[int, float, float]],
) -> None:
    notes = [Note(step / 4, length, 60 + step, vel) for step, length, vel in raw]
    out = Humanizer(seed, timing=timing, velocity=velocity).apply(notes, bar, 4, 4)
    assert len(out) == len(notes)
    assert all(0.0 <= n.beat < 4 for n in out)
    assert all(0.0 <= n.velocity <= 1.0 for n in out)
    assert [n.beat for n in out] == sorted(n.beat for n in out)
    assert sorted((n.pitch, n.length) for n in out) == sorted((n.pitch, n.length) for n in notes)


def test_noise_with_a_memo_is_the_same_noise() -> None:
    memo: dict[tuple[int, int], float] = {}
    times = [t / 7 for t in range(-40, 400)]
    assert [correlated_noise(5, 2, t, memo) for t in times] == [
        correlated_noise(5, 2, t) for t in times
    ]
    assert memo  # it was used
