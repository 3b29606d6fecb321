"""Rhythm: Euclidean patterns, metric weights, probabilistic patterns and thinning."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.music.rhythm import (
    euclid,
    metric_weight,
    metric_weights,
    probabilistic,
    thin,
)


def show(pattern: tuple[bool, ...]) -> str:
    return "".join("x" if hit else "." for hit in pattern)


@pytest.mark.parametrize(
    ("hits", "steps", "expected"),
    [
        (3, 8, "x..x..x."),  # tresillo
        (5, 8, "x.xx.xx."),  # cinquillo
        (2, 5, "x.x.."),
        (3, 4, "x.xx"),
        (4, 12, "x..x..x..x.."),
        (5, 12, "x..x.x..x.x."),
        (7, 16, "x..x.x.x..x.x.x."),
        (9, 16, "x.xx.x.x.xx.x.x."),
        (13, 24, "x.xx.x.x.x.x.xx.x.x.x.x."),
        (0, 4, "...."),
        (4, 4, "xxxx"),
    ],
)
def test_euclid_matches_toussaint(hits: int, steps: int, expected: str) -> None:
    assert show(euclid(hits, steps)) == expected


def test_euclid_rotation_shifts_earlier() -> None:
    base = euclid(3, 8)
    assert euclid(3, 8, 1) == base[1:] + base[:1]
    assert euclid(3, 8, 8) == base
    assert euclid(3, 8, -1) == base[-1:] + base[:-1]
    assert euclid(0, 0) == ()


@pytest.mark.parametrize(("hits", "steps"), [(-1, 4), (5, 4), (1, 65), (65, 65)])
def test_euclid_validates(hits: int, steps: int) -> None:
    with pytest.raises(ValueError, match="euclid"):
        euclid(hits, steps)


@given(st.integers(1, 64).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_euclid_is_maximally_even(args: tuple[int, int]) -> None:
    hits, steps = args
    pattern = euclid(hits, steps)
    assert len(pattern) == steps and sum(pattern) == hits
    if hits:
        assert pattern[0]
        onsets = [i for i, hit in enumerate(pattern) if hit]
        gaps = [
            (b - a) % steps or steps for a, b in zip(onsets, onsets[1:] + onsets[:1], strict=False)
        ]
        assert max(gaps) - min(gaps) <= 1


def test_metric_weights_in_four_four() -> None:
    weights = metric_weights(4, 4)
    assert weights[0] == 1.0
    assert weights[8] == max(weights[1:])  # beat 3
    assert weights[4] == weights[12] < weights[8]  # beats 2 and 4
    assert weights[2] < weights[4]  # off-beat 8th below a beat
    assert weights[1] < weights[2] and weights[1] == weights[3]  # 16ths weakest
    assert metric_weight(16, 4, 4) == 1.0  # wraps to the next downbeat


def test_metric_weights_in_three_four_and_triplets() -> None:
    assert metric_weights(1, 3) == (1.0, 0.6, 0.6)  # no mid-bar beat in 3/4
    triplets = metric_weights(3, 2)
    assert triplets[0] == 1.0 and triplets[1] == triplets[2] < triplets[3]


@given(st.integers(0, 200), st.integers(1, 8), st.integers(1, 9))
def test_metric_weight_range(step: int, steps_per_beat: int, beats_per_bar: int) -> None:
    weight = metric_weight(step, steps_per_beat, beats_per_bar)
    assert 0.0 < weight <= 1.0
    assert (weight == 1.0) == (step % (steps_per_beat * beats_per_bar) == 0)


def test_probabilistic_extremes() -> None:
    rng = random.Random(1)
    assert not any(probabilistic(4, 4, 0.0, rng))
    assert all(probabilistic(4, 4, 1.0, rng))
    assert all(probabilistic(4, 4, 0.05, rng)[0] for _ in range(50))
    assert not all(probabilistic(4, 4, 0.05, rng, keep_downbeat=False)[0] for _ in range(50))


def test_probabilistic_favours_strong_steps() -> None:
    rng = random.Random(7)
    counts = [0] * 16
    for _ in range(2000):
        for i, hit in enumerate(probabilistic(4, 4, 0.5, rng, keep_downbeat=False)):
            counts[i] += hit
    assert counts[0] > counts[8] > counts[4] > counts[2] > counts[1]
    assert 0.35 < sum(counts) / (16 * 2000) < 0.65


def test_probabilistic_is_deterministic_per_seed() -> None:
    a = [probabilistic(4, 4, 0.4, random.Random(5)) for _ in range(3)]
    assert a[0] == a[1] == a[2]


patterns = st.lists(st.booleans(), min_size=1, max_size=32).map(tuple)


@given(patterns, st.floats(0, 1), st.integers(0, 100))
def test_thin_drops_weak_steps_first_and_keeps_the_downbeat(
    pattern: tuple[bool, ...], density: float, seed: int
) -> None:
    weights = metric_weights(4, 8)[: len(pattern)]
    kept = thin(pattern, density, weights, random.Random(seed))
    assert len(kept) == len(pattern)
    assert all(p or not k for p, k in zip(pattern, kept, strict=True))  # a subset
    if pattern[0]:
        assert kept[0]
    hits = sum(pattern)
    assert sum(kept) == max(int(hits * density + 0.5), 1 if pattern[0] else 0)
    dropped = [weights[i] for i in range(len(pattern)) if pattern[i] and not kept[i]]
    others = [weights[i] for i in range(1, len(pattern)) if kept[i]]
    if dropped and others:
        assert max(dropped) <= min(others)


def test_thin_full_density_is_identity() -> None:
    pattern = euclid(5, 16)
    assert thin(pattern, 1.0, metric_weights(4, 4), random.Random(0)) == pattern
