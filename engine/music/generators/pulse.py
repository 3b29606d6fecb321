"""Pulse: a tense, even ostinato on the chord root, accented on a Euclidean pattern.

Repeated notes at a steady rate raise arousal without adding harmonic information (combat and
threat presets, ``notes/music.md`` §1.2). Accented steps get more velocity and, at higher
intensity, the fifth; density thins unaccented weak steps first.
"""

from __future__ import annotations

import random
from typing import ClassVar

from engine.events import Note
from engine.music.generators.base import (
    BaseGenerator,
    Operator,
    accent,
    bar_chord,
    centre_pitch,
    nearest_with_class,
    pattern_operators,
    sounding,
)
from engine.music.generators.context import BarContext
from engine.music.options import Option
from engine.music.rhythm import euclid, metric_weights, thin

FIFTHS_AT = 0.5
"""Intensity from which accented steps (other than the downbeat) play the fifth."""
UNACCENTED = 0.7
"""Velocity factor for steps off the accent pattern."""
ACCENT_BONUS = 0.5
"""Added to an accented step's metric weight when thinning, so accents survive longest."""


class PulseGenerator(BaseGenerator):
    """Even 8ths or 16ths on the chord root with a Euclidean accent pattern."""

    KIND = "pulse"
    OPTIONS: ClassVar[dict[str, Option]] = {
        "rate": Option(int, 2, choices=(2, 4), doc="notes per beat"),
        "accent_hits": Option(int, 3, min=0, max=16, doc="Euclidean accents per bar"),
        "octave": Option(int, 3, min=1, max=5, doc="octave of the pulse root (C3 = 48)"),
    }

    def setup(self) -> None:
        self._thin_seed = self.rng.getrandbits(32)
        self._accents = self._euclid(4)

    def _euclid(self, beats_per_bar: int) -> tuple[bool, ...]:
        steps = self.opt_int("rate") * beats_per_bar
        return euclid(min(self.opt_int("accent_hits"), steps), steps)

    def render(self, ctx: BarContext, density: float) -> list[Note]:
        rate = self.opt_int("rate")
        steps = rate * ctx.beats_per_bar
        if len(self._accents) != steps:
            self._accents = self._euclid(ctx.beats_per_bar)
        chord = bar_chord(ctx)
        root = nearest_with_class(chord.root, centre_pitch(ctx, self.opt_int("octave")))
        fifth = root + (chord.fifth - chord.root) % 12
        weights = metric_weights(rate, ctx.beats_per_bar)
        ranking = [w + ACCENT_BONUS * a for w, a in zip(weights, self._accents, strict=True)]
        kept = thin((True,) * steps, density, ranking, random.Random(self._thin_seed))
        length = sounding(1.0 / rate, ctx)
        notes = []
        for step in (s for s in range(steps) if kept[s]):
            accented = self._accents[step]
            pitch = fifth if accented and step and ctx.intensity >= FIFTHS_AT else root
            velocity = accent(ctx, weights[step], 1.0 if accented else UNACCENTED)
            notes.append(Note(step / rate, length, pitch, velocity))
        return notes

    def operators(self) -> dict[str, Operator]:
        """Mutations act on the accent pattern; every step keeps sounding."""
        return pattern_operators(
            lambda: self._accents, lambda p: setattr(self, "_accents", p), self.opt_int("rate")
        )
