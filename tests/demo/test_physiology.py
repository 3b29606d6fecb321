"""The simulated heart (demos/wander/physiology.py): plausible bounds, a first-order lag that
rises within seconds and recovers over tens of seconds, and no jumps."""

from __future__ import annotations

import itertools
import math

import pytest

from demos.wander.physiology import (
    MAX_BPM,
    MIN_BPM,
    REST_BPM,
    TAU_RECOVER,
    TAU_RISE,
    Heart,
    exertion_bpm,
    target_bpm,
)

FPS = 60
DT = 1.0 / FPS


def run(
    heart: Heart, seconds: float, movement: float, danger: float, dt: float = DT
) -> list[float]:
    return [heart.update(dt, movement, danger) for _ in range(round(seconds / dt))]


def test_bounds_hold_at_the_extremes() -> None:
    heart = Heart()
    panic = run(heart, 600, movement=1.0, danger=1.0)
    assert max(panic) <= MAX_BPM == 170
    assert panic[-1] == pytest.approx(MAX_BPM, abs=0.5)
    rest = run(heart, 600, movement=0.0, danger=0.0)
    assert min(rest) >= MIN_BPM == 55
    assert rest[-1] == pytest.approx(REST_BPM, abs=0.5)
    # out-of-range inputs are clamped, not extrapolated
    assert target_bpm(5.0, 5.0) == MAX_BPM
    assert target_bpm(-1.0, -1.0) == REST_BPM
    assert target_bpm(0.0, 0.0, rest=20.0) >= MIN_BPM


def test_targets_are_plausible() -> None:
    assert target_bpm(0.0, 0.0) == REST_BPM  # standing in the meadow: about 62
    assert 75 <= target_bpm(0.55, 0.0) <= 90  # walking
    assert 140 <= target_bpm(1.0, 0.0) <= 160  # sprinting
    assert 100 <= target_bpm(0.0, 1.0) <= 115  # standing next to a wraith
    assert target_bpm(1.0, 1.0) == MAX_BPM  # running from one
    exertion = [exertion_bpm(m / 10) for m in range(11)]
    assert all(a < b for a, b in itertools.pairwise(exertion))


def test_rise_has_a_time_constant_of_seconds() -> None:
    heart = Heart(bpm=REST_BPM)
    target = target_bpm(1.0, 0.0)
    trace = run(heart, TAU_RISE, movement=1.0, danger=0.0)
    # first-order lag: 1 - 1/e of the step after one time constant
    assert trace[-1] - REST_BPM == pytest.approx((target - REST_BPM) * (1 - math.exp(-1)), rel=0.01)
    assert 3.0 <= TAU_RISE <= 12.0
    assert trace[round(3 / DT)] - REST_BPM > 20  # a sprint shows within three seconds


def test_recovery_takes_tens_of_seconds() -> None:
    heart = Heart(bpm=150.0)
    trace = run(heart, 90, movement=0.0, danger=0.0)
    assert 15.0 <= TAU_RECOVER <= 60.0
    # one time constant: 63 % of the way back to rest, not more
    at_tau = trace[round(TAU_RECOVER / DT) - 1]
    assert at_tau == pytest.approx(REST_BPM + (150 - REST_BPM) * math.exp(-1), rel=0.01)
    assert trace[round(10 / DT)] > 120  # ten seconds of rest: still well above 120
    assert trace[-1] < 75  # a minute and a half later: nearly rested
    assert all(b <= a for a, b in itertools.pairwise(trace))  # monotonic, no overshoot


def test_never_jumps_whatever_the_frame_rate() -> None:
    for fps in (10, 30, 60, 144):
        heart = Heart(bpm=REST_BPM)
        trace = [REST_BPM, *run(heart, 20, 1.0, 1.0, dt=1.0 / fps)]
        steps = [abs(b - a) for a, b in itertools.pairwise(trace)]
        # at most (target - bpm) * dt / tau per step: under 16 BPM a second
        assert max(steps) * fps < (MAX_BPM - REST_BPM) / TAU_RISE + 1e-6


def test_independent_of_the_frame_rate() -> None:
    results = []
    for fps in (20, 60, 240):
        heart = Heart(bpm=REST_BPM)
        run(heart, 10, 1.0, 0.3, dt=1.0 / fps)
        run(heart, 10, 0.0, 0.0, dt=1.0 / fps)
        results.append(heart.bpm)
    assert max(results) - min(results) < 0.01


def test_a_stalled_frame_does_not_overshoot() -> None:
    heart = Heart(bpm=REST_BPM)
    heart.update(1000.0, 1.0, 1.0)  # the window was dragged for a quarter of an hour
    assert heart.bpm == pytest.approx(MAX_BPM)
    heart.update(-1.0, 0.0, 0.0)  # a clock going backwards changes nothing
    assert heart.bpm == pytest.approx(MAX_BPM)
