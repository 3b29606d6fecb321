"""Sample peak, true peak, finiteness and click detection on signals with known faults."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.analysis import clicks, is_finite, sample_peak_db, true_peak_db

SR = 48_000


def sine(freq: float, seconds: float, amp: float = 0.5, phase: float = 0.0) -> np.ndarray:
    """A sine of peak amplitude ``amp``."""
    t = np.arange(round(seconds * SR)) / SR
    return amp * np.sin(2 * np.pi * freq * t + phase)


def test_sample_peak_of_known_amplitude() -> None:
    assert sample_peak_db(sine(440, 0.1, amp=0.5)) == pytest.approx(-6.02, abs=0.01)
    assert sample_peak_db(np.zeros(100)) == -math.inf


def test_true_peak_finds_the_peak_between_samples() -> None:
    """A sine at fs/4 with 45 degrees phase is sampled at +-0.707 but peaks at 1.0."""
    y = sine(SR / 4, 1.0, amp=1.0, phase=math.pi / 4) * np.hanning(SR)
    assert sample_peak_db(y) == pytest.approx(-3.01, abs=0.05)
    assert true_peak_db(y, SR) == pytest.approx(0.0, abs=0.2)
    assert true_peak_db(y, SR) > sample_peak_db(y) + 2.5


def test_true_peak_of_low_sine_equals_sample_peak() -> None:
    y = sine(100, 1.0, amp=0.5) * np.hanning(SR)
    assert true_peak_db(y, SR) == pytest.approx(sample_peak_db(y), abs=0.05)


def test_true_peak_takes_loudest_channel() -> None:
    left = sine(1000, 0.5, amp=0.1) * np.hanning(SR // 2)
    stereo = np.stack([left, 5 * left], axis=1)
    assert true_peak_db(stereo, SR) == pytest.approx(true_peak_db(5 * left, SR), abs=1e-9)
    assert true_peak_db(np.zeros((10, 2)), SR) == -math.inf


def test_is_finite() -> None:
    y = sine(440, 0.1)
    assert is_finite(y)
    for bad in (math.nan, math.inf, -math.inf):
        broken = y.copy()
        broken[17] = bad
        assert not is_finite(broken)


def test_clean_sine_has_no_clicks() -> None:
    for freq in (50, 440, 2000):
        assert clicks(sine(freq, 1.0), SR) == 0


def test_phase_jump_is_one_click() -> None:
    y = sine(440, 1.0)
    y[SR // 2 :] = sine(440, 0.5, phase=math.pi / 2)[: SR - SR // 2]
    assert clicks(y, SR) == 1


def test_separate_glitches_are_counted() -> None:
    y = sine(220, 1.0)
    y[[5_000, 20_000, 40_000]] += 0.3
    assert clicks(y, SR) == 3


def test_glitch_on_one_channel_of_stereo() -> None:
    clean = sine(220, 1.0)
    glitched = clean.copy()
    glitched[30_000:] += 0.2
    assert clicks(np.stack([clean, glitched], axis=1), SR) == 1


def test_drum_hits_and_corners_are_not_clicks() -> None:
    """Noise bursts out of silence and a naive sawtooth are jagged by nature, not faulty."""
    rng = np.random.default_rng(7)
    hits = np.zeros(SR)
    burst = rng.standard_normal(2_000) * np.exp(-np.arange(2_000) / 300)
    for start in (1_000, 13_000, 25_000, 37_000):
        hits[start : start + 2_000] += 0.5 * burst
    t = np.arange(SR) / SR
    saw = 0.3 * (2 * ((110 * t) % 1) - 1)
    assert clicks(hits, SR) == 0
    assert clicks(saw, SR) == 0
