"""Pads: voice-led chord voicings, held, restruck each bar, or pulsed on a Euclidean rhythm.

A :class:`~engine.events.Note` has a fixed length, and a generator sees only one bar ahead
(``next_chord``). So "hold" strikes on each chord change and holds for as long as the chord is
known to last (one bar, or two when the next bar keeps it); when a held chord runs out while
the harmony stays, it is struck again, softer, like a re-bowed string.
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
    pattern_operators,
    sounding,
)
from engine.music.generators.context import BarContext
from engine.music.harmony import Chord, voice_lead
from engine.music.options import Option
from engine.music.rhythm import DOWNBEAT, euclid, metric_weights, thin

PULSE_STEPS_PER_BEAT = 2
"""The pulse rhythm lives on an 8th-note grid."""
RESTRIKE = 0.8
"""Velocity factor for re-striking a chord that has not changed."""


class ChordsGenerator(BaseGenerator):
    """Chord voicings that keep common tones and move other voices by the smallest step."""

    KIND = "chords"
    OPTIONS: ClassVar[dict[str, Option]] = {
        "voices": Option(int, 4, min=3, max=6, doc="notes in each voicing"),
        "octave": Option(int, 4, min=2, max=6, doc="octave of the voicing centre (C4 = 60)"),
        "rhythm": Option(
            str,
            "hold",
            choices=("hold", "bar", "pulse"),
            doc="hold: strike on chord change; bar: restrike every bar; pulse: Euclidean rhythm",
        ),
        "hits": Option(int, 3, min=1, max=16, doc="pulse: hits per bar on the 8th-note grid"),
    }

    def setup(self) -> None:
        self._voicing: list[int] | None = None
        self._voiced: tuple[object, ...] | None = None
        self._held_until = -1
        self._last_bar = -1
        self._pattern = euclid(min(self.opt_int("hits"), 8), 8)
        self._thin_seed = self.rng.getrandbits(32)

    def render(self, ctx: BarContext, density: float) -> list[Note]:
        chord = bar_chord(ctx, ctx.tension)
        changed = self._revoice(chord, ctx)
        rhythm = self.opt_str("rhythm")
        if rhythm == "hold":
            return self._hold(ctx, changed)
        if rhythm == "bar":
            return self._strike(ctx, 0.0, float(ctx.beats_per_bar), accent(ctx, DOWNBEAT))
        return self._pulse(ctx, density)

    def _revoice(self, chord: Chord, ctx: BarContext) -> bool:
        """Voice-lead to ``chord`` if it differs from the last one voiced; True if it did."""
        centre = centre_pitch(ctx, self.opt_int("octave"))
        key = (chord.scale, chord.tones, centre)
        if key == self._voiced:
            return False
        self._voicing = voice_lead(self._voicing, chord, self.opt_int("voices"), centre)
        self._voiced = key
        return True

    def _hold(self, ctx: BarContext, changed: bool) -> list[Note]:
        restart = ctx.bar <= self._last_bar
        self._last_bar = ctx.bar
        if not (changed or restart or ctx.bar >= self._held_until):
            return []
        keeps = ctx.next_chord.degree == ctx.chord.degree and ctx.next_chord.scale == ctx.scale
        bars = 2 if keeps else 1
        self._held_until = ctx.bar + bars
        velocity = accent(ctx, DOWNBEAT, 1.0 if changed else RESTRIKE)
        return self._strike(ctx, 0.0, float(bars * ctx.beats_per_bar), velocity)

    def _strike(self, ctx: BarContext, beat: float, nominal: float, velocity: float) -> list[Note]:
        length = sounding(nominal, ctx)
        return [Note(beat, length, p, velocity) for p in self._voicing or []]

    def _grid(self, ctx: BarContext) -> tuple[bool, ...]:
        steps = PULSE_STEPS_PER_BEAT * ctx.beats_per_bar
        if len(self._pattern) != steps:
            self._pattern = euclid(min(self.opt_int("hits"), steps), steps)
        return self._pattern

    def _pulse(self, ctx: BarContext, density: float) -> list[Note]:
        pattern = self._grid(ctx)
        weights = metric_weights(PULSE_STEPS_PER_BEAT, ctx.beats_per_bar)
        kept = thin(pattern, density, weights, random.Random(self._thin_seed))
        onsets = [i for i, hit in enumerate(kept) if hit]
        notes: list[Note] = []
        for n, step in enumerate(onsets):
            end = onsets[n + 1] if n + 1 < len(onsets) else len(kept)
            beat = step / PULSE_STEPS_PER_BEAT
            nominal = (end - step) / PULSE_STEPS_PER_BEAT
            notes += self._strike(ctx, beat, nominal, accent(ctx, weights[step]))
        return notes

    def operators(self) -> dict[str, Operator]:
        if self.opt_str("rhythm") != "pulse":
            return {}
        return pattern_operators(
            lambda: self._pattern, lambda p: setattr(self, "_pattern", p), PULSE_STEPS_PER_BEAT
        )
