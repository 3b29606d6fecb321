"""Measure rendered audio: loudness, peaks and faults, spectrum and key, onsets and tempo.

Pure functions on numpy arrays (``y`` shaped (n,) or (n, channels), ``sr`` in Hz), so tests and
tools can check what the engine actually produced rather than what it meant to produce. Nothing
here touches pyo. scipy, pyloudnorm and soundfile are imported only when a function needs them,
so importing this package costs no more than numpy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.analysis._signal import require
from engine.analysis.loudness import integrated_loudness, loudness_range, short_term_loudness
from engine.analysis.peaks import clicks, is_finite, sample_peak_db, true_peak_db
from engine.analysis.rhythm import estimate_tempo, onset_envelope, onset_rate, onsets
from engine.analysis.spectrum import (
    PITCH_CLASS_NAMES,
    estimate_key,
    key_scores,
    pitch_class_profile,
    spectral_centroid,
)


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Read an audio file as float64 in [-1, 1]: (n,) for mono, (n, channels) otherwise.

    Lets tests measure a render written to disk with the same functions as one held in memory.
    """
    soundfile = require("soundfile")
    data, sr = soundfile.read(str(path), dtype="float64", always_2d=False)
    return np.asarray(data), int(sr)


__all__ = [
    "PITCH_CLASS_NAMES",
    "clicks",
    "estimate_key",
    "estimate_tempo",
    "integrated_loudness",
    "is_finite",
    "key_scores",
    "loudness_range",
    "onset_envelope",
    "onset_rate",
    "onsets",
    "pitch_class_profile",
    "read_wav",
    "sample_peak_db",
    "short_term_loudness",
    "spectral_centroid",
    "true_peak_db",
]
