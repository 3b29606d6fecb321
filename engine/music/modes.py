"""Choosing the mode from valence, with hysteresis so the key does not flip-flop.

Mode is the strongest valence cue (``notes/music.md`` §1.1), but a mode that flickers while
valence hovers near a boundary sounds broken; §4 pitfall 5 asks for a margin (±0.15) and a
minimum hold (8 bars) before switching.

>>> sel = ModeSelector([(-1.0, "aeolian"), (0.0, "ionian")])
>>> sel.update(0.1, bar=0), sel.update(-0.1, bar=20), sel.update(-0.3, bar=21)
('ionian', 'ionian', 'aeolian')
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from engine.music.scales import MODES

DEFAULT_THRESHOLDS: tuple[tuple[float, str], ...] = (
    (-1.0, "phrygian"),
    (-0.6, "aeolian"),
    (-0.2, "dorian"),
    (0.15, "mixolydian"),
    (0.4, "ionian"),
    (0.8, "lydian"),
)
"""Valence bands following the brightness order; Locrian is left out (horror only, §1.2)."""


class ModeSelector:
    """Maps valence (-1..1) to a mode name.

    ``thresholds`` are ``(lower_bound, mode)`` pairs: a mode applies from its bound up to the
    next one (the lowest band also takes everything below it). After the first call, the mode
    changes only when valence lies more than ``hysteresis`` outside the current band and at
    least ``hold_bars`` bars have passed since the last change (a bar number lower than the last
    change counts as a restart and allows it).
    """

    def __init__(
        self,
        thresholds: Sequence[tuple[float, str]] = DEFAULT_THRESHOLDS,
        hysteresis: float = 0.15,
        hold_bars: int = 8,
    ) -> None:
        if not thresholds:
            raise ValueError("ModeSelector needs at least one (threshold, mode) pair")
        for _, mode in thresholds:
            if mode not in MODES:
                raise ValueError(f"unknown mode {mode!r} in mode thresholds")
        ordered = sorted(thresholds, key=lambda t: t[0])
        self._bounds = [float(t) for t, _ in ordered]
        self._modes = [m for _, m in ordered]
        self.hysteresis = max(0.0, hysteresis)
        self.hold_bars = max(0, hold_bars)
        self._band: int | None = None
        self._since = 0

    @property
    def mode(self) -> str | None:
        """The current mode, or None before the first :meth:`update`."""
        return None if self._band is None else self._modes[self._band]

    def _band_of(self, valence: float) -> int:
        return max(0, bisect.bisect_right(self._bounds, valence) - 1)

    def _outside(self, band: int, valence: float) -> bool:
        """Whether valence has left ``band`` by more than the hysteresis margin."""
        low = self._bounds[band] if band > 0 else float("-inf")
        high = self._bounds[band + 1] if band + 1 < len(self._bounds) else float("inf")
        return valence < low - self.hysteresis or valence >= high + self.hysteresis

    def update(self, valence: float, bar: int) -> str:
        """The mode to play at ``bar`` given the current valence."""
        target = self._band_of(valence)
        if self._band is None or self._may_switch(target, valence, bar):
            self._band, self._since = target, bar
        return self._modes[self._band]

    def _may_switch(self, target: int, valence: float, bar: int) -> bool:
        """A different band, clearly outside the current one, after the hold time."""
        assert self._band is not None
        held = bar - self._since >= self.hold_bars or bar < self._since
        return target != self._band and held and self._outside(self._band, valence)
