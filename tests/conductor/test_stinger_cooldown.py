"""Stinger cooldown and the cap on copies playing at once (issue 11, item 8).

The conductor runs alone with a recording performer (as in test_conductor.py), so every note
and every drop can be counted exactly; the last test renders through the real engine and pyo.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import load_score
from engine.errors import ScoreError
from engine.render.offline import render
from engine.score.catalog import Catalog
from engine.score.loader import parse_score
from engine.score.model import Cooldown
from engine.state.timeline import TimedMessage
from tests.conductor.stage import Stage
from tests.conductor.test_conductor import Recorder

CATALOG = Catalog({"keys": {}, "bell": {}})
SR, BUFFER = 48000, 256


def score_text(stinger_fields: str) -> str:
    # 120 BPM in 4/4: a beat is 0.5 s, a bar 2 s; the stinger lasts 2 beats (1 s)
    return f"""
tempo: {{bpm: 120, range: [119, 121]}}
layers:
  keys: {{instrument: keys, generator: {{type: arpeggio}}}}
scenes:
  only: {{layers: [keys]}}
stingers:
  ping: {{instrument: bell, notes: [[0, 1, 1], [1, 5, 1]], quantize: beat{stinger_fields}}}
"""


def run(stinger_fields: str, event_times: list[float], seconds: float = 16.0):
    """Fire ``/event ping`` at each time (several at one time land in one buffer)."""
    recorder = Recorder(BUFFER)
    played: list[int] = []
    stage = Stage(
        parse_score(score_text(stinger_fields), CATALOG, file="test.yaml"),
        CATALOG,
        recorder,
        sr=SR,
        buffersize=BUFFER,
        seed=1,
        observer=lambda s, kind, d: played.append(s) if kind == "stinger" else None,
    )
    pending = sorted(event_times)
    for start in range(0, int(seconds * SR), BUFFER):
        recorder.start = start
        while pending and round(pending[0] * SR) < start + BUFFER:
            pending.pop(0)
            stage.handle("/event", ["ping"], start)
        stage.step(start, BUFFER)
    return played, stage.dropped()


def test_five_events_in_one_buffer_play_one_stinger() -> None:
    played, dropped = run("", [3.1] * 5)
    assert len(played) == 1
    # the router's per-event bucket lets 3 through (EVENT_BURST); the playing cap refuses 2
    assert dropped == {"event_rate": 2, "stinger_busy": 2}


def test_events_spaced_beyond_the_cooldown_each_play() -> None:
    times = [1.0, 5.2, 9.4, 13.6]  # 4.2 s apart: beyond a 2-bar (4 s) cooldown
    played, dropped = run(", cooldown: 2 bars", times)
    assert len(played) == 4
    assert not dropped


def test_events_inside_the_cooldown_are_dropped_and_counted() -> None:
    # 2 bars = 4 s: 2.5 is after the first copy ended (1 s long) but inside its cooldown;
    # 5.1 is 4.1 s after the first admitted request; 6.0 and 8.0 fall in the second's cooldown
    played, dropped = run(", cooldown: 2 bars", [1.0, 2.5, 5.1, 6.0, 8.0])
    assert len(played) == 2
    assert dropped == {"stinger_cooldown": 3}
    assert played[1] - played[0] >= 4 * SR


def test_a_cooldown_in_seconds_and_in_beats() -> None:
    played, dropped = run(", cooldown: 1.5", [1.0, 2.2, 2.6])  # 1.2 s: inside; 1.6 s: after
    assert (len(played), dropped) == (2, {"stinger_cooldown": 1})
    played, dropped = run(", cooldown: 6 beats", [1.0, 3.9, 4.1])  # 6 beats = 3 s
    assert (len(played), dropped) == (2, {"stinger_cooldown": 1})


def test_max_playing_allows_overlapping_copies() -> None:
    played, dropped = run(", max_playing: 2", [3.1] * 3)
    assert len(played) == 2 and played[0] == played[1]
    assert dropped == {"stinger_busy": 1}
    # without a cooldown a stinger may follow itself once its last note has ended (1 s)
    played, dropped = run("", [1.0, 1.6, 2.6])
    assert (len(played), dropped) == (2, {"stinger_busy": 1})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 bars", Cooldown(2.0, "bars")),
        ("bar", Cooldown(1.0, "bars")),
        ("1.5 beats", Cooldown(1.5, "beats")),
        ("0.75", Cooldown(0.75, "seconds")),
        ("3", Cooldown(3.0, "seconds")),
    ],
)
def test_cooldown_units_follow_the_quantize_convention(text: str, expected: Cooldown) -> None:
    score = parse_score(score_text(f", cooldown: {text}"), CATALOG, file="test.yaml")
    assert score.stingers["ping"].cooldown == expected


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (", cooldown: 2 fortnights", "stingers.ping.cooldown: '2 fortnights' is not a cooldown"),
        (", cooldown: -1", "stingers.ping.cooldown: must be in [0, 600]"),
        (", cooldown: 1000 bars", "stingers.ping.cooldown: must be at most 600 bars"),
        (", max_playing: 0", "stingers.ping.max_playing: must be in [1, 8]"),
    ],
)
def test_bad_cooldowns_name_the_field(fields: str, message: str) -> None:
    with pytest.raises(ScoreError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_score(score_text(fields), CATALOG, file="test.yaml")


def test_a_render_of_a_burst_plays_one_stinger_and_reports_the_drops(tmp_path: Path) -> None:
    forest = load_score(Path(__file__).resolve().parents[2] / "scores" / "forest.yaml")
    played: list[int] = []
    burst = [TimedMessage(2.0, "/event", ("discovery",)) for _ in range(5)]
    result = render(
        forest,
        tmp_path / "burst.wav",
        4.0,
        timeline=burst,
        observer=lambda s, kind, d: played.append(s) if kind == "stinger" else None,
    )
    assert len(played) == 1
    assert result.dropped == {"event_rate": 2, "stinger_busy": 2}
