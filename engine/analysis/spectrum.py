"""Spectral measures: brightness (centroid) and harmony (pitch-class profile, key).

These let tests check musical intent on rendered audio: tension should brighten the mix, and a
score in C major should sound in C major after the whole DSP chain has had its way.
"""

from __future__ import annotations

import math

import numpy as np

from engine.analysis._signal import bin_frequencies, power_frames, to_mono

#: Frames more than this many dB below the loudest frame are treated as silence.
_GATE_DB = 60.0
#: Frames below this absolute power (about -100 dBFS) are silence whatever the rest does.
_ABS_FLOOR = 1e-10

#: Chroma FFT: 8192 points resolve semitones down to about C3 at 44.1/48 kHz.
_CHROMA_FFT = 8192
_CHROMA_HOP = 2048
_CHROMA_FMIN = 55.0
_CHROMA_FMAX = 5000.0

#: Krumhansl-Kessler probe-tone profiles (Krumhansl 1990), tonic first.
_KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])

PITCH_CLASS_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def _loud_frames(power: np.ndarray, threshold: float) -> np.ndarray:
    """Boolean mask of frames whose total power clears ``threshold``."""
    return np.asarray(power.sum(axis=1) > threshold)


def _gate_threshold(x: np.ndarray, n_fft: int, hop: int) -> float:
    """Frame-power threshold: 60 dB under the loudest frame, never under the absolute floor."""
    loudest = max((float(p.sum(axis=1).max()) for p in power_frames(x, n_fft, hop)), default=0.0)
    return float(max(loudest * 10.0 ** (-_GATE_DB / 10.0), _ABS_FLOOR))


def spectral_centroid(y: np.ndarray, sr: int, n_fft: int = 2048, hop: int = 512) -> float:
    """Energy-weighted mean spectral centroid in Hz, over frames that are not silent.

    Weighting by frame energy makes the answer "where the sound's power sits", which is what
    brightness means to a listener; gating skips silence and reverb tails far below the music,
    which would otherwise pull the mean toward the noise floor. Returns ``nan`` for silence.
    """
    x = to_mono(y)
    threshold = _gate_threshold(x, n_fft, hop)
    freqs = bin_frequencies(n_fft, sr)
    weighted, total = 0.0, 0.0
    for power in power_frames(x, n_fft, hop):
        loud = power[_loud_frames(power, threshold)]
        weighted += float((loud @ freqs).sum())
        total += float(loud.sum())
    return weighted / total if total > 0 else math.nan


def _pitch_class_of_bins(n_fft: int, sr: int) -> np.ndarray:
    """Pitch class (0 = C) of each rfft bin, or -1 outside the musical range we trust."""
    freqs = bin_frequencies(n_fft, sr)
    classes = np.full(len(freqs), -1)
    usable = (freqs >= _CHROMA_FMIN) & (freqs <= min(_CHROMA_FMAX, sr / 2))
    midi = 69.0 + 12.0 * np.log2(freqs[usable] / 440.0)
    classes[usable] = np.round(midi).astype(int) % 12
    return classes


def pitch_class_profile(y: np.ndarray, sr: int) -> np.ndarray:
    """12-bin chroma (C, C#, ..., B) summed over the clip and normalised to sum to 1.

    Each STFT frame's spectrum is square-root compressed (magnitude), folded onto pitch classes
    (A4 = 440 Hz, 55 Hz-5 kHz) and the frame normalised to unit sum before accumulating, so
    every sounding frame votes equally and a loud crash cannot outvote a bar of harmony. Zeros
    for silence.
    """
    x = to_mono(y)
    threshold = _gate_threshold(x, _CHROMA_FFT, _CHROMA_HOP)
    classes = _pitch_class_of_bins(_CHROMA_FFT, sr)
    usable = classes >= 0
    onehot = np.eye(12)[classes[usable]]
    profile = np.zeros(12)
    for power in power_frames(x, _CHROMA_FFT, _CHROMA_HOP):
        loud = power[_loud_frames(power, threshold)]
        chroma = np.sqrt(loud[:, usable]) @ onehot
        sums = chroma.sum(axis=1, keepdims=True)
        profile += (chroma / np.where(sums > 0, sums, 1.0)).sum(axis=0)
    total = profile.sum()
    return profile / total if total > 0 else profile


def _correlate(profile: np.ndarray, template: np.ndarray) -> np.ndarray:
    """Pearson correlation of ``profile`` with ``template`` rotated to each of the 12 tonics."""
    rotations = np.stack([np.roll(template, k) for k in range(12)])
    a = rotations - rotations.mean(axis=1, keepdims=True)
    b = profile - profile.mean()
    denom = np.linalg.norm(a, axis=1) * np.linalg.norm(b)
    return np.asarray((a @ b) / np.where(denom > 0, denom, 1.0))


def key_scores(profile: np.ndarray) -> np.ndarray:
    """Correlation of a chroma with every key, shape (2, 12): row 0 major, row 1 minor."""
    profile = np.asarray(profile, dtype=np.float64)
    return np.stack([_correlate(profile, _KK_MAJOR), _correlate(profile, _KK_MINOR)])


def estimate_key(y: np.ndarray, sr: int) -> tuple[int, str]:
    """Most likely key as ``(tonic pitch class, "major" | "minor")`` (Krumhansl-Schmuckler).

    Correlates the clip's pitch-class profile with the 24 rotated Krumhansl-Kessler profiles
    and takes the best. Relative keys (C major / A minor) share notes and differ only in
    emphasis, so short or harmonically thin clips can land on the relative key; check
    :func:`key_scores` when a test needs to know how close the call was. Raises ``ValueError``
    for silence, which has no key (any answer would be a guess passed off as a measurement).
    """
    profile = pitch_class_profile(y, sr)
    if not profile.any():
        raise ValueError("no pitched content to estimate a key from")
    scores = key_scores(profile)
    mode, tonic = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return int(tonic), ("major", "minor")[int(mode)]
