"""The interface every note generator shares: what it is told each bar and what it answers.

A generator is asked for one bar at a time with everything it needs in a frozen
:class:`BarContext`, so the same sequence of contexts and the same seed always give the same
notes (a learned generator can later stand where a random walk stands, see ROADMAP item 6).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import ClassVar, Protocol

from engine.events import Note
from engine.music.harmony import Chord
from engine.music.options import Option
from engine.music.scales import Scale


@dataclass(frozen=True)
class BarContext:
    """Everything a generator may use to write one bar.

    ``density`` (0..1) is the share of possible notes that play, ``intensity`` (0..1) the
    rhythmic drive (subdivisions, fills), ``register`` semitones added to the generator's
    centre pitch, ``velocity`` the base velocity that accents vary around, ``gate`` the
    sounding/nominal length ratio (0.05..1), ``tension`` (0..1) harmonic colour and
    ``variation`` (0..1) how far a learned layer departs from its motifs; ``melody`` the notes
    of this bar of the layer a ``harmonize`` layer follows (empty for the others);
    ``scene_start`` the bar the current scene began in.
    Generators rebuild chords from ``chord.degree`` in ``scale``, so ``chord`` mainly carries
    the degree (and keeps every pitch in ``scale`` even if the two disagree).
    """

    bar: int
    beats_per_bar: int
    steps_per_beat: int
    scale: Scale
    chord: Chord
    next_chord: Chord
    density: float
    intensity: float
    register: int
    velocity: float
    gate: float
    tension: float
    variation: float = 0.5
    melody: tuple[Note, ...] = ()
    scene_start: int = 0

    def __post_init__(self) -> None:
        if self.beats_per_bar < 1 or self.steps_per_beat < 1:
            raise ValueError(
                "beats_per_bar and steps_per_beat must be >= 1 "
                f"(got {self.beats_per_bar}, {self.steps_per_beat})"
            )


class NoteGenerator(Protocol):
    """What the conductor needs from a generator layer."""

    KIND: ClassVar[str]
    OPTIONS: ClassVar[dict[str, Option]]

    def bar(self, ctx: BarContext) -> list[Note]:
        """The notes of this bar, sorted by beat."""
        ...

    def mutate(self, operator: str, rng: random.Random) -> bool:
        """Apply a named mutation operator; True if it changed something."""
        ...
