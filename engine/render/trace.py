"""What a render did, as data for a plot: the inputs, tempo, key, scenes, layer gains and events.

A :class:`Tracer` watches an :class:`~engine.render.engine.Engine` without changing it: it is
one of the engine's action listeners (called once per buffer), its command listener and its
conductor's observer. Per buffer it counts down; every ``stride`` buffers it copies a row of
floats (each input's smoothed value and target, each layer's gain) into arrays allocated up
front, so its memory is bounded by ``defaults.TRACE_ROWS`` whatever the render's length.
Tempo, key, scenes, stingers, events and mutations arrive as marks (a few a bar), each kind
capped at ``defaults.TRACE_MARKS`` with the rest counted.

Drawing is elsewhere (``engine.plots``): this module only collects, and imports no plotting
library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from engine import defaults
from engine.commands import ChangeScene, Command, FireEvent
from engine.conductor.performer import Observer
from engine.events import Action
from engine.render.engine import Engine
from engine.score.model import Score

M = TypeVar("M")


@dataclass
class Trace:
    """A render's course. Times are seconds from the start; ``rows`` of the arrays are filled."""

    title: str
    seconds: float  # the render's length
    inputs: tuple[str, ...]
    input_ranges: tuple[tuple[float, float], ...]
    layers: tuple[str, ...]
    times: np.ndarray  # (rows,)
    values: np.ndarray  # (rows, inputs): what the state bus heard (smoothed)
    targets: np.ndarray  # (rows, inputs): where the messages set each input
    levels: np.ndarray  # (rows, layers): fade x duck x mix gain, as amplitude
    loudness_target: float  # the score's master loudness (LUFS)
    tempo: list[tuple[float, float]] = field(default_factory=list)  # (t, bpm) at each bar line
    keys: list[tuple[float, int, str]] = field(default_factory=list)  # (t, root, mode) changes
    scenes: list[tuple[float, str]] = field(default_factory=list)  # (t, scene); t=0 initial
    scene_requests: list[tuple[float, str]] = field(default_factory=list)
    stingers: list[tuple[float, str, float]] = field(default_factory=list)  # (t, name, level)
    events: list[tuple[float, str, float]] = field(default_factory=list)  # requests
    mutations: list[tuple[float, str, str]] = field(default_factory=list)  # (t, layer, op)
    #: Entrainment's phases as they begin: (t, "match" | "lead" | "held", target BPM).
    entrainment: list[tuple[float, str, float]] = field(default_factory=list)
    dropped: int = 0  # marks over the cap, rows past the planned length

    def input(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(times, smoothed values, targets) of one input."""
        column = self.inputs.index(name)
        return self.times, self.values[:, column], self.targets[:, column]

    def level(self, layer: str) -> np.ndarray:
        return self.levels[:, self.layers.index(layer)]

    def scene_at(self, seconds: float) -> str:
        """The scene playing at ``seconds`` (by the landings traced)."""
        current = self.scenes[0][1]
        for t, name in self.scenes:
            if t <= seconds:
                current = name
        return current


class Tracer:
    """Collects a :class:`Trace` from an engine rendering ``seconds`` of ``score``."""

    def __init__(self, score: Score, *, sr: int, buffersize: int, seconds: float) -> None:
        self.score = score
        self.sr = sr
        buffers = max(1, math.ceil(seconds * sr / buffersize))
        #: A row every ``stride`` buffers: at most TRACE_ROWS rows (plus the last buffer's).
        self.stride = max(1, math.ceil(buffers / defaults.TRACE_ROWS))
        capacity = buffers // self.stride + 2
        self.inputs = tuple(score.inputs)
        self.layers = tuple(score.layers)
        self._times = np.zeros(capacity)
        self._values = np.zeros((capacity, len(self.inputs)))
        self._targets = np.zeros((capacity, len(self.inputs)))
        self._levels = np.zeros((capacity, len(self.layers)))
        self._rows = 0
        self._countdown = 0
        self._engine: Engine | None = None
        self.trace = Trace(
            title=score.title,
            seconds=buffers * buffersize / sr,
            inputs=self.inputs,
            input_ranges=tuple((s.min, s.max) for s in score.inputs.values()),
            layers=self.layers,
            times=self._times[:0],
            values=self._values[:0],
            targets=self._targets[:0],
            levels=self._levels[:0],
            loudness_target=score.master.loudness,
            scenes=[(0.0, score.initial_scene)],
        )

    # -- hooks -----------------------------------------------------------------------------
    def attach(self, engine: Engine) -> None:
        """Watch ``engine``: its actions each buffer, its commands, its conductor's reports
        (beside any observer it already has). Nothing the engine does changes."""
        self._engine = engine
        engine.listeners.append(self.take)
        engine.command_listeners.append(self.command)
        engine.conductor.observer = _both(engine.conductor.observer, self.observe)

    def take(self, actions: list[Action]) -> None:
        """Once per buffer, after the orchestra has the buffer's actions: maybe a row."""
        if self._countdown > 0:
            self._countdown -= 1
            return
        self._countdown = self.stride - 1
        engine = self._engine
        assert engine is not None, "attach() the tracer first"
        row = self._rows
        if row >= len(self._times):
            self.trace.dropped += 1
            return
        bus = engine.conductor.bus
        self._times[row] = engine.sample / self.sr
        # .get: an input a reloaded score dropped has no value any more (a gap in its line)
        self._values[row] = [bus.values.get(name, math.nan) for name in self.inputs]
        self._targets[row] = [bus.targets.get(name, math.nan) for name in self.inputs]
        levels = engine.orchestra.levels()
        self._levels[row] = [levels.get(name, 0.0) for name in self.layers]
        self._rows = row + 1

    def command(self, command: Command, sample: int) -> None:
        t = sample / self.sr
        if isinstance(command, FireEvent):
            self._mark(self.trace.events, (t, command.name, command.intensity))
        elif isinstance(command, ChangeScene):
            self._mark(self.trace.scene_requests, (t, command.scene))

    def observe(self, sample: int, kind: str, detail: dict[str, object]) -> None:
        t = sample / self.sr
        trace = self.trace
        if kind == "beat":
            if detail["beat"] == 0:
                self._mark(trace.tempo, (t, _number(detail["bpm"])))
        elif kind == "key":
            root, mode = detail["root"], detail["mode"]
            self._mark(trace.keys, (t, int(_number(root)), str(mode)))
        elif kind == "scene":
            self._mark(trace.scenes, (t, str(detail["scene"])))
        elif kind == "stinger":
            self._mark(trace.stingers, (t, str(detail["stinger"]), _number(detail["intensity"])))
        elif kind == "entrainment":
            mark = (t, str(detail["phase"]), _number(detail["target"]))
            self._mark(trace.entrainment, mark)
        elif kind == "mutation":
            self._mark(trace.mutations, (t, str(detail["layer"]), str(detail["operator"])))

    def _mark(self, marks: list[M], mark: M) -> None:
        if len(marks) >= defaults.TRACE_MARKS:
            self.trace.dropped += 1
            return
        marks.append(mark)

    # -- the result --------------------------------------------------------------------------
    def result(self) -> Trace:
        """The trace so far (its arrays are views of the rows filled)."""
        rows, trace = self._rows, self.trace
        trace.times = self._times[:rows]
        trace.values = self._values[:rows]
        trace.targets = self._targets[:rows]
        trace.levels = self._levels[:rows]
        return trace


def _number(value: object) -> float:
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"expected a number, got {value!r}")


def _both(first: Observer | None, second: Observer) -> Observer:
    """An observer that tells ``first`` (if any), then ``second``."""
    if first is None:
        return second

    def observe(sample: int, kind: str, detail: dict[str, object]) -> None:
        first(sample, kind, detail)
        second(sample, kind, detail)

    return observe
