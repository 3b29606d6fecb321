"""Peaks and sample-level faults: the checks that catch a broken render before anyone listens.

Sample peak is what the file holds; true peak is what a DAC reconstructs between samples, which
is what clips a converter or a lossy encoder (BS.1770-4 Annex 2). ``clicks`` finds the audible
artefacts of a bad edit: a voice cut off mid-cycle, a buffer boundary glitch, a gain jump.
"""

from __future__ import annotations

import math

import numpy as np

from engine.analysis._signal import as_audio, as_channels, require


def _db(amplitude: float) -> float:
    """Amplitude to dBFS, with silence as ``-inf`` instead of a divide-by-zero warning."""
    return 20.0 * math.log10(amplitude) if amplitude > 0 else -math.inf


def sample_peak_db(y: np.ndarray) -> float:
    """Largest absolute sample value over all channels, in dBFS (``-inf`` for silence)."""
    arr = as_audio(y)
    return _db(float(np.max(np.abs(arr)))) if arr.size else -math.inf


def _oversampling(sr: int) -> int:
    """Oversampling factor for true peak: 4x below 96 kHz as the Annex specifies, then 2x, 1x.

    The Annex's aim is an effective rate of at least 192 kHz, so high-rate audio needs less.
    """
    if sr < 96_000:
        return 4
    return 2 if sr < 192_000 else 1


def true_peak_db(y: np.ndarray, sr: int) -> float:
    """Estimated true (inter-sample) peak in dBTP, per ITU-R BS.1770-4 Annex 2.

    Each channel is oversampled with a polyphase windowed-sinc filter
    (``scipy.signal.resample_poly``) and the largest magnitude taken. Never reports less than the
    sample peak. Audio that starts or stops abruptly overshoots at its edges, as a DAC would.
    """
    signal = require("scipy.signal")
    chans = as_channels(y)
    if chans.size == 0:
        return -math.inf
    factor = _oversampling(sr)
    peak = float(np.max(np.abs(chans)))
    if factor > 1:
        upsampled = signal.resample_poly(chans, factor, 1, axis=0)
        peak = max(peak, float(np.max(np.abs(upsampled))))
    return _db(peak)


def is_finite(y: np.ndarray) -> bool:
    """True when no sample is NaN or infinite: an unstable filter or bad division shows up here."""
    return bool(np.all(np.isfinite(as_audio(y))))


def _neighbour_level(d2: np.ndarray, reach: int, guard: int) -> np.ndarray:
    """Per sample, the larger of the max |second difference| just before and just after it.

    Samples within ``guard`` of the centre are skipped so a click's own two or three spike
    samples do not raise its own threshold.
    """
    ndimage = require("scipy.ndimage")
    half = reach // 2
    centred = ndimage.maximum_filter1d(d2, size=2 * half + 1, mode="constant", cval=0.0)
    shift = guard + half + 1
    padded = np.concatenate([np.zeros(shift), centred, np.zeros(shift)])
    before = padded[: len(d2)]
    after = padded[2 * shift :]
    return np.asarray(np.maximum(before, after))


def _count_events(flags: np.ndarray, gap: int) -> int:
    """Count runs of flagged samples, merging flags closer than ``gap`` into one event."""
    idx = np.flatnonzero(flags)
    if idx.size == 0:
        return 0
    return 1 + int(np.count_nonzero(np.diff(idx) > gap))


def clicks(
    y: np.ndarray,
    sr: int,
    ratio: float = 4.0,
    window: float = 0.05,
    floor_db: float = -70.0,
) -> int:
    """Count clicks: samples whose second difference dwarfs everything around them.

    A discontinuity in the waveform (a step or a spike) puts a large value in the second
    difference ``y[n+1] - 2 y[n] + y[n-1]`` at one or two samples, while smooth audio keeps it
    small. A sample is flagged when its |second difference| exceeds ``ratio`` times the largest
    |second difference| within ``window`` seconds on *either* side (plus a ``floor_db`` absolute
    floor), so:

    * a step in a sine or a glitch in a pad is caught;
    * a drum hit out of silence is not (the burst after it is as jagged as its start);
    * periodic waveforms with corners (naive saw, square) are not, as long as their period is
      shorter than ``window`` (50 ms covers everything above 20 Hz).

    Flags less than 1 ms apart, on any channel, count as one click. Edges of the clip are not
    clicks: nothing before sample 0 is assumed.
    """
    chans = as_channels(y)
    if len(chans) < 3:
        return 0
    floor = 10.0 ** (floor_db / 20.0)
    reach = max(3, round(window * sr))
    flags = np.zeros(len(chans) - 2, dtype=bool)
    for ch in chans.T:
        d2 = np.abs(np.diff(ch, n=2))
        flags |= d2 > ratio * _neighbour_level(d2, reach, guard=3) + floor
    return _count_events(flags, gap=max(1, sr // 1000))
