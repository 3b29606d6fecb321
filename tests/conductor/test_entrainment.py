"""Entrainment, the pure module: random heart-rate walks (dropouts, jumps, a flaky strap's 0 and
255) never break a cap; a heart that follows is led toward the goal; one that does not stops it.
"""

from __future__ import annotations

import math
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import defaults
from engine.conductor.entrainment import MINUTE, Entrainment, fold, limited
from engine.score.model import EntrainmentSpec

BEATS = 4


def check_caps(bars: list[tuple[float, float]], e: Entrainment) -> None:
    """Every cap on every bar: range, per bar, per minute; and inside the hard limits."""
    hard_lo, hard_hi = defaults.ENTRAIN_TEMPO_LIMITS
    eps = 1e-9
    for i, (t, bpm) in enumerate(bars):
        assert hard_lo - eps <= e.lo - eps <= bpm <= e.hi + eps <= hard_hi + eps
        if i:
            before = bars[i - 1][1]
            assert abs(bpm - before) <= defaults.ENTRAIN_PER_BAR_LIMIT * before + eps
            assert abs(bpm - before) <= e.per_bar * before + eps
        for t0, bpm0 in bars[:i]:
            if t - t0 < MINUTE:
                assert abs(bpm - bpm0) <= e.spec.per_minute + eps
                assert abs(bpm - bpm0) <= defaults.ENTRAIN_PER_MINUTE_LIMIT + eps


def run(e: Entrainment, hearts: list[float | None]) -> list[tuple[float, float]]:
    t, out = 0.0, []
    for heart in hearts:
        out.append((t, e.bar(t, heart)))
        t += BEATS * 60.0 / out[-1][1]
    return out


heart_step = st.one_of(
    st.floats(-3, 3),  # a walk
    st.floats(-60, 60),  # a jump
    st.sampled_from([math.nan, 0.0, 255.0, math.inf]),  # a strap's garbage
    st.none(),  # no reading
)

wild_spec = st.builds(
    EntrainmentSpec,
    goal=st.floats(-1, 1),
    min=st.floats(0, 300),
    max=st.floats(0, 300),
    per_bar=st.floats(0, 1),
    per_minute=st.floats(0, 100),
    match_bars=st.integers(0, 20),
    tolerance=st.floats(0, 1),
    window=st.integers(0, 40),
    follow=st.floats(0, 1),
)


@settings(max_examples=200, deadline=None)
@given(
    spec=wild_spec,
    start=st.floats(1, 400),
    first=st.floats(30, 220),
    steps=st.lists(heart_step, min_size=1, max_size=300),
    tempo_range=st.tuples(st.floats(20, 250), st.floats(20, 250)).map(sorted),
    glide=st.floats(0.001, 1),
)
def test_random_heart_walks_never_break_a_cap(
    spec: EntrainmentSpec,
    start: float,
    first: float,
    steps: list[float | None],
    tempo_range: list[float],
    glide: float,
) -> None:
    e = Entrainment(spec, start, (tempo_range[0], tempo_range[1]), glide)
    heart, hearts = first, []
    for step in steps:
        if step is None or not math.isfinite(step) or step in (0.0, 255.0):
            hearts.append(step)  # a dropout; the walk carries on underneath
        else:
            heart = min(220.0, max(30.0, heart + step))
            hearts.append(heart)
    check_caps(run(e, hearts), e)
    assert e.phase in ("match", "lead", "held")


def test_a_score_cannot_exceed_the_hard_limits() -> None:
    wild = EntrainmentSpec(goal=-0.9, min=1, max=999, per_bar=0.5, per_minute=99, window=1)
    spec = limited(wild)
    assert spec.goal == -defaults.ENTRAIN_GOAL_LIMIT
    assert (spec.min, spec.max) == defaults.ENTRAIN_TEMPO_LIMITS
    assert spec.per_bar == defaults.ENTRAIN_PER_BAR_LIMIT
    assert spec.per_minute == defaults.ENTRAIN_PER_MINUTE_LIMIT
    assert spec.window == 4


def test_fold_halves_and_doubles_into_the_range_nearest_the_tempo() -> None:
    assert fold(150, 40, 132, 80) == 75
    assert fold(50, 60, 132, 100) == 100
    assert fold(70, 40, 160, 130) == 140
    assert fold(70, 40, 160, 60) == 70
    assert fold(100, 110, 120, 115) == 110  # no octave fits: the nearest end


def follower(
    e: Entrainment, heart: float, bars: int, pull: float
) -> list[tuple[float, float, float]]:
    """A scripted listener whose heart moves ``pull`` of the way to the tempo each bar."""
    t, out = 0.0, []
    for _ in range(bars):
        bpm = e.bar(t, heart)
        out.append((t, bpm, heart))
        heart += pull * (bpm - heart)
        t += BEATS * 60.0 / bpm
    return out


CALM = EntrainmentSpec(goal=-0.05)


def test_a_heart_that_follows_is_led_toward_the_goal() -> None:
    e = Entrainment(CALM, 90.0, (40.0, 132.0))
    course = follower(e, 80.0, 120, pull=0.15)
    assert e.phase == "lead"
    check_caps([(t, b) for t, b, _ in course], e)
    led = next(i for i, (t, b, h) in enumerate(course) if b < h * (1 - CALM.tolerance))
    assert all(abs(b - h) <= 0.03 * h for _, b, h in course[led - 8 : led])  # matched first
    _, bpm_end, heart_end = course[-1]
    assert heart_end < 80.0 * 0.8  # led well down from where it started
    assert bpm_end < heart_end  # the tempo stays ahead of the heart, below it
    assert bpm_end >= heart_end * (1 - 0.05) - 1e-6 or bpm_end == e.lo


def test_a_heart_that_does_not_follow_stops_the_lead_and_the_tempo_holds() -> None:
    e = Entrainment(CALM, 90.0, (40.0, 132.0))
    course = follower(e, 80.0, 150, pull=0.0)  # the heart stays at 80 whatever plays
    assert e.phase == "held"
    bpms = [b for _, b, _ in course]
    held_from = next(i for i in range(len(bpms) - 20) if len(set(bpms[i:])) == 1)
    assert bpms[-1] < 80.0  # it had begun to lead, then held where it was
    assert bpms[-1] >= 80.0 * 0.95 - 1e-6
    assert held_from < len(bpms) - 20
    check_caps([(t, b) for t, b, _ in course], e)


def test_a_heart_going_the_other_way_stops_it_too() -> None:
    e = Entrainment(CALM, 80.0, (40.0, 132.0))
    heart, t = 80.0, 0.0
    while e.phase != "held" and t < 600:
        bpm = e.bar(t, heart)
        if e.phase == "lead":
            heart += 0.3  # rising while the music asks it to calm
        t += BEATS * 60.0 / bpm
    assert e.phase == "held"


def test_energise_leads_up() -> None:
    e = Entrainment(replace(CALM, goal=defaults.ENTRAIN_GOALS["energise"]), 70.0, (40.0, 160.0))
    course = follower(e, 70.0, 120, pull=0.15)
    assert e.phase == "lead"
    assert course[-1][2] > 80.0 and course[-1][1] > course[-1][2]


def test_dropouts_hold_the_tempo_and_count_for_nothing() -> None:
    e = Entrainment(CALM, 90.0, (40.0, 132.0))
    before = e.bar(0.0, 80.0)
    for i, reading in enumerate([None, math.nan, 0.0, 255.0, -5.0, math.inf]):
        assert e.bar(3.0 * (i + 1), reading) == before
    assert e.matched == 0 and e.phase == "match"
