"""Reading audio files into mono float32 buffers at the engine's sample rate.

soundfile (libsndfile, in its wheel) reads WAV, FLAC and Ogg Vorbis; soxr converts the rate with
a real band-limited resampler ("VHQ"), once, at load. Multichannel files are averaged to mono:
every instrument's output is one mono stream that the mixer pans.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile
import soxr

from engine.samples.model import Audio


class AssetError(Exception):
    """A file a score names cannot be used; the message says why (the caller says where)."""


def audio_info(path: Path) -> tuple[int, int, float]:
    """(sample rate, channels, seconds) of an audio file, without reading its samples."""
    _exists(path)
    try:
        info = soundfile.info(str(path))
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise AssetError(f"{path}: not a readable audio file ({_reason(exc)})") from None
    return int(info.samplerate), int(info.channels), float(info.duration)


def read_audio(path: Path, sr: int) -> Audio:
    """The file's samples, averaged to mono and converted to ``sr``, as float32."""
    _exists(path)
    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise AssetError(f"{path}: not a readable audio file ({_reason(exc)})") from None
    mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    return resample(np.ascontiguousarray(mono), int(rate), sr)


def resample(audio: Audio, rate: int, sr: int) -> Audio:
    """``audio`` at ``rate`` converted to ``sr`` (a copy; unchanged rates return it as is)."""
    if rate == sr or audio.size == 0:
        return audio
    converted = soxr.resample(audio, rate, sr, quality="VHQ")
    return np.ascontiguousarray(converted, dtype=np.float32)


def _exists(path: Path) -> None:
    if not path.is_file():
        raise AssetError(f"{path}: no such file")


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    return text[:120]
