"""A composer's motifs as key-relative data: what the learned generators learn from.

A :class:`Motif` holds notes on a grid (``steps_per_beat`` steps per beat of its metre), each
stored as a *scale index relative to the tonic* of the key it was written in (0 is the tonic
in octave 4, 1 the second above it, -1 the degree below) plus a chromatic ``alteration`` in
semitones. So a theme written in D major plays in C minor as the same degrees: it transposes
to any key, and a change of mode recolours it as it recolours the chords.

Material comes from note lists a score writes (:func:`parse_note_list`, ``"D4 1/4"``,
``"^5 1/8"``, ``"r 1/2"``) or from MIDI files (``engine.music.midifile``), both through
:func:`from_pitches`. Polyphonic material keeps its *top voice* as the melody (a note belongs
to it unless a higher note sounds at its onset) and the other notes as ``harmony``.

>>> m = from_pitches("m", [(0, 4, 62, 0.8), (4, 4, 66, 0.8)], Key(2, "major"), Metre(4, 4), 4)
>>> [(n.index, n.alteration) for n in m.notes]
[(0, 0), (2, 0)]
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from engine.defaults import MAX_MOTIF_BARS, MAX_MOTIF_NOTES
from engine.music.scales import MODES, Scale, pitch_class

TONIC_OCTAVE = 4
"""The octave of the tonic that relative index 0 stands for (C4 = 60 in C)."""
GRIDS = (1, 2, 3, 4, 6, 8, 12, 16, 24)
"""Steps per beat a motif may be quantised to."""


class MotifError(ValueError):
    """Bad material: ``item`` is the index of the offending note-list item (None: the whole
    motif), ``offset`` the character inside it, so the loader can point at file:line:column."""

    def __init__(self, message: str, item: int | None = None, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.item = item
        self.offset = offset


@dataclass(frozen=True)
class Key:
    """A key a motif is written in: the tonic's pitch class and a mode from MODES."""

    root: int
    mode: str

    @property
    def scale(self) -> Scale:
        return Scale(self.root, self.mode)


@dataclass(frozen=True)
class Metre:
    """``beats`` per bar of 1/``unit`` notes (the score's meter)."""

    beats: int
    unit: int

    def __str__(self) -> str:
        return f"{self.beats}/{self.unit}"


@dataclass(frozen=True, slots=True)
class MotifNote:
    """One note: ``onset`` and ``length`` in grid steps from the motif's start, ``index`` the
    scale index relative to the tonic in octave 4, ``alteration`` semitones added to that
    scale pitch, ``velocity`` 0..1."""

    onset: int
    length: int
    index: int
    alteration: int
    velocity: float


@dataclass(frozen=True)
class Motif:
    """A motif: its melody (top voice, one note at a time, sorted) and the other voices."""

    name: str
    key: Key
    metre: Metre
    steps_per_beat: int
    notes: tuple[MotifNote, ...]
    harmony: tuple[MotifNote, ...] = ()
    #: A drum motif's hits, ``(onset, General MIDI percussion key, velocity)`` (its ``notes``
    #: are empty): what ``learned-drums`` learns.
    hits: tuple[tuple[int, int, float], ...] = ()

    @property
    def is_drums(self) -> bool:
        return bool(self.hits)

    @property
    def bar_steps(self) -> int:
        return self.metre.beats * self.steps_per_beat

    @property
    def bars(self) -> int:
        """Whole bars the motif fills (its last bar padded with rest)."""
        end = max((n.onset + n.length for n in self.notes), default=0)
        end = max(end, *(onset + 1 for onset, _, _ in self.hits), 0)
        return max(1, math.ceil(end / self.bar_steps))

    def pitch(self, note: MotifNote) -> int:
        """The MIDI pitch ``note`` was written at."""
        scale = self.key.scale
        return scale.at_index(note.index + (TONIC_OCTAVE + 1) * scale.size) + note.alteration

    def regrid(self, steps_per_beat: int) -> Motif:
        """The same motif on a finer grid (``steps_per_beat`` a multiple of its own)."""
        factor, rest = divmod(steps_per_beat, self.steps_per_beat)
        if rest or factor < 1:
            raise ValueError(f"cannot regrid {self.steps_per_beat} to {steps_per_beat} steps")

        def scaled(notes: tuple[MotifNote, ...]) -> tuple[MotifNote, ...]:
            return tuple(
                MotifNote(n.onset * factor, n.length * factor, n.index, n.alteration, n.velocity)
                for n in notes
            )

        return Motif(
            self.name,
            self.key,
            self.metre,
            steps_per_beat,
            scaled(self.notes),
            scaled(self.harmony),
            tuple((onset * factor, key, velocity) for onset, key, velocity in self.hits),
        )


