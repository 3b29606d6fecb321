"""Shared plumbing for the analysis functions: input coercion, downmixing, and a chunked STFT.

Kept private so each public measurement reads as "what it measures", not "how to frame audio".
The STFT is chunked because a full spectrogram of a minute-long render at a large FFT size runs
to hundreds of megabytes, while every measurement here reduces frames as soon as it sees them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

import numpy as np

#: Frames handed out per chunk by :func:`power_frames`; bounds memory, not results.
_CHUNK_FRAMES = 256


def require(module: str) -> ModuleType:
    """Import an optional dependency, naming the extra to install when it is missing.

    The analysis tools depend on scipy, pyloudnorm and soundfile, which the engine itself does
    not need; importing them lazily keeps ``import engine`` (and ``engine.analysis``) light.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        msg = (
            f"engine.analysis needs {module!r}; install the 'analysis' extra "
            "(pip install 'soundscape-engine[analysis]')"
        )
        raise ImportError(msg) from exc


def as_audio(y: np.ndarray) -> np.ndarray:
    """Return ``y`` as float64, shaped (n,) or (n, channels), so every function sees one layout."""
    arr = np.asarray(y, dtype=np.float64)
    if arr.ndim not in (1, 2):
        raise ValueError(f"audio must be shaped (n,) or (n, channels), got {arr.shape}")
    return arr


def as_channels(y: np.ndarray) -> np.ndarray:
    """Return audio as (n, channels) so per-channel code needs no mono special case."""
    arr = as_audio(y)
    return arr[:, None] if arr.ndim == 1 else arr


def to_mono(y: np.ndarray) -> np.ndarray:
    """Average the channels: spectral and rhythmic measures describe the mix, not a speaker."""
    arr = as_audio(y)
    return arr if arr.ndim == 1 else arr.mean(axis=1)


def _padded(x: np.ndarray, n_fft: int, tail: bool) -> np.ndarray:
    """Zero-pad so frame ``i`` is centred on sample ``i * hop``, as if silence preceded the clip.

    Rendered audio starts from silence, so a sound present at sample 0 is heard as a start.
    With ``tail`` the end is padded too, so the last samples get a frame of their own; without
    it frames stop where the audio does, so cutting a recording short does not look like an
    event (a sine truncated mid-cycle splatters across the spectrum).
    """
    half = n_fft // 2
    after = half if tail else 0
    padded = np.concatenate([np.zeros(half), x, np.zeros(after)])
    if len(padded) < n_fft:
        padded = np.concatenate([padded, np.zeros(n_fft - len(padded))])
    return padded


def power_frames(x: np.ndarray, n_fft: int, hop: int, *, tail: bool = True) -> Iterator[np.ndarray]:
    """Yield blocks of Hann-windowed power spectra, shape (frames, n_fft // 2 + 1).

    Frame ``i`` is centred on sample ``i * hop`` (see :func:`_padded` for ``tail``). Power is
    scaled so a full-scale sine centred on a bin reads about 0.25 (amplitude 0.5 after the
    window's coherent gain), which makes thresholds independent of ``n_fft``.
    """
    if len(x) == 0:
        return
    window = np.hanning(n_fft + 1)[:-1]
    scale = 1.0 / window.sum()
    frames = np.lib.stride_tricks.sliding_window_view(_padded(x, n_fft, tail), n_fft)[::hop]
    for start in range(0, len(frames), _CHUNK_FRAMES):
        block = frames[start : start + _CHUNK_FRAMES] * window
        yield np.abs(np.fft.rfft(block, axis=1) * scale) ** 2


def bin_frequencies(n_fft: int, sr: int) -> np.ndarray:
    """Centre frequency in Hz of each rfft bin."""
    return np.fft.rfftfreq(n_fft, d=1.0 / sr)
