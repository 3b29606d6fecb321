"""Scales and modes: the pitch sets every note in the engine is drawn from.

Random notes outside the harmony are the main reason procedural music sounds bad
(``notes/music.md`` §0 rule 3), so every melodic generator asks a :class:`Scale` for its
pitches instead of doing semitone arithmetic itself.

MIDI octave convention: C4 = 60, so octave ``o`` starts at ``12 * (o + 1)``.

>>> Scale(pitch_class("D"), "dorian").degree_pitch(1, 4)
62
>>> Scale(0, "major").snap(61.0)
60
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property

MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "ionian": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "aeolian": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
    "melodic_minor": (0, 2, 3, 5, 7, 9, 11),
    "pentatonic": (0, 2, 4, 7, 9),
    "minor_pentatonic": (0, 3, 5, 7, 10),
    "blues": (0, 3, 5, 6, 7, 10),
    "whole_tone": (0, 2, 4, 6, 8, 10),
}
"""Semitone offsets from the root for each mode name the score may use."""

MODES_BY_BRIGHTNESS: tuple[str, ...] = (
    "lydian",
    "ionian",
    "mixolydian",
    "dorian",
    "aeolian",
    "phrygian",
    "locrian",
)
"""The seven diatonic modes from brightest to darkest (Ehrlich et al. 2019): valence walks this."""

_NATURALS = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_ACCIDENTALS = {"#": 1, "♯": 1, "b": -1, "♭": -1}
_NOTE_NAME = re.compile(r"^([A-Ga-g])([#♯b♭]*)$")


def pitch_class(name: str) -> int:
    """Parse a note name ("C", "c#", "Db", "Bb", "E#") into a pitch class 0..11.

    Scores name keys by letter, so this is where a typo in a score turns into a clear error.
    """
    match = _NOTE_NAME.match(name.strip()) if isinstance(name, str) else None
    if match is None:
        raise ValueError(
            f"invalid note name {name!r}: expected a letter A-G followed by optional "
            "'#' or 'b' accidentals, e.g. 'C', 'F#', 'Bb'"
        )
    letter, accidentals = match.groups()
    offset = sum(_ACCIDENTALS[a] for a in accidentals)
    return (_NATURALS[letter.lower()] + offset) % 12


#: How the engine names a pitch class when it reports one (sharps: a key's own spelling depends
#: on its mode and signature, which a report does not need).
PITCH_CLASS_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


@dataclass(frozen=True)
class Scale:
    """A root pitch class (0..11) and a mode name from :data:`MODES`.

    Pitches are addressed either by 1-based degree and octave (for scores and harmony) or by
    an absolute *scale index* (consecutive scale notes have consecutive indices), which lets
    melodies move "one scale step" without caring about semitone gaps.
    """

    root: int
    mode: str

    def __post_init__(self) -> None:
        if not isinstance(self.root, int) or not 0 <= self.root <= 11:
            raise ValueError(f"scale root must be a pitch class 0..11 (got {self.root!r})")
        if self.mode not in MODES:
            known = ", ".join(sorted(MODES))
            raise ValueError(f"unknown mode {self.mode!r}; known modes: {known}")

    def __str__(self) -> str:
        return f"{PITCH_CLASS_NAMES[self.root]} {self.mode}"

    @cached_property
    def intervals(self) -> tuple[int, ...]:
        """Semitone offsets of the scale from its root."""
        return MODES[self.mode]

    @cached_property
    def _classes(self) -> frozenset[int]:
        return frozenset((self.root + i) % 12 for i in self.intervals)

    @property
    def size(self) -> int:
        """Number of notes per octave (7 for the diatonic modes, 5 for pentatonics)."""
        return len(self.intervals)

    def with_mode(self, mode: str) -> Scale:
        """The parallel scale: same root, another mode (how valence changes the key)."""
        return Scale(self.root, mode)

    def at_index(self, index: int) -> int:
        """MIDI pitch of absolute scale index ``index`` (index 0 is the root in MIDI octave -1)."""
        octave, step = divmod(index, self.size)
        return self.root + 12 * octave + self.intervals[step]

    def index_of(self, pitch: float) -> int:
        """Absolute scale index of ``pitch``, snapping it into the scale first."""
        snapped = self.snap(pitch)
        octave, rel = divmod(snapped - self.root, 12)
        return octave * self.size + self.intervals.index(rel)

    def degree_pitch(self, degree: int, octave: int) -> int:
        """MIDI pitch of 1-based ``degree`` in the octave that holds the root at ``octave``.

        Degrees past the scale size continue into the next octave (degree 8 of a 7-note scale is
        the root an octave up) and degrees <= 0 go below (degree 0 is the note under the root).
        """
        return self.at_index((octave + 1) * self.size + degree - 1)

    def contains(self, pitch: int) -> bool:
        """Whether a MIDI pitch belongs to the scale in any octave."""
        return pitch % 12 in self._classes

    def snap(self, pitch: float) -> int:
        """The nearest scale pitch to ``pitch``; exact ties go to the lower pitch."""
        low = math.floor(pitch)
        candidates = [p for p in range(low - 6, low + 8) if p % 12 in self._classes]
        return min(candidates, key=lambda p: (abs(p - pitch), p))

    def pitches(self, lo: int, hi: int) -> list[int]:
        """All scale pitches from ``lo`` to ``hi`` inclusive, ascending."""
        return [p for p in range(lo, hi + 1) if p % 12 in self._classes]

    def degree_of(self, pitch: int) -> int | None:
        """1-based degree of ``pitch`` ignoring octave, or None if it is not in the scale."""
        rel = (pitch - self.root) % 12
        return self.intervals.index(rel) + 1 if rel in self.intervals else None

    def step(self, pitch: int, steps: int) -> int:
        """The pitch ``steps`` scale steps away from ``pitch`` (snapped into the scale first)."""
        return self.at_index(self.index_of(pitch) + steps)
