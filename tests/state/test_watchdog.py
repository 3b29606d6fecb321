"""The sensor watchdog: a silent sensor eases to its fallback within its timeout plus its
smoothing and comes back smoothly; ``hold`` holds; game inputs never time out. Rendered offline
with the real engine (pyo), on the engine's own time."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from engine import defaults, load_score
from engine.errors import ScoreError
from engine.events import Action, SetMix
from engine.render.engine import Engine
from engine.render.offline import render
from engine.score.model import Score
from engine.state.bus import FALLEN_BACK, LIVE, STALE, StateBus
from engine.state.timeline import TimedMessage

SR, BUFFER = 48000, 256

SCORE = """
version: 1
inputs:
  heartrate: {smoothing: 1.0}
  grip: {source: sensor, timeout: 2, fallback: hold, smoothing: 0.5}
  lean: {source: sensor, timeout: 3, fallback: 0.8, smoothing: 0.5}
  danger: {smoothing: 0.5}
layers:
  pad:
    instrument: pad
    generator: {type: chords, rhythm: hold}
    gain: {input: heartrate, curve: [[60, -30], [160, -10]]}
scenes: {only: {layers: [pad]}}
"""


@pytest.fixture
def score(tmp_path: Path) -> Score:
    path = tmp_path / "watch.yaml"
    path.write_text(SCORE)
    return load_score(path)


def every_second(address: str, value: float, start: float, end: float) -> list[TimedMessage]:
    return [TimedMessage(float(t), address, (value,)) for t in range(int(start), int(end))]


class Watch:
    """Each buffer's smoothed values and watchdog states, and the pad's gains as sent."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, dict[str, float], dict[str, str]]] = []
        self.gains: list[tuple[float, float]] = []
        self.engine: Engine | None = None

    def attach(self, engine: Engine) -> None:
        self.engine = engine
        engine.listeners.append(self.listen)

    def listen(self, actions: list[Action]) -> None:
        assert self.engine is not None
        bus = self.engine.conductor.bus
        t = self.engine.sample / SR
        self.rows.append((t, dict(bus.values), {n: bus.state(n) for n in bus.specs}))
        self.gains += [
            (t, a.gain_db) for a in actions if isinstance(a, SetMix) and a.channel == "pad"
        ]

    def at(self, t: float) -> tuple[dict[str, float], dict[str, str]]:
        row = min(self.rows, key=lambda r: abs(r[0] - t))
        return row[1], row[2]


def test_a_silent_sensor_falls_back_within_timeout_plus_smoothing_and_recovers(
    score: Score, tmp_path: Path
) -> None:
    # a strap at 150 BPM once a second for 5 s, silent for 15 s, then back for 10 s
    timeline = every_second("/state/heartrate", 150, 0, 5) + every_second(
        "/state/heartrate", 150, 20, 30
    )
    timeline += [TimedMessage(0.0, "/state/danger", (0.9,))]  # a game input, sent once
    watch = Watch()
    render(score, tmp_path / "out.wav", 32.0, timeline=timeline, attach=[watch.attach])
    timeout, smoothing = defaults.SENSOR_TIMEOUT, 1.0
    last = 4.0  # the last message before the silence

    values, states = watch.at(last + timeout - 0.1)
    assert states["heartrate"] == LIVE and values["heartrate"] == pytest.approx(150, abs=0.5)
    values, states = watch.at(last + timeout + 0.2)
    assert states["heartrate"] == STALE and values["heartrate"] < 150
    # within timeout + 5 time constants of smoothing it is at the default (70) again
    values, states = watch.at(last + timeout + 5 * smoothing)
    assert values["heartrate"] == pytest.approx(70, abs=80 * math.exp(-5) + 0.1)
    values, states = watch.at(19.5)
    assert states["heartrate"] == FALLEN_BACK and values["heartrate"] == 70
    # the music followed: the pad's gain (-12 dB at 150 BPM) went back to the default's (-28 dB)
    assert max(g for t, g in watch.gains if t < 9) == pytest.approx(-12, abs=0.3)
    assert min(g for t, g in watch.gains if 9 < t < 19.5) == pytest.approx(-28, abs=0.2)
    # back with the next message, smoothly: no step larger than one buffer of the one-pole
    values, states = watch.at(20.1)
    assert states["heartrate"] == LIVE and 70 < values["heartrate"] < 80
    values, _ = watch.at(29.9)
    assert values["heartrate"] == pytest.approx(150, abs=1.0)
    series = np.array([row[1]["heartrate"] for row in watch.rows])
    one_pole = 1 - math.exp(-BUFFER / (SR * smoothing))
    assert np.max(np.abs(np.diff(series))) <= 80 * one_pole + 1e-9
    # a game input sent once never times out
    values, states = watch.at(31.0)
    assert states["danger"] == LIVE and values["danger"] == pytest.approx(0.9)


def test_hold_holds_and_a_number_is_a_fallback(score: Score, tmp_path: Path) -> None:
    timeline = [
        TimedMessage(0.0, "/state/grip", (0.6,)),
        TimedMessage(0.0, "/state/lean", (0.1,)),
    ]
    watch = Watch()
    render(score, tmp_path / "out.wav", 8.0, timeline=timeline, attach=[watch.attach])
    values, states = watch.at(1.9)
    assert states["grip"] == LIVE and states["lean"] == LIVE
    values, states = watch.at(7.9)
    assert states["grip"] == STALE and values["grip"] == pytest.approx(0.6)  # held, and stale
    assert states["lean"] == FALLEN_BACK and values["lean"] == 0.8


def test_the_watchdog_costs_one_comparison_a_buffer(score: Score) -> None:
    bus = StateBus(score.inputs, SR, BUFFER)
    deadlines = []
    for _ in range(round(20 * SR / BUFFER)):
        bus.tick()
        deadlines.append(bus._deadline)
    # the inputs were looked at only when a deadline passed: once per watched input here
    assert len(set(deadlines)) <= 1 + len([s for s in score.inputs.values() if s.timeout])


def test_ages_carry_over_a_live_reload(score: Score) -> None:
    bus = StateBus(score.inputs, SR, BUFFER)
    bus.set("heartrate", 120)
    for _ in range(round(3 * SR / BUFFER)):
        bus.tick()
    carried = bus.carried_to(score.inputs, SR, BUFFER)
    assert carried.age("heartrate") == pytest.approx(bus.age("heartrate"))
    for _ in range(round(3 * SR / BUFFER)):
        carried.tick()
    assert carried.state("heartrate") == STALE  # 6 s > 5 s: the reload did not reset its age


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{fallback: hold}", "a fallback needs a timeout"),
        ("{source: strap}", "is not one of"),
        ("{source: sensor, fallback: 2}", "must be in [0, 1]"),
        ("{source: sensor, fallback: maybe}", "is not one of"),
        ("{timeout: 0}", "must be in"),
    ],
)
def test_bad_watchdog_fields_are_clear_errors(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SCORE.replace("danger: {smoothing: 0.5}", f"danger: {body}"))
    with pytest.raises(ScoreError) as caught:
        load_score(path)
    text = str(caught.value)
    assert message in text and "bad.yaml:" in text and "inputs.danger" in text
