"""Spectral centroid, chroma and key on synthesized noise, tones and harmonic progressions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.analysis import estimate_key, pitch_class_profile, spectral_centroid

SR = 44_100
C_MAJOR_SCALE = [60, 62, 64, 65, 67, 69, 71, 72]


def noise(seconds: float, cutoff: float | None = None, seed: int = 0) -> np.ndarray:
    """White noise, optionally brick-wall low-passed at ``cutoff`` Hz."""
    white = 0.1 * np.random.default_rng(seed).standard_normal(round(seconds * SR))
    if cutoff is None:
        return white
    spectrum = np.fft.rfft(white)
    spectrum[np.fft.rfftfreq(len(white), 1 / SR) > cutoff] = 0
    return np.fft.irfft(spectrum, len(white))


def tone(midi: int, seconds: float, harmonics: int = 6) -> np.ndarray:
    """A plucked harmonic tone (partials at 1/k) so chroma sees overtones, not a bare sine."""
    t = np.arange(round(seconds * SR)) / SR
    f0 = 440.0 * 2 ** ((midi - 69) / 12)
    partials = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, harmonics + 1))
    return 0.2 * partials * np.minimum(1.0, t / 0.01) * np.exp(-3 * t)


def chord(notes: list[int], seconds: float) -> np.ndarray:
    return sum(tone(m, seconds) for m in notes)


def arpeggio(notes: list[int], step: float = 0.25) -> np.ndarray:
    return np.concatenate([tone(m, step) for m in notes])


def test_centroid_orders_dark_and_bright_noise() -> None:
    dark = spectral_centroid(noise(2, cutoff=1000), SR)
    bright = spectral_centroid(noise(2), SR)
    assert dark < 1000 < 5000 < bright


def test_centroid_of_a_sine_is_its_frequency() -> None:
    t = np.arange(SR) / SR
    assert spectral_centroid(0.5 * np.sin(2 * np.pi * 440 * t), SR) == pytest.approx(440, rel=0.02)


def test_centroid_of_silence_is_nan() -> None:
    assert math.isnan(spectral_centroid(np.zeros(SR), SR))


def test_pitch_class_profile_of_a_single_note() -> None:
    profile = pitch_class_profile(tone(69, 1.0, harmonics=1), SR)
    assert profile.shape == (12,)
    assert profile.sum() == pytest.approx(1.0)
    assert int(np.argmax(profile)) == 9
    assert profile[9] > 0.8


def test_pitch_class_profile_of_silence_is_zero() -> None:
    assert np.all(pitch_class_profile(np.zeros(SR), SR) == 0)


def test_c_major_arpeggio_is_c_major() -> None:
    y = arpeggio(C_MAJOR_SCALE + C_MAJOR_SCALE[::-1] + [60, 64, 67, 72, 67, 64, 60])
    profile = pitch_class_profile(y, SR)
    in_scale = [0, 2, 4, 5, 7, 9, 11]
    assert min(profile[in_scale]) > max(np.delete(profile, in_scale))
    assert estimate_key(y, SR) == (0, "major")


def test_a_minor_triads_are_a_minor() -> None:
    y = np.concatenate([chord([57, 60, 64], 1.0), chord([45, 57, 60, 64], 1.0)])
    assert estimate_key(y, SR) == (9, "minor")


@pytest.mark.parametrize("shift", [2, 5, 10])
def test_key_follows_transposition(shift: int) -> None:
    major = arpeggio([m + shift for m in C_MAJOR_SCALE + C_MAJOR_SCALE[::-1]])
    minor = chord([57 + shift, 60 + shift, 64 + shift], 2.0)
    assert estimate_key(major, SR) == (shift % 12, "major")
    assert estimate_key(minor, SR) == ((9 + shift) % 12, "minor")


def test_silence_has_no_key() -> None:
    with pytest.raises(ValueError, match="no pitched content"):
        estimate_key(np.zeros(SR), SR)
