"""Spatial placement heard in real renders (pyo64, offline): docs/spatial.md.

A placed layer at +90 degrees is louder in the right ear, binaurally and in stereo; turning the
head 180 degrees swaps the ears; a head turn changes the sound in the buffer it arrives in and
never clicks; layers without a position sound the same in every mode.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine import defaults, load_score
from engine.analysis import clicks, read_wav
from engine.dsp.mixer import Channel
from engine.dsp.pyolib import pyo
from engine.render.offline import render
from engine.state.timeline import TimedMessage

SR, BS = 48000, 256

NOISE = """\
version: 1
title: Placed
seed: 1
layers:
  bed:
    instrument: rain
    gain: -12
    reverb: 0
{position}
scenes:
  main: {{layers: [bed]}}
"""

DRONE = """\
version: 1
title: Placed drone
seed: 1
tempo: {{bpm: 60}}
layers:
  hum:
    instrument: drone
    generator: {{type: drone, octave: 3, bars: 8, follow: tonic}}
    gain: -10
    reverb: 0
{position}
scenes:
  main: {{layers: [hum]}}
"""


def _render(
    tmp_path: Path,
    text: str,
    spatial: str,
    seconds: float,
    messages: tuple[TimedMessage, ...] = (),
    name: str = "out",
) -> np.ndarray:
    score_file = tmp_path / f"{name}.yaml"
    score_file.write_text(text)
    out = tmp_path / f"{name}-{spatial}.wav"
    render(load_score(score_file), out, seconds, timeline=list(messages), spatial=spatial)
    y, sr = read_wav(out)
    assert sr == SR
    return y


def _rms(y: np.ndarray) -> np.ndarray:
    return np.sqrt(np.mean(y**2, axis=0))


def _placed(azimuth: float, distance: float = 1.0) -> str:
    return f"    position: {{azimuth: {azimuth}, distance: {distance}}}"


@pytest.mark.parametrize("spatial", ["binaural", "stereo"])
def test_a_source_at_plus_90_is_louder_in_the_right_ear(tmp_path: Path, spatial: str) -> None:
    y = _render(tmp_path, NOISE.format(position=_placed(90)), spatial, 3.0)
    left, right = _rms(y[SR:])
    assert right > 2.0 * left, (left, right)
    y = _render(tmp_path, NOISE.format(position=_placed(-90)), spatial, 3.0, name="minus")
    left, right = _rms(y[SR:])
    assert left > 2.0 * right, (left, right)


@pytest.mark.parametrize("spatial", ["binaural", "stereo"])
def test_turning_the_head_180_degrees_swaps_the_ears(tmp_path: Path, spatial: str) -> None:
    turn = (TimedMessage(2.0, "/listener/orientation", (180.0, 0.0, 0.0)),)
    y = _render(tmp_path, NOISE.format(position=_placed(90)), spatial, 4.0, turn)
    before_l, before_r = _rms(y[SR : 2 * SR - BS])
    after_l, after_r = _rms(y[2 * SR + 2 * BS :])
    assert before_r > 2.0 * before_l
    assert after_l > 2.0 * after_r
    # The level moved from one ear to the other: the source did not go quiet or loud.
    assert after_l == pytest.approx(before_r, rel=0.25)


@pytest.mark.parametrize("spatial", ["binaural", "stereo"])
def test_a_head_turn_is_heard_in_the_buffer_it_arrives_in(tmp_path: Path, spatial: str) -> None:
    """The render with the turn and the one without are identical up to the turn's buffer, and
    differ inside it."""
    at = 2.0
    text = NOISE.format(position=_placed(60))
    still = _render(tmp_path, text, spatial, 2.5, name="still")
    turn = (TimedMessage(at, "/listener/orientation", (90.0, 0.0, 0.0)),)
    turned = _render(tmp_path, text, spatial, 2.5, turn, name="turned")
    first = int(np.flatnonzero(np.any(still != turned, axis=1))[0])
    start = int(at * SR) // BS * BS
    assert start <= first < start + BS, (first, start)


@pytest.mark.parametrize("spatial", ["binaural", "stereo"])
def test_a_head_turn_never_clicks(tmp_path: Path, spatial: str) -> None:
    """A sustained drone, the head snapping round by 180 degrees and back, and turning across
    the back: no sample stands out of the waveform around it (engine.analysis.clicks)."""
    turns = (
        TimedMessage(2.0, "/listener/orientation", (180.0, 0.0, 0.0)),
        TimedMessage(2.5, "/listener/orientation", (0.0, 0.0, 0.0)),
        TimedMessage(3.0, "/listener/orientation", (170.0, 0.0, 0.0)),
        TimedMessage(3.5, "/listener/orientation", (-170.0, 0.0, 0.0)),
    )
    y = _render(tmp_path, DRONE.format(position=_placed(80)), spatial, 4.0, turns)
    window = y[int(1.8 * SR) : int(3.8 * SR)]
    assert np.max(np.abs(window)) > 0.01  # the drone sounds
    assert clicks(window, SR) == 0


def test_the_click_check_catches_an_unramped_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same turn with no ramp (a jump in the ears' gains) is caught: the check can fail."""
    monkeypatch.setattr(defaults, "SPATIAL_RAMP", 0.0)
    turns = (TimedMessage(2.0, "/listener/orientation", (180.0, 0.0, 0.0)),)
    y = _render(tmp_path, DRONE.format(position=_placed(80)), "stereo", 2.5, turns)
    assert clicks(y[int(1.8 * SR) :], SR) > 0


