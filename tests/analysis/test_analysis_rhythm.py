"""Onsets, onset rate and tempo on click trains and steady signals with known answers."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from engine.analysis import estimate_tempo, onset_envelope, onset_rate, onsets

SR = 44_100


def click_train(
    bpm: float, seconds: float = 8.0, random_amp: bool = False, start: float = 0.0, seed: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Short decaying noise bursts every beat; returns (audio, burst times in seconds)."""
    rng = np.random.default_rng(seed)
    y = np.zeros(round(seconds * SR))
    length = round(0.03 * SR)
    decay = np.exp(-np.arange(length) / (0.005 * SR))
    times = np.arange(start, seconds - 0.05, 60.0 / bpm)
    for when in times:
        amp = rng.uniform(0.2, 1.0) if random_amp else 0.8
        i = round(when * SR)
        n = min(length, len(y) - i)
        y[i : i + n] += amp * decay[:n] * rng.standard_normal(n)
    return y, times


def backbeat(bpm: float, bars: int = 6) -> np.ndarray:
    """Kick (low thump) on beats 1 and 3, snare (noise) on 2 and 4: the kick barely moves
    bin-averaged flux, so a loudness-weighted tempo would lock onto the snare's half-note."""
    rng = np.random.default_rng(5)
    beat = 60.0 / bpm
    y = np.zeros(round(bars * 4 * beat * SR) + SR)
    t = np.arange(round(0.2 * SR)) / SR
    kick = np.sin(2 * np.pi * np.cumsum(50 + 100 * np.exp(-30 * t)) / SR) * np.exp(-15 * t)
    snare = 0.4 * rng.standard_normal(len(t)) * np.exp(-25 * t)
    for n in range(bars * 4):
        i = round(n * beat * SR)
        y[i : i + len(t)] += kick if n % 2 == 0 else snare
    return y


def steady_sine(seconds: float = 5.0) -> np.ndarray:
    t = np.arange(round(seconds * SR)) / SR
    return 0.5 * np.sin(2 * np.pi * 440 * t)


def steady_noise(seconds: float = 5.0) -> np.ndarray:
    return 0.3 * np.random.default_rng(2).standard_normal(round(seconds * SR))


@pytest.mark.parametrize("bpm", [60, 90, 120, 150])
@pytest.mark.parametrize("random_amp", [False, True])
def test_tempo_of_click_trains(bpm: float, random_amp: bool) -> None:
    y, _ = click_train(bpm, random_amp=random_amp)
    assert estimate_tempo(y, SR) == pytest.approx(bpm, rel=0.03)


@pytest.mark.parametrize("bpm", [45, 190])
def test_tempo_near_the_range_edges(bpm: float) -> None:
    y, _ = click_train(bpm, seconds=10.0, random_amp=True)
    assert estimate_tempo(y, SR) == pytest.approx(bpm, rel=0.03)


@pytest.mark.parametrize("bpm", [100, 128])
def test_backbeat_is_not_halved(bpm: float) -> None:
    assert estimate_tempo(backbeat(bpm), SR) == pytest.approx(bpm, rel=0.03)


def test_tempo_respects_the_search_range() -> None:
    y, _ = click_train(120)
    assert estimate_tempo(y, SR, lo=40, hi=100) == pytest.approx(60, rel=0.03)


def test_no_tempo_without_onsets() -> None:
    assert math.isnan(estimate_tempo(np.zeros(5 * SR), SR))
    assert math.isnan(estimate_tempo(steady_sine(), SR))


def test_onsets_land_on_the_clicks() -> None:
    y, times = click_train(120, seconds=4.0, start=0.3)
    found = onsets(y, SR)
    assert len(found) == len(times)
    assert np.max(np.abs(found - times)) < 0.025


@pytest.mark.parametrize("random_amp", [False, True])
def test_onset_rate_of_click_train(random_amp: bool) -> None:
    y, _ = click_train(120, seconds=8.0, random_amp=random_amp)
    assert onset_rate(y, SR) == pytest.approx(2.0, rel=0.1)


@pytest.mark.parametrize("make", [steady_sine, steady_noise])
def test_steady_signals_have_no_onsets_after_their_start(make: Callable[[], np.ndarray]) -> None:
    y = make()
    found = onsets(y, SR)
    assert np.all(found < 0.05), "only the start out of silence may count"
    assert onset_rate(y, SR) <= 1 / 5.0


def test_silence_has_no_onsets() -> None:
    assert onsets(np.zeros(SR), SR).size == 0
    assert onset_rate(np.zeros(SR), SR) == 0.0
    assert onset_rate(np.zeros(0), SR) == 0.0


def test_onset_envelope_shape_and_sign() -> None:
    y, _ = click_train(120, seconds=2.0)
    env = onset_envelope(y, SR, hop=256)
    assert len(env) == pytest.approx(2.0 * SR / 256, abs=8)
    assert np.all(env >= 0)
    assert env.max() > 10 * np.median(env)


def test_sound_at_sample_zero_is_an_onset() -> None:
    """Rendered audio starts from silence, so a hit on the first sample is heard as an onset."""
    y, times = click_train(90, seconds=4.0, start=0.0)
    found = onsets(y, SR)
    assert len(found) == len(times)
    assert found[0] < 0.025
