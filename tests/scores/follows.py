"""Render a score with one scene held fixed, calm then tense, and measure both parts.

Shared by the in-scene calm/tense test and by anyone tuning a score (``python -m
tests.scores.follows meditation breathe`` prints the figures).
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine import load_score
from engine.analysis import integrated_loudness, onset_rate, read_wav, spectral_centroid
from engine.bundled import resolve_score
from engine.render.offline import render
from engine.state.timeline import TimedMessage

#: The states of issue 11: a calm player, then a tense one.
CALM = {"valence": 0.6, "arousal": -0.8, "movement": 0.0, "heartrate": 58.0}
TENSE = {"valence": -0.7, "arousal": 0.9, "movement": 0.95, "heartrate": 135.0}
#: Seconds of each part; the measured window is the last WINDOW seconds of it. The calm part is
#: longer: the scene chosen at t=0 lands on its transition's boundary (meditation: 2 bars, ~9 s
#: at 54 BPM) and fades in (6 s) before the window starts; the tense part only waits for the
#: inputs' smoothing (heart rate: 6 s) and the leveler's first reaction.
CALM_PART = 40.0
TENSE_PART = 22.0
WINDOW = 10.0


@dataclass(frozen=True)
class Window:
    onsets: float  # per second
    centroid: float  # Hz
    loudness: float  # LUFS

    def __str__(self) -> str:
        return (
            f"{self.onsets:.2f} onsets/s, centroid {self.centroid:.0f} Hz, {self.loudness:.1f} LUFS"
        )


@dataclass(frozen=True)
class Response:
    calm: Window
    tense: Window

    @property
    def onset_ratio(self) -> float:
        # a calm window with no onset counts as one: a ratio over nothing would prove nothing
        return self.tense.onsets / max(self.calm.onsets, 1.0 / WINDOW)

    @property
    def centroid_ratio(self) -> float:
        return self.tense.centroid / self.calm.centroid

    @property
    def loudness_gain(self) -> float:
        return self.tense.loudness - self.calm.loudness

    def __str__(self) -> str:
        return (
            f"calm: {self.calm}\ntense: {self.tense}\n"
            f"onsets x{self.onset_ratio:.2f}, centroid x{self.centroid_ratio:.2f}, "
            f"{self.loudness_gain:+.1f} LU"
        )


def state_messages(t: float, state: dict[str, float]) -> list[TimedMessage]:
    return [TimedMessage(t, f"/state/{name}", (value,)) for name, value in state.items()]


def timeline(scene: str) -> list[TimedMessage]:
    """The scene chosen at t=0, calm from 0, tense from CALM_PART seconds."""
    return [
        TimedMessage(0.0, "/scene", (scene,)),
        *state_messages(0.0, CALM),
        *state_messages(CALM_PART, TENSE),
    ]


def measure(audio: np.ndarray, sr: int) -> Window:
    return Window(
        onsets=onset_rate(audio, sr),
        centroid=spectral_centroid(audio, sr),
        loudness=integrated_loudness(audio, sr),
    )


def respond(score: Path, scene: str, *, seed: int | None = None) -> Response:
    """Render ``score`` in ``scene`` calm then tense and measure the end of each part."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "follows.wav"
        render(load_score(score), out, CALM_PART + TENSE_PART, seed=seed, timeline=timeline(scene))
        audio, sr = read_wav(out)
    return compare(audio, sr)


def compare(audio: np.ndarray, sr: int) -> Response:
    """Measure the last WINDOW seconds of each part of a render of :func:`timeline`."""
    calm_end, tense_end = round(CALM_PART * sr), round((CALM_PART + TENSE_PART) * sr)
    width = round(WINDOW * sr)
    return Response(
        calm=measure(audio[calm_end - width : calm_end], sr),
        tense=measure(audio[tense_end - width : tense_end], sr),
    )


def write_timeline(scene: str, path: Path) -> None:
    """The timeline as a JSONL file, for ``soundscape render --timeline`` and the listen tool."""
    lines = [
        json.dumps({"t": m.time, "address": m.address, "args": list(m.args)})
        for m in timeline(scene)
    ]
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    if sys.argv[1].endswith(".wav"):
        print(compare(*read_wav(sys.argv[1])))
        raise SystemExit
    path = resolve_score(sys.argv[1])
    for name in sys.argv[2:] or list(load_score(path).scenes):
        print(f"{path.stem} / {name}\n{respond(path, name)}\n", flush=True)
