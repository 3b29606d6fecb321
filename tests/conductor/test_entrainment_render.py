"""Entrainment through a real render: Hypothesis heart-rate walks (dropouts as a flaky strap's 0
and 255, jumps) sent as OSC messages on a timeline; every bar's tempo, as the render traced it,
keeps every cap."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.catalog import default_catalog
from engine.conductor.entrainment import MINUTE
from engine.render.offline import render
from engine.render.trace import Tracer
from engine.score.loader import parse_score
from engine.state.timeline import TimedMessage

SCORE = """
title: entrainment walk
tempo: {bpm: 90, range: [50, 132]}
inputs:
  heartrate: {smoothing: 0.5}
layers:
  pulse: {instrument: drums, generator: drums}
scenes:
  main: {layers: [pulse]}
entrainment: {goal: calm, per_bar: 0.03, per_minute: 8, match_bars: 2, window: 4}
"""
SECONDS = 40.0
HARD = (40.0, 180.0)

readings = st.one_of(
    st.floats(35, 200),  # a heart, anywhere
    st.sampled_from([0.0, 255.0]),  # a strap's garbage (the input's range clamps 255 to 200)
)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(walk=st.lists(st.tuples(st.floats(0.2, 4.0), readings), min_size=1, max_size=40))
def test_random_heart_walks_through_a_render_keep_every_cap(
    walk: list[tuple[float, float]], tmp_path_factory: object
) -> None:
    score = parse_score(SCORE, default_catalog())
    spec = score.entrainment
    assert spec is not None
    t, timeline = 0.0, []
    for gap, bpm in walk:
        timeline.append(TimedMessage(t, "/state/heartrate", (bpm,)))
        t += gap
    tracer = Tracer(score, sr=48000, buffersize=512, seconds=SECONDS)
    out = Path(str(tmp_path_factory.mktemp("walk"))) / "walk.wav"  # type: ignore[attr-defined]
    render(score, out, SECONDS, timeline=timeline, buffersize=512, attach=[tracer.attach])
    bars = tracer.result().tempo
    assert len(bars) >= 10
    lo, hi = max(spec.min, 50.0, HARD[0]), min(spec.max, 132.0, HARD[1])
    for i, (when, bpm) in enumerate(bars):
        assert lo - 1e-9 <= bpm <= hi + 1e-9
        if i:
            before = bars[i - 1][1]
            assert abs(bpm - before) <= spec.per_bar * before + 1e-9
        for then, earlier in bars[:i]:
            if when - then < MINUTE:
                assert abs(bpm - earlier) <= spec.per_minute + 1e-9
