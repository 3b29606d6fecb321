"""Plots from renders: a session replayed offline and drawn, a render's trace drawn, a score's
curves drawn.

``soundscape plot SESSION.jsonl SCORE`` renders the session exactly as ``render --timeline``
does (same seed, rate and buffer give the same WAV, bit for bit), into a scratch folder unless
asked to keep the WAV, with a :class:`Tracer` watching; then it measures the WAV's short-term
loudness and draws. The tracer only reads, so the audio is the same as without it.

Every output is checked before the render starts (a bad path costs nothing), and a figure that
cannot be written is an :class:`OutputError`, never a success line.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from engine import defaults
from engine.analysis import short_term_loudness
from engine.render.bodytrace import BodyTrace
from engine.render.offline import Progress, RenderResult, render
from engine.render.outputs import OutputError, check_output, describe
from engine.render.trace import Trace, Tracer
from engine.score.model import Score
from engine.state.timeline import TimedMessage

#: Audio measured at a time (s): bounds the memory the loudness course needs, whatever the
#: render's length (a minute of stereo float64 is 46 MB at 48 kHz).
CHUNK_SECONDS = 60.0
#: Audio read before each chunk so the K-weighting filters have settled where it starts.
PREROLL_SECONDS = 1.0


@dataclass(frozen=True)
class PlotResult:
    out: Path
    render: RenderResult
    trace: Trace


def loudness_course(wav: Path) -> tuple[np.ndarray, np.ndarray]:
    """Short-term loudness (LUFS, ``defaults.PLOT_LOUDNESS_WINDOW`` s windows every
    ``PLOT_LOUDNESS_HOP`` s) of a WAV file, as (times, LUFS): each value is stamped with its
    window's end, as a meter shows the last few seconds. Read a chunk at a time."""
    window, hop = defaults.PLOT_LOUDNESS_WINDOW, defaults.PLOT_LOUDNESS_HOP
    times: list[np.ndarray] = []
    values: list[np.ndarray] = []
    with soundfile.SoundFile(str(wav)) as audio:
        sr, total = audio.samplerate, audio.frames
        hops = round(CHUNK_SECONDS / hop)  # blocks a chunk starts
        preroll = round(PREROLL_SECONDS / hop)
        blocks = math.floor((total / sr - window) / hop + 1e-9) + 1  # in the whole file
        for first in range(0, max(0, blocks), hops):
            lead = min(first, preroll)  # blocks read before the chunk, then dropped
            start = round((first - lead) * hop * sr)
            count = min(hops, blocks - first)
            stop = round(((first + count - 1) * hop + window) * sr)
            audio.seek(start)
            data = audio.read(stop - start, dtype="float64", always_2d=True)
            lufs = short_term_loudness(data, sr, window, hop)[lead : lead + count]
            values.append(lufs)
            times.append((first + np.arange(len(lufs))) * hop + window)
    if not values:
        return np.empty(0), np.empty(0)
    return np.concatenate(times), np.concatenate(values)


def write_plot(trace: Trace, wav: Path, out: Path, *, subtitle: str = "") -> None:
    """Measure ``wav``'s loudness and draw ``trace`` with it into ``out``."""
    from engine.plots.draw import draw_trace

    loudness = loudness_course(wav)
    try:
        draw_trace(trace, loudness, out, subtitle=subtitle)
    except OSError as exc:
        raise OutputError(out, describe(exc)) from None


def write_body_plot(trace: BodyTrace, out: Path) -> None:
    """Draw the listener's heart (``render --body-plot``) into ``out``."""
    from engine.plots.draw import draw_body

    try:
        draw_body(trace, out)
    except OSError as exc:
        raise OutputError(out, describe(exc)) from None


def plot_session(
    score: Score,
    timeline: Sequence[TimedMessage],
    out: Path,
    duration: float,
    *,
    seed: int | None = None,
    sr: int = 48000,
    buffersize: int = 256,
    wav: Path | None = None,
    progress: Progress | None = None,
    subtitle: str = "",
) -> PlotResult:
    """Render ``timeline`` on ``score`` offline (to ``wav``, or a scratch file) and plot it."""
    check_output(out)
    tracer = Tracer(score, sr=sr, buffersize=buffersize, seconds=duration)
    with tempfile.TemporaryDirectory(prefix="soundscape-plot-") as scratch:
        target = wav if wav is not None else Path(scratch) / "session.wav"
        result = render(
            score,
            target,
            duration,
            seed=seed,
            timeline=timeline,
            sr=sr,
            buffersize=buffersize,
            progress=progress,
            attach=[tracer.attach],
        )
        trace = tracer.result()
        write_plot(trace, target, out, subtitle=subtitle)
    return PlotResult(out, result, trace)


def write_curves(score: Score, out: Path) -> int:
    """Draw every mapping curve of ``score`` into ``out``; the number of mappings drawn."""
    from engine.plots.draw import draw_curves
    from engine.plots.mappings import mappings

    check_output(out)
    maps = mappings(score)
    try:
        draw_curves(score.title, maps, out)
    except OSError as exc:
        raise OutputError(out, describe(exc)) from None
    return len(maps)