def relative(pitch: int, key: Key) -> tuple[int, int]:
    """``pitch`` as (scale index relative to the tonic in octave 4, alteration >= 0): the
    scale note at or below it, and how far above that note it lies."""
    scale = key.scale
    base = (TONIC_OCTAVE + 1) * scale.size
    index = scale.index_of(pitch)
    if scale.at_index(index) > pitch:
        index -= 1
    return index - base, pitch - scale.at_index(index)


def from_pitches(
    name: str,
    notes: Iterable[tuple[int, int, int, float]],
    key: Key,
    metre: Metre,
    steps_per_beat: int,
) -> Motif:
    """A motif from ``(onset, length, MIDI pitch, velocity)`` notes on the grid: the top voice
    becomes the melody (overlaps cut at the next melody onset), the rest its harmony."""
    ordered = sorted(notes, key=lambda n: (n[0], -n[2]))
    if not ordered:
        raise MotifError(f"motif {name!r} has no notes")
    if len(ordered) > MAX_MOTIF_NOTES:
        raise MotifError(f"motif {name!r} has {len(ordered)} notes (at most {MAX_MOTIF_NOTES})")
    melody: list[tuple[int, int, int, float]] = []
    harmony: list[tuple[int, int, int, float]] = []
    for note in ordered:
        onset, _, pitch, _ = note
        top = melody[-1] if melody else None
        if top is not None and top[0] == onset:
            harmony.append(note)  # a lower note of the same onset
        elif top is not None and top[0] + top[1] > onset and top[2] > pitch:
            harmony.append(note)  # an inner voice under a held melody note
        else:
            if top is not None and top[0] + top[1] > onset:
                melody[-1] = (top[0], onset - top[0], top[2], top[3])  # cut at this onset
            melody.append(note)
    bar_steps = metre.beats * steps_per_beat
    end = max(n[0] + n[1] for n in ordered)
    if end > MAX_MOTIF_BARS * bar_steps:
        raise MotifError(
            f"motif {name!r} lasts {math.ceil(end / bar_steps)} bars (at most {MAX_MOTIF_BARS})"
        )

    def stored(items: list[tuple[int, int, int, float]]) -> tuple[MotifNote, ...]:
        out = []
        for onset, length, pitch, velocity in items:
            index, alteration = relative(pitch, key)
            out.append(MotifNote(onset, max(1, length), index, alteration, velocity))
        return tuple(out)

    return Motif(name, key, metre, steps_per_beat, stored(melody), stored(harmony))


def from_hits(
    name: str,
    notes: Iterable[tuple[int, int, int, float]],
    key: Key,
    metre: Metre,
    steps_per_beat: int,
) -> Motif:
    """A drum motif from ``(onset, length, percussion key, velocity)`` notes: every hit kept
    (drums are not a melody), sorted by onset and key."""
    hits = tuple(sorted((onset, pitch, velocity) for onset, _, pitch, velocity in notes))
    if not hits:
        raise MotifError(f"motif {name!r} has no hits")
    if len(hits) > MAX_MOTIF_NOTES:
        raise MotifError(f"motif {name!r} has {len(hits)} hits (at most {MAX_MOTIF_NOTES})")
    bar_steps = metre.beats * steps_per_beat
    if hits[-1][0] >= MAX_MOTIF_BARS * bar_steps:
        raise MotifError(f"motif {name!r} lasts more than {MAX_MOTIF_BARS} bars")
    return Motif(name, key, metre, steps_per_beat, (), (), hits)


# -- note lists ------------------------------------------------------------------------------
_NOTE = re.compile(r"^([A-Ga-g])([#b]*)(-?\d)$")
_DEGREE = re.compile(r"^\^([#b]*)(\d+)([+-]*)$")
_DURATION = re.compile(r"^(\d+)(?:/(\d+))?(\.*)$")
REST_WORDS = ("r", "rest", "-")
DEFAULT_VELOCITY = 0.8


def parse_key(text: str) -> Key:
    """``"D major"``, ``"f# minor"``, ``"Bb dorian"`` (a tonic and a mode from MODES)."""
    parts = text.split()
    if len(parts) != 2 or parts[1].lower() not in MODES:
        raise MotifError(
            f"{text!r} is not a key: write a tonic and a mode, e.g. 'D major' or 'A minor'"
        )
    try:
        root = pitch_class(parts[0])
    except ValueError as exc:
        raise MotifError(str(exc)) from None
    return Key(root, parts[1].lower())


