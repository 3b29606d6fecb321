"""The state bus: the latest value of every input, smoothed, safe to read once per buffer.

Writers (the timeline, later the OSC thread) call :meth:`StateBus.set`; the engine calls
:meth:`StateBus.tick` once per audio buffer to move each smoothed value toward its target with a
one-pole filter whose time constant is the input's ``smoothing``. Non-finite values are refused
and counted; out-of-range values are clamped. ``changed`` tells the conductor whether any smoothed
value moved this buffer, so mappings are only re-evaluated when something changed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from engine.score.model import InputSpec

#: Below this distance to its target (as a share of the input's range) a value snaps to it.
SETTLE = 1e-4


class StateBus:
    def __init__(self, specs: Mapping[str, InputSpec], sr: int, buffersize: int) -> None:
        self.specs = dict(specs)
        self.targets = {name: spec.default for name, spec in self.specs.items()}
        self.values = dict(self.targets)
        self.changed = True
        self.rejected = 0
        self._moving: set[str] = set()
        self._coeff = {
            name: _one_pole(spec.smoothing, sr, buffersize) for name, spec in self.specs.items()
        }
        self._settle = {name: SETTLE * (spec.max - spec.min) for name, spec in self.specs.items()}

    def carried_to(self, specs: Mapping[str, InputSpec], sr: int, buffersize: int) -> StateBus:
        """A bus for a reloaded score's inputs that keeps where every input this one shares with
        it stands (its value and its target, clamped to the new range; moving on with the new
        smoothing); new inputs start at their defaults."""
        bus = StateBus(specs, sr, buffersize)
        bus.rejected = self.rejected
        for name, spec in bus.specs.items():
            if name in self.specs:
                bus.targets[name] = spec.clamp(self.targets[name])
                bus.values[name] = spec.clamp(self.values[name])
                if bus.values[name] != bus.targets[name]:
                    bus._moving.add(name)
        return bus

    def set(self, name: str, value: float) -> bool:
        """Set an input's target; False (and counted) if the name is unknown or not finite."""
        spec = self.specs.get(name)
        if spec is None or not math.isfinite(value):
            self.rejected += 1
            return False
        self.targets[name] = spec.clamp(value)
        self._moving.add(name)
        return True

    def tick(self) -> None:
        """Advance smoothing by one buffer."""
        self.changed = bool(self._moving)
        for name in list(self._moving):
            target, value = self.targets[name], self.values[name]
            value += (target - value) * self._coeff[name]
            if abs(target - value) <= self._settle[name]:
                value = target
                self._moving.discard(name)
            self.values[name] = value


def _one_pole(seconds: float, sr: int, buffersize: int) -> float:
    """Share of the remaining distance covered per buffer for a time constant of ``seconds``."""
    if seconds <= 0:
        return 1.0
    return 1.0 - math.exp(-buffersize / (sr * seconds))
