"""BS.1770 loudness checks against reference values for sines of known level."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.analysis import integrated_loudness, loudness_range, short_term_loudness

SR = 48_000
#: BS.1770-4: a 0 dBFS 1 kHz sine on one channel reads -3.01 LUFS.
REFERENCE_LUFS = -3.01


def sine(freq: float, seconds: float, level_db: float = 0.0, sr: int = SR) -> np.ndarray:
    """A sine at ``level_db`` dBFS peak."""
    t = np.arange(round(seconds * sr)) / sr
    return 10 ** (level_db / 20) * np.sin(2 * np.pi * freq * t)


@pytest.mark.parametrize("sr", [44_100, 48_000])
def test_full_scale_1k_sine_reads_reference(sr: int) -> None:
    assert integrated_loudness(sine(1000, 5, sr=sr), sr) == pytest.approx(REFERENCE_LUFS, abs=0.5)


def test_loudness_follows_level_db_for_db() -> None:
    loud = integrated_loudness(sine(1000, 5, -6), SR)
    quiet = integrated_loudness(sine(1000, 5, -26), SR)
    assert loud == pytest.approx(REFERENCE_LUFS - 6, abs=0.5)
    assert loud - quiet == pytest.approx(20.0, abs=0.05)


def test_second_identical_channel_adds_3_lu() -> None:
    mono = sine(1000, 5, -10)
    stereo = np.stack([mono, mono], axis=1)
    assert integrated_loudness(stereo, SR) - integrated_loudness(mono, SR) == pytest.approx(
        10 * math.log10(2), abs=0.05
    )


def test_k_weighting_favours_treble_and_cuts_deep_bass() -> None:
    """The K filter's +4 dB shelf and 38 Hz high-pass must actually be applied."""
    mid = integrated_loudness(sine(1000, 3), SR)
    assert 3.0 < integrated_loudness(sine(10_000, 3), SR) - mid < 4.5
    assert integrated_loudness(sine(20, 3), SR) < mid - 10


def test_gating_ignores_trailing_silence() -> None:
    """Ungated, half silence would read 3 LU lower; the relative gate drops the silent blocks."""
    y = np.concatenate([sine(1000, 5), np.zeros(5 * SR)])
    assert integrated_loudness(y, SR) == pytest.approx(REFERENCE_LUFS, abs=0.5)


def test_silence_and_empty_read_minus_infinity() -> None:
    assert integrated_loudness(np.zeros(SR), SR) == -math.inf
    assert integrated_loudness(np.zeros((0, 2)), SR) == -math.inf


def test_clip_shorter_than_a_gating_block_is_measured() -> None:
    assert integrated_loudness(sine(1000, 0.1), SR) == pytest.approx(REFERENCE_LUFS, abs=0.5)


def test_short_term_loudness_tracks_a_level_step() -> None:
    y = np.concatenate([sine(1000, 4, -20), sine(1000, 4, -40)])
    values = short_term_loudness(y, SR, window=3.0, hop=1.0)
    assert len(values) == 6
    assert values[0] == pytest.approx(-23.01, abs=0.5)
    assert values[-1] == pytest.approx(-43.01, abs=0.5)
    assert np.all(np.diff(values) < 0.01)


def test_short_term_loudness_of_short_or_silent_audio() -> None:
    assert short_term_loudness(sine(1000, 2), SR).size == 0
    assert np.all(short_term_loudness(np.zeros(4 * SR), SR) == -math.inf)


def test_loudness_range_measures_level_spread() -> None:
    steady = sine(1000, 20, -20)
    stepped = np.concatenate([sine(1000, 10, -20), sine(1000, 10, -30)])
    assert loudness_range(steady, SR) < 1.0
    assert loudness_range(stepped, SR) == pytest.approx(10.0, abs=1.0)
    assert math.isnan(loudness_range(np.zeros(3 * SR), SR))