def test_layers_without_a_position_sound_the_same_in_every_mode(tmp_path: Path) -> None:
    text = NOISE.format(position="")
    off = _render(tmp_path, text, "off", 1.0)
    for spatial in ("stereo", "binaural"):
        assert np.array_equal(off, _render(tmp_path, text, spatial, 1.0))


def test_spatial_off_pans_a_placed_layer_as_unplaced(tmp_path: Path) -> None:
    placed = _render(tmp_path, NOISE.format(position=_placed(90)), "off", 1.0, name="placed")
    plain = _render(tmp_path, NOISE.format(position=""), "off", 1.0, name="plain")
    assert np.array_equal(placed, plain)


def test_distance_attenuates_and_darkens(tmp_path: Path) -> None:
    near = _render(tmp_path, NOISE.format(position=_placed(0, 1)), "binaural", 2.0, name="n")
    far = _render(tmp_path, NOISE.format(position=_placed(0, 40)), "binaural", 2.0, name="f")
    # The leveler is slow (seconds): over the first second the gain is the mix's own.
    near_rms, far_rms = _rms(near[BS * 20 : SR]).mean(), _rms(far[BS * 20 : SR]).mean()
    assert far_rms < 0.2 * near_rms


def test_the_azimuth_ramps_the_short_way_round(server: pyo.Server) -> None:
    """Across the back (170 to -170) the unwrapped target moves 20 degrees, not 340."""

    class Hum:
        def __init__(self) -> None:
            self.output = pyo.Sine(220, mul=0.1)
            self._graph: list[object] = []

    channel = Channel(Hum(), spatial="binaural", sr=SR)  # type: ignore[arg-type]
    channel.set_position(170.0, 0.0, 1.0)
    channel.set_position(-170.0, 0.0, 1.0)
    assert channel.azimuth.value == pytest.approx(190.0)
    channel.set_position(-90.0, 0.0, 1.0)
    assert channel.azimuth.value == pytest.approx(270.0)
    channel.set_position(float("nan"), 0.0, 1.0)  # refused: nothing moves
    assert channel.azimuth.value == pytest.approx(270.0)
    channel.set_position(0.0, 500.0, 1e9)  # clamped
    assert channel.position == (0.0, 90.0, defaults.POSITION_RANGES["distance"][1])


def test_a_reload_that_places_a_layer_moves_it(tmp_path: Path) -> None:
    """A live reload giving a layer a position crossfades it into a placed channel."""
    plain, placed = tmp_path / "plain.yaml", tmp_path / "placed.yaml"
    plain.write_text(NOISE.format(position=""))
    placed.write_text(NOISE.format(position=_placed(90)))
    out = tmp_path / "reloaded.wav"
    render(
        load_score(plain),
        out,
        5.0,
        reloads=[(1.0, load_score(placed))],
        spatial="binaural",
    )
    y, _ = read_wav(out)
    left, right = _rms(y[int(0.2 * SR) : SR])
    assert right == pytest.approx(left, rel=0.05)
    left, right = _rms(y[4 * SR :])
    assert right > 2.0 * left, (left, right)
