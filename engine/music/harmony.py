"""Diatonic chords, progressions that advance with the bar, and valence-driven mode choice.

Valence is carried mostly by mode and harmony (``notes/music.md`` §1.1, CMERS), so chords are
always built from the current scale: a mode change recolours the same progression. Harmonic
rhythm slows when arousal is low (§2.3), which :class:`HarmonyTrack` takes as a
``bars_per_chord`` argument that may change from bar to bar.

:func:`voice_lead` and :class:`ModeSelector` live in :mod:`engine.music.voicing` and
:mod:`engine.music.modes` and are re-exported here.

>>> chord_on(Scale(0, "major"), 5, tension=0.5).tones
(7, 11, 2, 5)
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from engine.music.modes import DEFAULT_THRESHOLDS, ModeSelector
from engine.music.scales import Scale
from engine.music.voicing import LOW_THIRD_LIMIT, voice_lead

__all__ = [
    "DEFAULT_THRESHOLDS",
    "LOW_THIRD_LIMIT",
    "NINTH_AT",
    "SEVENTH_AT",
    "SUBSTITUTES",
    "Chord",
    "HarmonyTrack",
    "ModeSelector",
    "chord_on",
    "parse_degree",
    "voice_lead",
]

SEVENTH_AT = 0.4
"""Tension from which chords gain a 7th (colour without obvious dissonance)."""
NINTH_AT = 0.75
"""Tension from which chords also gain a 9th."""

SUBSTITUTES: dict[int, tuple[int, ...]] = {
    1: (6,),
    6: (1,),
    4: (2,),
    2: (4,),
    5: (3, 7),
    3: (5,),
    7: (5,),
}
"""Functional substitutes (tonic I↔vi, subdominant IV↔ii, dominant V↔iii/vii°)."""

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7}


@dataclass(frozen=True)
class Chord:
    """A chord built on a scale degree.

    ``root`` is the root's pitch class (0..11), not a MIDI pitch: voicings pick the octave.
    ``tones`` are pitch classes in stacking order (root, third, fifth, 7th, 9th), all in
    ``scale``; :attr:`fifth` is the third entry (or the root for one- and two-note chords).
    """

    degree: int
    root: int
    tones: tuple[int, ...]
    scale: Scale

    @property
    def fifth(self) -> int:
        """Pitch class of the chord's fifth (stacked, so diminished where the mode says so)."""
        return self.tones[2] if len(self.tones) > 2 else self.root

    def is_tone(self, pitch: int) -> bool:
        """Whether a MIDI pitch is one of the chord's tones in any octave."""
        return pitch % 12 in self.tones

    def pitches(self, lo: int, hi: int) -> list[int]:
        """All MIDI pitches of the chord from ``lo`` to ``hi`` inclusive, ascending."""
        return [p for p in range(lo, hi + 1) if p % 12 in self.tones]

    def nearest(self, pitch: float) -> int:
        """The chord pitch nearest to ``pitch`` (ties go down): where a strong beat lands."""
        low = int(pitch) - 12
        return min(self.pitches(low, low + 25), key=lambda p: (abs(p - pitch), p))


def chord_on(scale: Scale, degree: int, size: int = 3, tension: float = 0.0) -> Chord:
    """Stack thirds of ``scale`` (every other scale note) on ``degree``.

    ``size`` notes are stacked (1..5); ``tension`` adds a 7th from :data:`SEVENTH_AT` and a 9th
    from :data:`NINTH_AT`. Degrees past the scale size wrap (degree 6 of a pentatonic is 1).
    Tones that coincide in small scales (whole tone) are kept once.
    """
    size = max(1, min(5, size))
    if tension >= NINTH_AT:
        size = max(size, 5)
    elif tension >= SEVENTH_AT:
        size = max(size, 4)
    degree = (degree - 1) % scale.size + 1
    base = scale.size + degree - 1
    tones: list[int] = []
    for k in range(size):
        pc = scale.at_index(base + 2 * k) % 12
        if pc not in tones:
            tones.append(pc)
    return Chord(degree=degree, root=tones[0], tones=tuple(tones), scale=scale)


def parse_degree(x: int | str) -> int:
    """A progression entry as a degree 1..7: an int, a digit string, or a roman numeral.

    Roman numerals are case-insensitive: the chord quality always comes from the mode, so
    "ii" and "II" mean the same degree.
    """
    if isinstance(x, bool):
        raise ValueError(f"invalid chord degree {x!r}: expected 1..7 or a roman numeral I..VII")
    if isinstance(x, str):
        text = x.strip().lower()
        value = int(text) if text.isdigit() else _ROMAN.get(text)
    else:
        value = x if isinstance(x, int) else None
    if value is None or not 1 <= value <= 7:
        raise ValueError(f"invalid chord degree {x!r}: expected 1..7 or a roman numeral I..VII")
    return value


@dataclass(frozen=True)
class _Position:
    index: int
    start: int
    length: int


class HarmonyTrack:
    """A looping progression of degrees that advances with the bar number.

    Each chord's length is fixed when it starts (the ``bars_per_chord`` in force then), so a
    change of harmonic rhythm never cuts a chord short: it takes effect at the next change.
    Deterministic: the same sequence of calls gives the same degrees.
    """

    def __init__(self, degrees: Sequence[int | str]) -> None:
        if not degrees:
            raise ValueError("a progression needs at least one degree")
        self._degrees = [parse_degree(d) for d in degrees]
        self._pos: _Position | None = None

    @property
    def degrees(self) -> tuple[int, ...]:
        """The progression as it now stands (reharmonisation changes it)."""
        return tuple(self._degrees)

    def _moved(self, bar: int, bars_per_chord: int) -> _Position:
        length = max(1, bars_per_chord)
        pos = self._pos
        if pos is None or bar < pos.start:
            return _Position(0, bar, length)
        while bar >= pos.start + pos.length:
            pos = _Position(pos.index + 1, pos.start + pos.length, length)
        return pos

    def advance(self, bar: int, bars_per_chord: int) -> int:
        """The degree playing at ``bar``; moves the track (a bar before the start restarts it)."""
        self._pos = self._moved(bar, bars_per_chord)
        return self._degrees[self._pos.index % len(self._degrees)]

    def peek(self, bar: int, bars_per_chord: int) -> int:
        """The degree :meth:`advance` would return for ``bar``, without moving (for next_chord)."""
        pos = self._moved(bar, bars_per_chord)
        return self._degrees[pos.index % len(self._degrees)]

    def reharmonize(self, rng: random.Random) -> bool:
        """Swap one degree for a functional substitute; the opening chord stays as the anchor."""
        candidates = [i for i, d in enumerate(self._degrees) if d in SUBSTITUTES]
        if len(candidates) > 1 and candidates[0] == 0:
            candidates = candidates[1:]
        if not candidates:
            return False
        i = rng.choice(candidates)
        self._degrees[i] = rng.choice(SUBSTITUTES[self._degrees[i]])
        return True
