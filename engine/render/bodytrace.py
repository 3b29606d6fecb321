"""What a render did with the listener's body, for ``render --body-plot`` (docs/listener.md):
each heart-rate reading as it arrived, the smoothed heart rate, the baseline and the heart rate
read against it, and the watchdog's state, sampled every buffer into arrays sized up front.

An observer only: it reads the state bus after each buffer and never changes a bit of the audio.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine import defaults
from engine.commands import Command, SetInput
from engine.events import Action
from engine.render.engine import Engine
from engine.state.bus import FALLEN_BACK, STALE

#: Watchdog states as numbers for a plot: live 0, stale 1, fallen back 2.
STATE_CODES = {STALE: 1, FALLEN_BACK: 2}


@dataclass(frozen=True)
class BodyTrace:
    title: str
    seconds: float
    times: np.ndarray  # (rows,) seconds
    heart: np.ndarray  # the smoothed heart rate (BPM)
    baseline: np.ndarray  # the baseline (NaN until there is one)
    relative: np.ndarray  # the heart rate minus the baseline (or the default, before one)
    state: np.ndarray  # the heart rate's watchdog state (STATE_CODES; 0 live)
    readings: tuple[tuple[float, float], ...]  # (seconds, BPM) as sent, faults included
    learn_seconds: float


class BodyTracer:
    def __init__(self, title: str, *, sr: int, buffersize: int, seconds: float) -> None:
        self.title, self.sr = title, sr
        rows = math.ceil(seconds * sr / buffersize) + 1
        self._columns = np.full((5, rows), math.nan)
        self._row = 0
        self._readings: list[tuple[float, float]] = []
        self._engine: Engine | None = None

    def attach(self, engine: Engine) -> None:
        self._engine = engine
        engine.listeners.append(self._take)
        engine.command_listeners.append(self._hear)

    def _hear(self, command: Command, sample: int) -> None:
        # bounded: at most four readings a buffer are kept (a strap sends one a second)
        if (
            isinstance(command, SetInput)
            and command.name == defaults.BASELINE_INPUT
            and len(self._readings) < 4 * self._columns.shape[1]
        ):
            self._readings.append((sample / self.sr, command.value))

    def _take(self, _: list[Action]) -> None:
        engine = self._engine
        if engine is None or self._row >= self._columns.shape[1]:
            return
        bus = engine.conductor.bus
        name = defaults.BASELINE_INPUT
        if name not in bus.values:
            return
        baseline = bus.baseline.value
        heart = bus.values[name]
        relative = bus.values.get(f"{name}.relative")  # the score's own, when it maps it
        if relative is None:
            relative = heart - (baseline if baseline is not None else bus.specs[name].default)
        self._columns[:, self._row] = (
            engine.sample / self.sr,
            heart,
            math.nan if baseline is None else baseline,
            relative,
            STATE_CODES.get(bus.state(name), 0),
        )
        self._row += 1

    def trace(self) -> BodyTrace:
        times, heart, baseline, relative, state = self._columns[:, : self._row]
        return BodyTrace(
            self.title,
            float(times[-1]) if len(times) else 0.0,
            times,
            heart,
            baseline,
            relative,
            state,
            tuple(self._readings),
            defaults.BASELINE_LEARN_SECONDS,
        )
