"""Test audio made by the tests: click-track stems whose bars can be told apart, a noise bed, and
measuring where each click landed in a render.

A click is a decaying sine that starts at full height on its sample (a clear onset); the click on
the first beat of the stem's bar ``j`` rings at ``DOWNBEAT_HZ[j % 4]``, the others at ``BEAT_HZ``,
so a render shows which of the stem's bars played at each bar line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

BEAT_HZ = 3000.0
DOWNBEAT_HZ = (600.0, 900.0, 1300.0, 1900.0)
CLICK_SECONDS = 0.012


def click(sr: int, hz: float) -> np.ndarray:
    t = np.arange(round(CLICK_SECONDS * sr)) / sr
    return 0.8 * np.cos(2 * np.pi * hz * t) * np.exp(-t / (CLICK_SECONDS / 5))


def click_track(path: Path, *, sr: int, bpm: float, bars: int, beats: int = 4) -> Path:
    """A stem of ``bars`` bars at ``bpm``: a click on every beat (see the module docstring)."""
    spb = sr * 60.0 / bpm
    audio = np.zeros(round(bars * beats * spb))
    for b in range(bars * beats):
        start = round(b * spb)
        hz = DOWNBEAT_HZ[(b // beats) % 4] if b % beats == 0 else BEAT_HZ
        c = click(sr, hz)
        audio[start : start + len(c)] += c[: len(audio) - start]
    soundfile.write(path, audio, sr, subtype="FLOAT" if path.suffix == ".wav" else None)
    return path


def onsets(audio: np.ndarray, expected: list[int], *, window: int, ratio: float = 0.3) -> list[int]:
    """For each expected sample, where the signal first rises above ``ratio`` of its peak within
    ``window`` samples either side (the click's onset), minus the expected sample; a window
    without a click (nothing above a thousandth of the loudest peak) gives ``10 * window``."""
    floor = 1e-3 * np.abs(audio).max()
    errors = []
    for at in expected:
        lo = max(0, at - window)
        seg = np.abs(audio[lo : at + window])
        peak = seg.max(initial=0.0)
        above = np.flatnonzero(seg > ratio * peak)
        errors.append(int(lo + above[0] - at) if peak > floor else window * 10)
    return errors


def dominant_hz(audio: np.ndarray, at: int, sr: int) -> float:
    """The strongest frequency of the 10 ms after ``at`` (which click this is)."""
    seg = audio[at : at + round(0.01 * sr)] * np.hanning(round(0.01 * sr))
    spectrum = np.abs(np.fft.rfft(seg, 8192))
    return float(np.argmax(spectrum) * sr / 8192)


def which_click(audio: np.ndarray, at: int, sr: int, candidates: list[float]) -> int:
    """Which of ``candidates`` (Hz) rings loudest in the 10 ms after ``at``: the index. Energy
    is summed over a band of +-15 % around each, so a smeared click (copies a few ms apart,
    whose comb filter moves its spectral peak) still counts as itself."""
    n = round(0.01 * sr)
    seg = audio[at : at + n]
    spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg)), 8192)) ** 2
    hz = np.fft.rfftfreq(8192, 1 / sr)
    power = [spectrum[(hz > 0.85 * f) & (hz < 1.15 * f)].sum() for f in candidates]
    return int(np.argmax(power))
