"""The personal baseline: a noisy strap's resting rate learned within ±3 BPM (gaussian noise, 0
and 255 dropouts, spikes), read by ``heartrate.relative`` and ``.ratio``; kept per listener seed
in a file that round-trips; the loader's errors for the derived names."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from engine import defaults, load_score
from engine.errors import ScoreError, SoundscapeError
from engine.live.baselines import read_baselines, write_baselines
from engine.render.engine import Engine
from engine.render.offline import render
from engine.score.model import Score
from engine.state.bus import StateBus
from engine.state.timeline import TimedMessage

SR, BUFFER = 48000, 256

SCORE = """
version: 1
inputs:
  heartrate: {smoothing: 2.0}
tempo:
  bpm: {input: heartrate.ratio, curve: [[0.8, 60], [1, 70], [1.5, 100]]}
layers:
  drone:
    instrument: drone
    generator: {type: drone, bars: 8}
    gain: {input: heartrate.relative, curve: [[-10, -30], [0, -24], [30, -14]]}
scenes: {only: {layers: [drone]}}
"""


@pytest.fixture
def score(tmp_path: Path) -> Score:
    path = tmp_path / "body.yaml"
    path.write_text(SCORE)
    return load_score(path)


def flaky_strap(rest: float, seconds: int, seed: int) -> list[float]:
    """One reading a second: the resting rate with gaussian noise (sd 4 BPM), 10 % dropouts
    (0 for no contact, 255 for a saturated byte) and 6 % spikes (a slipping strap: +25..+70)."""
    rng = random.Random(seed)
    readings = []
    for _ in range(seconds):
        roll = rng.random()
        if roll < 0.05:
            readings.append(0.0)
        elif roll < 0.10:
            readings.append(255.0)
        elif roll < 0.16:
            readings.append(rest + rng.uniform(25, 70))
        else:
            readings.append(rng.gauss(rest, 4.0))
    return readings


def test_a_noisy_resting_rate_is_learned_within_3_bpm_in_a_render(
    score: Score, tmp_path: Path
) -> None:
    rest = 63.0
    seconds = int(defaults.BASELINE_LEARN_SECONDS) + 20
    readings = flaky_strap(rest, seconds, seed=1)
    # after the learning window the heart climbs (the game got exciting): that is not rest
    readings[-15:] = [110.0] * 15
    timeline = [
        TimedMessage(float(t), "/state/heartrate", (bpm,)) for t, bpm in enumerate(readings)
    ]
    seen: list[tuple[float, float | None, str]] = []

    def watch(engine: Engine) -> None:
        bus = engine.conductor.bus
        engine.listeners.append(
            lambda _: seen.append(
                (engine.sample / SR, bus.baseline.value, bus.baseline.state(bus.ticks))
            )
        )

    render(score, tmp_path / "out.wav", float(seconds), timeline=timeline, attach=[watch])
    first = next(t for t, value, _ in seen if value is not None)
    # a baseline once enough readings came (some were refused as dropouts)
    assert defaults.BASELINE_MIN_SAMPLES <= first < 2 * defaults.BASELINE_MIN_SAMPLES
    assert all(state == "default" for t, _, state in seen if t < first)
    _, learned, state = seen[-1]
    assert state == "learned" and learned is not None
    assert learned == pytest.approx(rest, abs=3.0)
    # the mean of the same plausible readings is pulled up by the spikes; the median is not
    plausible = [r for r in readings[: int(defaults.BASELINE_LEARN_SECONDS)] if 30 <= r <= 220]
    assert abs(sum(plausible) / len(plausible) - rest) > 2 * abs(learned - rest)


@pytest.mark.parametrize("seed", range(20))
def test_the_estimate_holds_for_many_straps_and_rests(seed: int, score: Score) -> None:
    rng = random.Random(seed)
    rest = rng.uniform(48, 85)
    bus = StateBus(score.inputs, SR, BUFFER)
    per_second = round(SR / BUFFER)
    for bpm in flaky_strap(rest, int(defaults.BASELINE_LEARN_SECONDS), seed=100 + seed):
        bus.set("heartrate", bpm)
        for _ in range(per_second):
            bus.tick()
    assert bus.baseline.value == pytest.approx(rest, abs=3.0)
    assert bus.implausible > 0  # the 0s and 255s never reached the median


def test_a_faulty_reading_is_no_reading(score: Score) -> None:
    bus = StateBus(score.inputs, SR, BUFFER)
    bus.set("heartrate", 64)
    for _ in range(round(SR / BUFFER)):
        bus.tick()
    for _ in range(10):  # a strap that lost contact: only 0s and 255s, once a second
        assert not bus.set("heartrate", 0) and not bus.set("heartrate", 255)
        for _ in range(round(SR / BUFFER)):
            bus.tick()
    assert bus.targets["heartrate"] != 200 and bus.implausible == 20
    assert bus.state("heartrate") != "live"  # it timed out like a silent strap


def test_relative_and_ratio_are_read_against_the_baseline(score: Score) -> None:
    bus = StateBus(score.inputs, SR, BUFFER)
    bus.set_baseline(60.0)
    for _ in range(30):  # a strap, once a second
        bus.set("heartrate", 90)
        for _ in range(round(SR / BUFFER)):
            bus.tick()
    assert bus.values["heartrate.relative"] == pytest.approx(30, abs=0.05)
    assert bus.values["heartrate.ratio"] == pytest.approx(1.5, abs=0.002)
    assert not bus.set("heartrate.relative", 3)  # computed, never sent


def test_baselines_are_kept_per_listener_seed_and_round_trip(score: Score, tmp_path: Path) -> None:
    path = tmp_path / "listeners" / "baselines.json"
    path.parent.mkdir()
    bus = StateBus(score.inputs, SR, BUFFER)
    bus.adopt_listener(5, read_baselines(path))  # no file yet: nobody known
    assert bus.baseline.value is None
    per_second = round(SR / BUFFER)
    for bpm in flaky_strap(58, 60, seed=3):
        bus.set("heartrate", bpm)
        for _ in range(per_second):
            bus.tick()
    learned = bus.baseline.value
    assert learned is not None and learned == pytest.approx(58, abs=3)
    bus.switch_listener(9)  # another player (/seed 9): learned from scratch
    assert bus.baseline.value is None and bus.baselines == {5: learned}
    bus.set_baseline(71.5)  # /listener/baseline 71.5
    bus.keep_baseline()
    write_baselines(path, bus.baselines)
    assert read_baselines(path) == {5: round(learned, 2), 9: 71.5}
    # the next session: listener 5 is known at once, and a /seed 9 brings theirs back
    again = StateBus(score.inputs, SR, BUFFER)
    again.adopt_listener(5, read_baselines(path))
    assert again.baseline.value == round(learned, 2) and again.baseline.state(0) == "set"
    again.switch_listener(9)
    assert again.baseline.value == 71.5
    assert sorted(p.name for p in path.parent.iterdir()) == ["baselines.json"]  # no leftovers


def test_a_failed_write_raises_and_a_broken_file_is_a_clear_error(tmp_path: Path) -> None:
    blocked = tmp_path / "no-such-folder" / "baselines.json"
    with pytest.raises(OSError):
        write_baselines(blocked, {1: 60.0})
    broken = tmp_path / "broken.json"
    broken.write_text('{"5": 60,\n "7": }\n')
    with pytest.raises(SoundscapeError, match=r"broken.json:2:7: not JSON"):
        read_baselines(broken)
    for text, problem in (
        ('{"5": 0}', "not in"),
        ('{"x": 60}', "a seed is a whole number"),
        ("[60]", "expected an object"),
        ('{"5": "60"}', "expected a number"),
    ):
        broken.write_text(text)
        with pytest.raises(SoundscapeError, match=problem):
            read_baselines(broken)


@pytest.mark.parametrize(
    ("term", "message"),
    [
        ("heartrate.relatve", "did you mean 'heartrate.relative'"),
        ("valence.relative", "is not one of"),
    ],
)
def test_an_unknown_derived_input_is_a_clear_error(tmp_path: Path, term: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SCORE.replace("input: heartrate.relative", f"input: {term}"))
    with pytest.raises(ScoreError) as caught:
        load_score(path)
    text = str(caught.value)
    assert message in text and "bad.yaml:" in text and "layers.drone.gain.input" in text
