"""Rhythm measures: onset envelope, onsets, onset rate and tempo.

Adaptive music changes density and pace with the game; these turn "combat feels busier" and
"the groove sits at 120 BPM" into numbers a test can check on rendered audio.

Onsets are found by spectral flux: the per-frame increase in log-compressed magnitude, averaged
over frequency bins. Log compression lets quiet hits register beside loud ones, and keeping
only increases ignores decays. Frames are centred on multiples of ``hop`` with silence
assumed before the clip, so a sound already playing at sample 0 is reported as an onset at 0;
the clip's end is not treated as an event (frames stop where the audio does).
"""

from __future__ import annotations

import math

import numpy as np

from engine.analysis._signal import power_frames, to_mono

#: Log-compression gain: maps the -60..0 dBFS range of a bin onto log1p's bend.
_COMPRESSION = 1000.0
#: Seconds either side of a frame that it must be the maximum of to be a peak.
_PEAK_REACH = 0.03
#: Seconds either side of a frame over which the adaptive threshold's median is taken.
_MEDIAN_REACH = 0.25
#: Shortest gap between onsets in seconds; 16ths at 200 BPM are 75 ms apart, so they survive.
_MIN_GAP = 0.05
#: A peak must exceed this multiple of the local median, plus _DELTA ...
_MEDIAN_RATIO = 1.5
#: ... and this absolute flux (mean log-magnitude rise per bin), which silences noise floors.
_DELTA = 0.02
#: An octave-faster tempo wins if its autocorrelation is at least this share of the best.
_OCTAVE_RATIO = 0.5


