"""Arpeggios: chord tones played one at a time in a persistent pattern.

The pattern is stored as *which chord tone* each step plays (an index into the current chord's
pitches) plus an octave offset, so it repeats bar after bar while following the harmony; the
conductor varies it with mutations every few bars. Density thins the weakest steps the same way
every bar (a fixed tie-break seed), so a density level sounds like a rhythm, not like noise.
"""

from __future__ import annotations

import random
from typing import ClassVar

from engine.events import Note
from engine.music import mutation
from engine.music.generators.base import (
    BaseGenerator,
    Operator,
    accent,
    bar_chord,
    centre_pitch,
    pattern_operators,
    sounding,
)
from engine.music.generators.context import BarContext
from engine.music.options import Option
from engine.music.rhythm import metric_weights, thin


class ArpeggioGenerator(BaseGenerator):
    """Chord tones in an up, down, up-down or fixed random order at ``rate`` notes per beat."""

    KIND = "arpeggio"
    OPTIONS: ClassVar[dict[str, Option]] = {
        "rate": Option(int, 2, choices=(1, 2, 3, 4), doc="notes per beat (1 = quarters)"),
        "direction": Option(
            str, "up", choices=("up", "down", "updown", "random"), doc="order of chord tones"
        ),
        "octaves": Option(int, 1, min=1, max=3, doc="octaves the chord tones span"),
        "octave": Option(int, 4, min=2, max=6, doc="octave of the lowest tone (C4 = 60)"),
    }

    def setup(self) -> None:
        self._thin_seed = self.rng.getrandbits(32)
        self._tones: list[int] = []
        self._octs: list[int] = []
        self._mask: tuple[bool, ...] = ()
        self._build(4 * self.opt_int("rate"), 3 * self.opt_int("octaves"))

    def _build(self, steps: int, pool: int) -> None:
        """A fresh motif for ``steps`` steps over a pool of ``pool`` chord pitches."""
        self._tones = _order(self.opt_str("direction"), steps, pool, self.rng)
        self._octs = [0] * steps
        self._mask = (True,) * steps

    def render(self, ctx: BarContext, density: float) -> list[Note]:
        rate = self.opt_int("rate")
        steps = rate * ctx.beats_per_bar
        base = centre_pitch(ctx, self.opt_int("octave"))
        pool = bar_chord(ctx, ctx.tension).pitches(base, base + 12 * self.opt_int("octaves") - 1)
        if len(self._tones) != steps:
            self._build(steps, len(pool))
        weights = metric_weights(rate, ctx.beats_per_bar)
        kept = thin(self._mask, density, weights, random.Random(self._thin_seed))
        length = sounding(1.0 / rate, ctx)
        return [
            Note(
                step / rate,
                length,
                pool[self._tones[step] % len(pool)] + 12 * self._octs[step],
                accent(ctx, weights[step]),
            )
            for step in range(steps)
            if kept[step]
        ]

    def operators(self) -> dict[str, Operator]:
        rhythm = pattern_operators(
            lambda: self._mask, lambda p: setattr(self, "_mask", p), self.opt_int("rate")
        )
        return {
            **rhythm,
            "substitute": self._substitute,
            "octave": self._octave,
            "rotate": lambda rng: rhythm["rotate"](rng) or self._rotate_tones(rng),
        }

    def _substitute(self, rng: random.Random) -> bool:
        pool = max(3, max(self._tones, default=0) + 1)
        changed = mutation.substitute_value(self._tones, range(pool), rng)
        if changed is None:
            return False
        self._tones = changed
        return True

    def _rotate_tones(self, rng: random.Random) -> bool:
        """Rotate the tone order (same figure, new start): "rotate" when the rhythm is full."""
        shift = rng.choice((-1, 1)) % max(1, len(self._tones))
        rotated = self._tones[shift:] + self._tones[:shift]
        if rotated == self._tones:
            return False
        self._tones = rotated
        return True

    def _octave(self, rng: random.Random) -> bool:
        changed = mutation.shift_octave(self._octs, rng, -1, 1, step=1)
        if changed is None:
            return False
        self._octs = changed
        return True


def _order(direction: str, steps: int, pool: int, rng: random.Random) -> list[int]:
    """Chord-tone indices for each step in the given direction."""
    pool = max(1, pool)
    if direction == "down":
        return [(pool - 1 - i) % pool for i in range(steps)]
    if direction == "updown":
        cycle = list(range(pool)) + list(range(pool - 2, 0, -1))
        return [cycle[i % len(cycle)] for i in range(steps)]
    if direction == "random":
        order: list[int] = []
        for _ in range(steps):
            choices = [t for t in range(pool) if not order or t != order[-1]] or [0]
            order.append(rng.choice(choices))
        return order
    return [i % pool for i in range(steps)]
