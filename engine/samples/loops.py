"""Recorded loops as data: a stem (a loop in bars, and how it follows the engine's tempo) and an
ambience bed made seamless at load.

An ambience bed is a long field recording played as a plain loop; the click a plain loop would
make where the end meets the start is removed here, once: the last ``crossfade`` seconds are
blended into the first with equal-power curves (the material is uncorrelated noise-like sound,
whose power, not amplitude, adds), and dropped from the end. The buffer that comes out loops on
itself without a seam: its last sample is followed by the blend's start, which is the original's
continuation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.samples.model import Audio, SampleSet, Zone


@dataclass(frozen=True, eq=False)
class StemSet(SampleSet):
    """A stem's one buffer, with how the stem follows a tempo other than its own:
    ``"stretch"`` (pitch held) or ``"resample"`` (pitch moves with the tempo)."""

    follow: str = "stretch"


def single(name: str, sr: int, audio: Audio) -> tuple[str, int, tuple[Audio, ...], tuple[Zone]]:
    """The fields of a one-sample-one-zone set: a recording played as it is."""
    return name, sr, (audio,), (Zone(0, (0, 127), (0, 127), 60.0),)


def seamless_loop(audio: Audio, crossfade: int) -> Audio:
    """``audio`` shortened by ``crossfade`` samples, its tail blended into its head, so that
    looping the result has no seam. Needs ``0 < crossfade`` and ``2 * crossfade < len(audio)``."""
    n = len(audio)
    if crossfade <= 0 or 2 * crossfade >= n:
        raise ValueError(f"a {crossfade}-sample crossfade cannot loop {n} samples")
    t = (np.arange(crossfade, dtype=np.float32) + np.float32(0.5)) / np.float32(crossfade)
    fade_in = np.sin(0.5 * np.pi * t)
    fade_out = np.cos(0.5 * np.pi * t)
    out = np.array(audio[: n - crossfade], dtype=np.float32)
    out[:crossfade] = audio[:crossfade] * fade_in + audio[n - crossfade :] * fade_out
    return out
