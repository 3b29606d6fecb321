"""The comfort budget: no input, however wild its sender, makes the music lurch.

A score's ``comfort:`` section (or ``--comfort PRESET``) caps how fast each value the conductor
sends may move: per second (a rate) and in one action (a step). The conductor evaluates its
curves as before and passes each result through a :class:`Limiter` before it becomes an
action, so the limit sits after the curves and before the orchestra. Only values that are
moving cost anything: a value at its target is one dictionary lookup, and the conductor keeps
re-evaluating after the inputs settle only while some value is still on its way
(:attr:`Limiter.moving`).

:func:`budget` turns a :class:`~engine.score.model.ComfortSpec` into the limits the conductor
applies: the loudness budget is shared, each layer's gain getting at most half of it (a mix
moves no faster in dB than its fastest layer) and the master dynamics the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.score.model import ComfortSpec


@dataclass(frozen=True)
class Budget:
    """(rate per second, largest step) for each kind of value."""

    gain: tuple[float, float]  # dB
    param: tuple[float, float]  # share of the parameter's range
    dynamics: tuple[float, float]  # dB
    tempo_rate: float  # BPM per second
    tempo_step: float  # fraction per bar
    fade: float  # the shortest scene fade (s)


def budget(spec: ComfortSpec) -> Budget:
    gain_rate = min(spec.gain_rate, spec.loudness_rate / 2)
    dynamics_rate = (
        spec.loudness_rate - gain_rate if math.isfinite(spec.loudness_rate) else math.inf
    )
    return Budget(
        gain=(gain_rate, min(spec.gain_step, spec.loudness_step)),
        param=(spec.param_rate, spec.param_step),
        dynamics=(dynamics_rate, spec.loudness_step),
        tempo_rate=spec.tempo_rate,
        tempo_step=spec.tempo_step,
        fade=spec.fade,
    )


class Limiter:
    """Values by key, each moving toward its latest target no faster than a rate and in no
    step larger than a given one.

    A value at rest that gets a new target starts moving from the buffer it gets it, so time
    spent at rest is never saved up into a jump: between any two moments a value moves at
    most ``rate`` times the time between them (plus one buffer), and no single result differs
    from the one before by more than ``step``.
    """

    def __init__(self, sr: int, buffersize: int) -> None:
        self.sr = sr
        self.buffersize = buffersize
        #: key -> (value last given out, sample it was given out at).
        self.sent: dict[tuple[str, str], tuple[float, int]] = {}
        #: Keys not yet at their target: the conductor keeps evaluating while this is not empty.
        self.moving: set[tuple[str, str]] = set()

    def limit(
        self,
        key: tuple[str, str],
        target: float,
        sample: int,
        rate: float,
        step: float,
        least: float = 0.0,
    ) -> float:
        """The value to send for ``key`` at ``sample``, on its way to ``target``. ``least``:
        a move smaller than this waits (its time keeps counting) so that it is worth sending."""
        entry = self.sent.get(key)
        if entry is None:
            self.sent[key] = (target, sample)
            return target
        last, since = entry
        delta = target - last
        if delta == 0.0:
            self.moving.discard(key)
            return last
        if key not in self.moving:
            since = sample - self.buffersize
            self.sent[key] = (last, since)
            self.moving.add(key)
        elapsed = max(0, sample - since) / self.sr
        allowed = step if math.isinf(rate) else min(step, rate * elapsed)
        if abs(delta) <= allowed:
            self.sent[key] = (target, sample)
            self.moving.discard(key)
            return target
        if allowed < least:
            return last
        value = last + math.copysign(allowed, delta)
        self.sent[key] = (value, sample)
        return value

    def forget(self, channel: str) -> None:
        """Drop a channel's values: the next ones it sends go out as they are (a layer
        entering under its fade, or a performer rebuilt that knows nothing)."""
        for key in [k for k in self.sent if k[0] == channel]:
            del self.sent[key]
            self.moving.discard(key)