def parse_duration(text: str) -> Fraction:
    """A duration as a fraction of a whole note: ``1/4``, ``3/8``, ``1/8.`` (dotted), ``1``,
    ``1/12`` (a triplet eighth)."""
    match = _DURATION.match(text)
    if match is None or int(match[1]) == 0 or (match[2] is not None and int(match[2]) == 0):
        raise MotifError(
            f"{text!r} is not a duration: write a fraction of a whole note like 1/4, 3/8, "
            "1/8. (dotted) or 1/12 (a triplet eighth)"
        )
    value = Fraction(int(match[1]), int(match[2] or 1))
    dotted, add = value, value
    for _ in match[3]:
        add /= 2
        dotted += add
    return dotted


def parse_pitch(text: str, key: Key, octave: int) -> int | None:
    """A MIDI pitch from a note name with octave (``F#4``, ``Bb3``) or a scale degree of
    ``key`` (``^1`` the tonic in ``octave``, ``^5`` the fifth above it, ``^b3`` lowered,
    ``^5-`` an octave down, ``^2+`` an octave up); None for a rest."""
    if text.lower() in REST_WORDS:
        return None
    note = _NOTE.match(text)
    if note is not None:
        pc = pitch_class(note[1] + note[2])
        natural = pitch_class(note[1])
        shift = sum(1 if a == "#" else -1 for a in note[2])
        pitch = 12 * (int(note[3]) + 1) + natural + shift
        assert pitch % 12 == pc
        return pitch
    degree = _DEGREE.match(text)
    if degree is not None and int(degree[2]) >= 1:
        scale = key.scale
        shift = sum(1 if a == "#" else -1 for a in degree[1])
        octaves = degree[3].count("+") - degree[3].count("-")
        return scale.degree_pitch(int(degree[2]), octave + octaves) + shift
    raise MotifError(
        f"{text!r} is not a note: write a name with octave (D4, F#4, Bb3), a scale degree "
        "(^1, ^5, ^b3, ^5- an octave down) or r for a rest"
    )


def parse_note_list(
    name: str,
    items: Sequence[str],
    key: Key,
    metre: Metre,
    steps_per_beat: int,
    octave: int = TONIC_OCTAVE,
) -> Motif:
    """A motif from note-list items, each ``PITCH [DURATION]`` (the duration defaults to the
    previous item's, at first a quarter) or ``|`` for a bar line, which checks that the bar
    before it is full. Errors name the item and the character inside it."""
    whole_steps = steps_per_beat * metre.unit  # grid steps in a whole note
    bar_steps = metre.beats * steps_per_beat
    notes: list[tuple[int, int, int, float]] = []
    time, duration = 0, Fraction(1, 4)
    for i, raw in enumerate(items):
        words = raw.split()
        if words == ["|"]:
            if time % bar_steps:
                beats = Fraction(time % bar_steps, steps_per_beat)
                raise MotifError(
                    f"the bar before this bar line lasts {beats} beats of {metre}, "
                    f"not {metre.beats}",
                    i,
                )
            continue
        if not 1 <= len(words) <= 2:
            raise MotifError(f"{raw!r} is not a note: write PITCH DURATION, e.g. 'D4 1/4'", i)
        try:
            pitch = parse_pitch(words[0], key, octave)
        except MotifError as exc:
            raise MotifError(exc.message, i, raw.find(words[0])) from None
        if len(words) == 2:
            column = raw.find(words[1], len(words[0]))
            try:
                duration = parse_duration(words[1])
            except MotifError as exc:
                raise MotifError(exc.message, i, column) from None
            steps = duration * whole_steps
            if steps.denominator != 1:
                grid = Fraction(1, whole_steps)
                raise MotifError(
                    f"{words[1]} does not fall on the motif's grid of {grid} notes: set the "
                    "motif's 'grid' finer (e.g. 1/16, or 1/12 for triplets)",
                    i,
                    column,
                )
        steps = duration * whole_steps
        if pitch is not None:
            if not 0 <= pitch <= 127:
                raise MotifError(f"{words[0]} is outside MIDI's range 0..127", i)
            notes.append((time, int(steps), pitch, DEFAULT_VELOCITY))
        time += int(steps)
        if len(notes) > MAX_MOTIF_NOTES:
            raise MotifError(f"more than {MAX_MOTIF_NOTES} notes", i)
    if not notes:
        raise MotifError(f"motif {name!r} has no notes")
    return from_pitches(name, notes, key, metre, steps_per_beat)


def grid_steps(grid: Fraction, metre: Metre) -> int:
    """Steps per beat for a grid given as a note value (1/16 in 4/4 is 4 steps a beat)."""
    per_beat = Fraction(1, metre.unit) / grid
    if per_beat.denominator != 1 or int(per_beat) not in GRIDS:
        allowed = ", ".join(str(Fraction(1, metre.unit * g)) for g in GRIDS)
        raise MotifError(f"grid {grid} does not divide a beat of {metre}; use one of {allowed}")
    return int(per_beat)
