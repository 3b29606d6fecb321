"""Sound files for the sample tests, written with soundfile: sines of a known pitch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

FLUID = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")


def midi_hz(pitch: float) -> float:
    return 440.0 * 2.0 ** ((pitch - 69) / 12)


def write_sine(
    path: Path, pitch: float, seconds: float = 0.5, sr: int = 44100, amp: float = 0.5
) -> Path:
    """A sine at MIDI ``pitch`` with a short fade at both ends, in whatever format the
    extension says (WAV, FLAC, Ogg, AIFF)."""
    t = np.arange(int(seconds * sr)) / sr
    tone = amp * np.sin(2 * np.pi * midi_hz(pitch) * t)
    ramp = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.005)
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), tone * ramp, sr)
    return path


def frequency(audio: np.ndarray, sr: int) -> float:
    """The strongest frequency of ``audio`` (parabolic interpolation between FFT bins)."""
    window = audio * np.hanning(len(audio))
    spectrum = np.abs(np.fft.rfft(window, n=8 * len(audio)))
    peak = int(np.argmax(spectrum))
    a, b, c = np.log(spectrum[peak - 1 : peak + 2] + 1e-12)
    shift = 0.5 * (a - c) / (a - 2 * b + c)
    return (peak + shift) * sr / (8 * len(audio))
