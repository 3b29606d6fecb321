"""Draw the figures of docs/entrainment.md and docs/comfort.md from real renders.

    .venv/bin/python scripts/plot_entrainment_comfort.py docs/

- ``entrainment.png``: a 4-minute render of a calm entrainment score, with a scripted listener
  whose heart moves toward the music's tempo (a tenth of the way each bar's worth of time);
- ``entrainment-held.png``: the same with a heart that stays where it is: leading stops;
- ``comfort.png``: the comfort test's drive (a 5 Hz square wave on arousal) without a budget
  and with ``vr`` (tests/conductor/comfortdrive.py).

Run it from the repository's root (it borrows the comfort test's drive).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from engine.catalog import default_catalog
from engine.events import Action
from engine.plots.draw import draw_comfort, draw_entrainment
from engine.render.engine import Engine
from engine.render.offline import render
from engine.render.trace import Tracer
from engine.score.loader import parse_score
from engine.score.model import ComfortSpec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conductor import comfortdrive

SCORE = """
title: entrainment (calm)
tempo: {bpm: 90, range: [40, 132]}
inputs:
  heartrate: {smoothing: 4}
layers:
  pad: {instrument: pad, generator: chords, gain: -8}
  pulse: {instrument: drums, generator: drums, gain: -6}
scenes:
  main: {layers: [pad, pulse]}
entrainment: {goal: calm}
"""
SECONDS = 240.0
SR, BUFFER = 48000, 512


def entrainment(out: Path, pull: float, subtitle: str, folder: Path) -> None:
    score = parse_score(SCORE, default_catalog())
    tracer = Tracer(score, sr=SR, buffersize=BUFFER, seconds=SECONDS)
    heart = [80.0]

    def listener(engine: Engine) -> None:
        def follow(_: list[Action]) -> None:  # the heart drifts toward the tempo heard
            bpm = engine.conductor.transport.bpm
            heart[0] += pull * (bpm - heart[0]) * BUFFER / SR / 2.7
            engine.send("/state/heartrate", heart[0])

        engine.listeners.append(follow)
        engine.send("/state/heartrate", heart[0])

    render(score, folder / "e.wav", SECONDS, sr=SR, buffersize=BUFFER,
           attach=[tracer.attach, listener])  # fmt: skip
    draw_entrainment(tracer.result(), "heartrate", out, subtitle=subtitle)


def main(folder: Path) -> None:
    with tempfile.TemporaryDirectory() as work:
        tmp = Path(work)
        entrainment(folder / "entrainment.png", 0.1, "a heart that follows", tmp)
        entrainment(folder / "entrainment-held.png", 0.0, "a heart that does not", tmp)
        runs = []
        for label, spec in (("no budget", None), ("comfort: vr", ComfortSpec.preset("vr"))):
            driven = comfortdrive.run(spec, tmp, label.replace(" ", "-").replace(":", ""))
            runs.append((label, driven.trace, driven.loudness()))
        draw_comfort(runs, "arousal", "pad", folder / "comfort.png")
    for name in ("entrainment.png", "entrainment-held.png", "comfort.png"):
        print(folder / name)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