def onset_envelope(y: np.ndarray, sr: int, hop: int = 512) -> np.ndarray:
    """Spectral-flux novelty curve, one value per ``hop`` samples (frame ``i`` at ``i*hop/sr`` s).

    The STFT uses a ``4 * hop`` Hann window. Values are mean log-magnitude rises per bin, so
    they do not depend on the FFT size and read 0 for steady or decaying sound.
    """
    x = to_mono(y)
    n_fft = 4 * hop
    previous = np.zeros(n_fft // 2 + 1)
    flux: list[np.ndarray] = []
    for power in power_frames(x, n_fft, hop, tail=False):
        logmag = np.log1p(_COMPRESSION * np.sqrt(power))
        stacked = np.vstack([previous, logmag])
        flux.append(np.maximum(np.diff(stacked, axis=0), 0.0).mean(axis=1))
        previous = logmag[-1]
    return np.concatenate(flux) if flux else np.empty(0)


def _frames(seconds: float, sr: int, hop: int) -> int:
    """Convert a duration to a whole number of envelope frames, at least one."""
    return max(1, round(seconds * sr / hop))


def _sliding(env: np.ndarray, reach: int, reducer: str) -> np.ndarray:
    """Centred sliding max or median over ``2 * reach + 1`` frames.

    Edges are mirrored, so the first frame's threshold comes from the frames after it rather
    than from copies of itself (which would hide an onset at the start of the clip).
    """
    padded = np.pad(env, reach, mode="reflect" if env.size > 1 else "edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * reach + 1)
    return np.asarray(windows.max(axis=1) if reducer == "max" else np.median(windows, axis=1))


def _pick_peaks(env: np.ndarray, sr: int, hop: int) -> np.ndarray:
    """Frame indices of onsets: local maxima above an adaptive, median-based threshold.

    The threshold follows the envelope's running median, so steady noise (whose flux hovers
    around a constant) never clears it, while the absolute delta keeps a steady sine (flux near
    zero) and quiet noise floors from producing peaks.
    """
    if env.size == 0:
        return np.empty(0, dtype=int)
    is_max = env >= _sliding(env, _frames(_PEAK_REACH, sr, hop), "max")
    threshold = _MEDIAN_RATIO * _sliding(env, _frames(_MEDIAN_REACH, sr, hop), "median") + _DELTA
    candidates = np.flatnonzero(is_max & (env > threshold))
    return _enforce_gap(candidates, _frames(_MIN_GAP, sr, hop))


def _enforce_gap(candidates: np.ndarray, gap: int) -> np.ndarray:
    """Drop candidates closer than ``gap`` frames to the previous kept one (flat-topped peaks)."""
    kept: list[int] = []
    for idx in candidates:
        if not kept or idx - kept[-1] >= gap:
            kept.append(int(idx))
    return np.asarray(kept, dtype=int)


def onsets(y: np.ndarray, sr: int, hop: int = 512) -> np.ndarray:
    """Onset times in seconds (resolution ``hop / sr``), from peak-picked spectral flux."""
    return _pick_peaks(onset_envelope(y, sr, hop), sr, hop) * hop / sr


def onset_rate(y: np.ndarray, sr: int, hop: int = 512) -> float:
    """Onsets per second over the whole clip: a simple density measure (0.0 for empty audio)."""
    duration = len(np.asarray(y)) / sr
    return len(onsets(y, sr, hop)) / duration if duration > 0 else 0.0


def _autocorrelation(env: np.ndarray) -> np.ndarray:
    """Autocorrelation of a mean-removed novelty curve, normalised to 1 at lag 0 (biased estimate).

    The biased estimate (dividing by the full length) tapers long lags slightly, which breaks
    ties between a period and its multiples in favour of the period itself.
    """
    centred = env - env.mean()
    size = 1 << (2 * len(centred) - 1).bit_length()
    spectrum = np.fft.rfft(centred, size)
    acf = np.fft.irfft(np.abs(spectrum) ** 2, size)[: len(centred)]
    return acf / acf[0] if acf[0] > 0 else acf


def _refine(acf: np.ndarray, lag: int) -> float:
    """Sub-frame peak position by fitting a parabola through the peak and its neighbours."""
    if lag <= 0 or lag >= len(acf) - 1:
        return float(lag)
    left, mid, right = acf[lag - 1], acf[lag], acf[lag + 1]
    curvature = left - 2.0 * mid + right
    if curvature >= 0:
        return float(lag)
    return float(lag + 0.5 * (left - right) / curvature)


def _peak_near(acf: np.ndarray, lag: float, lo: int, hi: int) -> int:
    """Index of the largest autocorrelation within one frame of ``lag``, clipped to [lo, hi]."""
    start = max(lo, math.floor(lag) - 1)
    stop = min(hi, math.ceil(lag) + 1)
    return start + int(np.argmax(acf[start : stop + 1]))


def _beat_lag(acf: np.ndarray, lo: int, hi: int) -> int:
    """Choose the beat period in frames, guarding against octave errors.

    Strategy: take the strongest autocorrelation peak within [lo, hi] frames, then repeatedly
    halve the period while the half period is still in range and its autocorrelation is at least
    ``_OCTAVE_RATIO`` of the current peak. A pulse train correlates at every multiple of its
    period, so the strongest peak may sit at twice or four times the true period (half tempo);
    a genuine slow pulse has no correlation at half its period, so it survives the check. We
    only ever move to faster tempi, never slower: the range's upper bound caps that.
    """
    lag = lo + int(np.argmax(acf[lo : hi + 1]))
    while lag / 2 >= lo:
        half = _peak_near(acf, lag / 2, lo, hi)
        if acf[half] < _OCTAVE_RATIO * acf[lag]:
            break
        lag = half
    return lag


def _pulse_train(peaks: np.ndarray, length: int) -> np.ndarray:
    """Unit pulses at the onset frames, blurred by a Gaussian of one frame's width.

    Tempo is about *when* things happen, not how loud: with raw flux a backbeat snare dwarfs
    the kick (flux averages over bins and the kick fills few), so the autocorrelation peaks at
    the half-note and the tempo halves. Equal pulses give kick and snare an equal vote. The blur
    lets onsets that fall between frames still line up, so the lag keeps sub-frame precision.
    """
    pulses = np.zeros(length)
    pulses[peaks] = 1.0
    kernel = np.exp(-0.5 * np.arange(-3, 4) ** 2)
    return np.convolve(pulses, kernel, mode="same")


def estimate_tempo(
    y: np.ndarray, sr: int, lo: float = 40.0, hi: float = 200.0, hop: int = 512
) -> float:
    """Tempo in BPM within [lo, hi], from the autocorrelation of the detected onsets.

    Onsets (as :func:`onsets` finds them) become a train of equal pulses
    (:func:`_pulse_train`), whose autocorrelation peaks at the beat period and its multiples;
    :func:`_beat_lag` picks among those (the octave-error strategy), and a parabola through the
    peak refines the lag below one frame. Periods longer than half the clip are not considered.

    Known ambiguity: when a pulse at twice the beat rate is as regular as the beat itself
    (steady eighth-note hi-hats under a 70 BPM groove), the faster one (140) is reported if it
    lies within [lo, hi]; narrow the range when the expected metrical level is known.
    Returns ``nan`` when fewer than two onsets are found (silence, a drone) or the clip is too
    short to hold two beats at ``hi`` BPM.
    """
    env = onset_envelope(y, sr, hop)
    frame_rate = sr / hop
    lag_lo = max(1, math.floor(60.0 * frame_rate / hi))
    lag_hi = min(math.ceil(60.0 * frame_rate / lo), len(env) // 2)
    peaks = _pick_peaks(env, sr, hop)
    if lag_hi <= lag_lo or len(peaks) < 2:
        return math.nan
    acf = _autocorrelation(_pulse_train(peaks, len(env)))
    lag = _refine(acf, _beat_lag(acf, lag_lo, lag_hi))
    return 60.0 * frame_rate / lag
