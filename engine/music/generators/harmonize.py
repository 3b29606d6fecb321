"""Harmonize: chords (or their bass) chosen under another layer's melody, bar by bar.

The layer named by ``follows`` (a learned or melody layer) writes its bar first; this one reads
those notes from ``ctx.melody`` and, for each slot (a bar, or half of one), scores the
diatonic triads of the bar's scale: how much of the melody's sounding time falls on the
chord's tones (notes on strong beats count more, non-chord tones count against), plus the
score's progression as a prior (its chord for the bar gets ``prior``) and a little for moves
that common practice likes (V to I, IV to V ...). The best chord is voice-led like the chords
generator's (common tones kept, the nearest moves) or, as a bass, plays its root. This is a
one-bar-horizon Viterbi: the future melody is not known yet, so the path is decided greedily.
Without a melody (the followed layer is silent) it plays the progression.
"""

from __future__ import annotations

import functools
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
from engine.music.harmony import Chord, chord_on, voice_lead
from engine.music.options import Option
from engine.music.rhythm import DOWNBEAT, metric_weight
from engine.music.scales import Scale

FIT_TONE = 1.0
"""Score for melody time on a chord tone (per share of the slot's weighted melody time)."""
FIT_OTHER = -0.6
"""Score for melody time on a non-chord tone."""
STRONG = 1.0
"""Extra weight of a note's time when it starts on a strong beat (weight 1 + STRONG*metric)."""
MOVES: dict[tuple[int, int], float] = {
    (5, 1): 0.3, (7, 1): 0.2, (4, 5): 0.2, (2, 5): 0.2, (4, 1): 0.1, (1, 4): 0.1,
    (1, 5): 0.1, (6, 4): 0.1, (6, 2): 0.1, (1, 6): 0.1, (3, 6): 0.1,
}  # fmt: skip
"""Common-practice chord moves and their bonus (the transition prior)."""


@functools.cache
def triad_classes(scale: Scale, degree: int) -> frozenset[int]:
    """The pitch classes of the triad on ``degree`` of ``scale`` (cached: few scales recur)."""
    return frozenset(chord_on(scale, degree).tones)


class HarmonizeGenerator(BaseGenerator):
    """Chords or a bass that fit the melody of the layer it ``follows``."""

    KIND = "harmonize"
    OPTIONS: ClassVar[dict[str, Option]] = {
        "follows": Option(str, "", doc="the layer whose melody it harmonizes (required)"),
        "role": Option(
            str, "chords", choices=("chords", "bass"), doc="voice-led chords, or their root"
        ),
        "per_bar": Option(int, 1, choices=(1, 2), doc="chords per bar"),
        "voices": Option(int, 4, min=3, max=6, doc="notes in each chord"),
        "octave": Option(int, 4, min=1, max=6, doc="octave of the chords' centre or the bass"),
        "prior": Option(float, 0.5, min=0.0, max=8.0, doc="weight of the score's progression"),
    }

    def setup(self) -> None:
        self._voicing: list[int] | None = None
        self._previous: int | None = None
        #: The degrees chosen for the last bar's slots (for tests and the curious).
        self.last_degrees: list[int] = []

    def render(self, ctx: BarContext, density: float) -> list[Note]:
        slots = self.opt_int("per_bar")
        length = ctx.beats_per_bar / slots
        centre = centre_pitch(ctx, self.opt_int("octave"))
        notes: list[Note] = []
        self.last_degrees = []
        for slot in range(slots):
            start = slot * length
            degree = self.choose(ctx, start, start + length)
            self.last_degrees.append(degree)
            chord = chord_on(ctx.scale, degree, 3, ctx.tension)
            velocity = accent(ctx, DOWNBEAT if slot == 0 else 0.7)
            notes += self._play(chord, ctx, start, length, centre, velocity)
        return notes

    def choose(self, ctx: BarContext, start: float, end: float) -> int:
        """The degree whose triad best fits the melody between beats ``start`` and ``end``."""
        weights: dict[int, float] = {}
        for note in ctx.melody:
            overlap = min(end, note.beat + note.length) - max(start, note.beat)
            if overlap <= 0:
                continue
            step = round(note.beat * 4)
            strong = metric_weight(step, 4, ctx.beats_per_bar) if note.beat >= start else 0.0
            pc = note.pitch % 12
            weights[pc] = weights.get(pc, 0.0) + overlap * (1.0 + STRONG * strong)
        total = sum(weights.values())
        prior = self.opt_float("prior")
        best, best_score = ctx.chord.degree, float("-inf")
        for degree in [ctx.chord.degree, *range(1, 8)]:  # the progression's chord wins ties
            score = prior * (degree == ctx.chord.degree)
            if self._previous is not None:
                score += MOVES.get((self._previous, degree), 0.0)
            if total > 0:
                tones = triad_classes(ctx.scale, degree)
                fit = sum(w * (FIT_TONE if pc in tones else FIT_OTHER) for pc, w in weights.items())
                score += fit / total
            if score > best_score + 1e-9:
                best, best_score = degree, score
        self._previous = best
        return best

    def _play(
        self,
        chord: Chord,
        ctx: BarContext,
        start: float,
        length: float,
        centre: int,
        velocity: float,
    ) -> list[Note]:
        held = sounding(length, ctx)
        if self.opt_str("role") == "bass":
            return [Note(start, held, nearest_with_class(chord.root, centre), velocity)]
        self._voicing = voice_lead(self._voicing, chord, self.opt_int("voices"), centre)
        return [Note(start, held, pitch, velocity) for pitch in self._voicing]
