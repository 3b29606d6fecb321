"""Parameter specifications: the range, default, unit and ramp time of every instrument parameter.

Every value a score or an OSC message can send to an instrument passes through a :class:`ParamSpec`
before it reaches pyo. pyo crashes or turns NaN on non-finite and out-of-range values (see the
team's pyo sweep notes), so the spec is where such values stop. A spec is plain data, so the
score validator and the docs can read the same ranges the instruments enforce.

>>> spec = ParamSpec(1500.0, 200.0, 8000.0, "Hz", "low-pass cutoff")
>>> spec.clamp(20000.0)
8000.0
>>> spec.clamp(float("nan")) is None
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ParamSpec:
    """One instrument parameter: its default, inclusive range, unit, meaning and ramp time.

    ``ramp`` is the default time in seconds over which a change glides to its new value; a ramp
    rather than a jump is what keeps live changes free of clicks. Parameters that only take effect
    at the next note (envelope times) ignore it.
    """

    default: float
    min: float
    max: float
    unit: str = ""
    doc: str = ""
    ramp: float = 0.05

    def __post_init__(self) -> None:
        values = (self.default, self.min, self.max, self.ramp)
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"ParamSpec values must be finite: {self}")
        if not self.min <= self.default <= self.max:
            raise ValueError(f"ParamSpec default {self.default} outside [{self.min}, {self.max}]")
        if self.ramp < 0:
            raise ValueError(f"ParamSpec ramp must be >= 0, got {self.ramp}")

    def clamp(self, value: float) -> float | None:
        """Return ``value`` limited to ``[min, max]``, or ``None`` if it is not a finite number.

        Returning ``None`` rather than raising lets the audio path drop a bad value and count it
        without a try/except per buffer; callers must check for ``None``.
        """
        try:
            v = float(value)
        except (TypeError, ValueError):
            return None
        if not math.isfinite(v):
            return None
        return min(max(v, self.min), self.max)
