"""A render driven by a 5 Hz square wave on arousal, with the measures the comfort test checks
(shared by tests/conductor/test_comfort.py and the comfort plot in docs/comfort.md)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from engine.analysis import read_wav
from engine.analysis.loudness import short_term_loudness
from engine.catalog import default_catalog
from engine.events import Action, SetParam
from engine.render.engine import Engine
from engine.render.offline import render
from engine.render.trace import Trace, Tracer
from engine.score.loader import parse_score
from engine.score.model import ComfortSpec, Score
from engine.state.timeline import TimedMessage

#: Arousal is unsmoothed, so the square wave reaches the curves whole.
SCORE = """
title: comfort drive
tempo:
  bpm: {input: arousal, curve: [[-1, 70], [1, 130]]}
  range: [60, 140]
inputs:
  arousal: {smoothing: 0}
layers:
  pad:
    instrument: pad
    generator: chords
    cutoff: {input: arousal, curve: [[-1, 300], [1, 6000]]}
    gain: {input: arousal, curve: [[-1, -30], [1, 0]]}
  beat:
    instrument: drums
    generator: drums
    gain: {input: arousal, curve: [[-1, -36], [1, -3]]}
scenes:
  main: {layers: [pad, beat]}
master:
  dynamics: {input: arousal, curve: [[-1, -12], [1, 6]]}
"""
SECONDS = 24.0
CALM_UNTIL = 4.0  # arousal at -1 until here, then the square wave
HZ = 5.0
DUTY = 0.7  # of each period at +1: budgeted values climb, not just hover
#: Loudness is judged on windows that start after this (s): the render's first buffers carry
#: the start itself (the first downbeat sounds while the mixer's gains ramp from 0 dB to the
#: score's over GAIN_RAMP), an onset from silence that is not a change of the music.
SETTLED = 0.5


def drive() -> list[TimedMessage]:
    messages = [TimedMessage(0.0, "/state/arousal", (-1.0,))]
    t, period = CALM_UNTIL, 1.0 / HZ
    while t < SECONDS:
        messages.append(TimedMessage(round(t, 6), "/state/arousal", (1.0,)))
        messages.append(TimedMessage(round(t + DUTY * period, 6), "/state/arousal", (-1.0,)))
        t += period
    return messages


def score(comfort: ComfortSpec | None) -> Score:
    return replace(parse_score(SCORE, default_catalog()), comfort=comfort)


@dataclass
class Driven:
    trace: Trace
    sr: int
    wav: Path
    params: list[tuple[float, float]] = field(default_factory=list)  # (s, pad cutoff sent)

    def gains_db(self, layer: str) -> tuple[np.ndarray, np.ndarray]:
        """(times, gain in dB) of a layer, from the moment it sounds."""
        level = self.trace.level(layer)
        keep = level > 0
        return self.trace.times[keep], 20 * np.log10(level[keep])

    def loudness(self, hop: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
        """(window centres, short-term loudness in LUFS)."""
        y, sr = read_wav(self.wav)
        lufs = short_term_loudness(y, sr, 3.0, hop)
        return np.arange(len(lufs)) * hop + 1.5, lufs


def run(comfort: ComfortSpec | None, folder: Path, name: str) -> Driven:
    sc = score(comfort)
    sr, buffersize = 48000, 256
    tracer = Tracer(sc, sr=sr, buffersize=buffersize, seconds=SECONDS)
    driven = Driven(tracer.trace, sr, folder / f"{name}.wav")

    def watch(engine: Engine) -> None:
        def take(actions: list[Action]) -> None:
            for a in actions:
                if isinstance(a, SetParam) and a.channel == "pad" and a.name == "cutoff":
                    driven.params.append((engine.sample / sr, a.value))

        engine.listeners.append(take)

    render(
        sc, driven.wav, SECONDS, timeline=drive(), sr=sr, buffersize=buffersize,
        attach=[tracer.attach, watch],
    )  # fmt: skip
    driven.trace = tracer.result()
    return driven


def per_second(times: np.ndarray, values: np.ndarray, span: float = 1.0) -> float:
    """The most ``values`` move between two moments at most ``span`` seconds apart."""
    worst, j = 0.0, 0
    for i in range(len(times)):
        while times[i] - times[j] > span:
            j += 1
        window = values[j : i + 1]
        if len(window):
            worst = max(worst, float(np.max(np.abs(window - values[i]))))
    return worst


def largest_step(values: np.ndarray) -> float:
    return float(np.max(np.abs(np.diff(values)))) if len(values) > 1 else 0.0


def tempo_steps(trace: Trace) -> tuple[float, float]:
    """(the largest change at a bar line as a fraction, the largest in BPM per second of bar)."""
    fraction = rate = 0.0
    for (t0, b0), (t1, b1) in itertools.pairwise(trace.tempo):
        fraction = max(fraction, abs(b1 - b0) / b0)
        rate = max(rate, abs(b1 - b0) / (t1 - t0))
    return fraction, rate


def finite(times: np.ndarray, lufs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = np.isfinite(lufs)
    return times[keep], lufs[keep]


def report(d: Driven) -> dict[str, float]:
    out: dict[str, float] = {}
    for layer in ("pad", "beat"):
        t, db = d.gains_db(layer)
        out[f"{layer} gain dB/s"] = per_second(t, db)
        out[f"{layer} gain step"] = largest_step(db)
    pt = np.array([p[0] for p in d.params])
    pv = (np.array([p[1] for p in d.params]) - 200.0) / 7800.0
    out["cutoff range/s"] = per_second(pt, pv)
    out["cutoff step"] = largest_step(pv)
    out["tempo step"], out["tempo BPM/s"] = tempo_steps(d.trace)
    t, lufs = finite(*d.loudness())
    settled = t >= SETTLED + 1.5  # windows that start after the render's first moments
    out["loudness dB/s"] = per_second(t[settled], lufs[settled])
    return out


if __name__ == "__main__":
    import sys

    folder = Path(sys.argv[1])
    for label, spec in (("none", None), ("vr", ComfortSpec.preset("vr"))):
        print(label, {k: round(v, 3) for k, v in report(run(spec, folder, label)).items()})
