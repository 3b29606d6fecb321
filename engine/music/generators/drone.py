"""Drone: the tonic (or chord root), with its fifth, held for several bars.

A pedal under changing chords is the cheapest way to make a calm scene sound composed
(``notes/music.md`` §2.3). The drone is struck again every ``bars`` bars, or at once when its
pitch changes (a new key or mode, or a new chord root when it follows the chord). It is held
for ``bars`` bars, but only to the end of the bar when the next bar is known to change it.
"""

from __future__ import annotations

from typing import ClassVar

from engine.events import Note
from engine.music.generators.base import (
    BaseGenerator,
    accent,
    centre_pitch,
    nearest_with_class,
    sounding,
)
from engine.music.generators.context import BarContext
from engine.music.harmony import Chord, chord_on
from engine.music.options import Option
from engine.music.rhythm import DOWNBEAT

FIFTH_LEVEL = 0.85
"""The fifth sits a little under the root."""


class DroneGenerator(BaseGenerator):
    """A held root (and fifth) that follows the key's tonic or the chord's root."""

    KIND = "drone"
    OPTIONS: ClassVar[dict[str, Option]] = {
        "octave": Option(int, 3, min=1, max=5, doc="octave of the drone root (C3 = 48)"),
        "fifth": Option(bool, True, doc="add the fifth above the root"),
        "bars": Option(int, 4, min=1, max=16, doc="bars between re-strikes"),
        "follow": Option(
            str, "tonic", choices=("tonic", "chord"), doc="tonic: the key's root; chord: chord root"
        ),
    }

    def setup(self) -> None:
        self._struck: int | None = None
        self._pitches: tuple[int, ...] = ()

    def _root_chord(self, chord: Chord) -> Chord:
        """The triad the drone sits on: the tonic triad, or the bar's chord."""
        degree = 1 if self.opt_str("follow") == "tonic" else chord.degree
        return chord_on(chord.scale, degree)

    def render(self, ctx: BarContext, density: float) -> list[Note]:
        triad = self._root_chord(chord_on(ctx.scale, ctx.chord.degree))
        root = nearest_with_class(triad.root, centre_pitch(ctx, self.opt_int("octave")))
        fifth = root + (triad.fifth - triad.root) % 12
        pitches = (root, fifth) if self.opt_bool("fifth") else (root,)
        bars = self.opt_int("bars")
        due = (
            self._struck is None
            or pitches != self._pitches
            or not 0 <= ctx.bar - self._struck < bars
        )
        if not due:
            return []
        self._struck, self._pitches = ctx.bar, pitches
        following = self._root_chord(ctx.next_chord)
        held = bars if following.root == triad.root else 1
        length = sounding(float(held * ctx.beats_per_bar), ctx)
        levels = (1.0, FIFTH_LEVEL)
        return [
            Note(0.0, length, pitch, accent(ctx, DOWNBEAT, levels[i]))
            for i, pitch in enumerate(pitches)
        ]
