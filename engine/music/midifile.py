"""Standard MIDI files in, through mido (docs/learning.md says why mido).

:func:`read_notes` turns a file into grid-quantised notes of one metre, with the key its key
signature names, for :func:`engine.music.motifs.from_pitches`. Everything a file controls is
bounded: its size, its note count, and its time signatures (all must be the score's metre).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import mido

from engine.defaults import MAX_MIDI_BYTES, MAX_MOTIF_NOTES
from engine.music.motifs import Key, Metre, MotifError, parse_key

DRUM_CHANNEL = 10
"""General MIDI's percussion channel (1-based)."""

#: What mido raises on a damaged file (it parses bytes with plain Python, so several kinds).
_CORRUPT = (OSError, EOFError, ValueError, KeyError, IndexError, TypeError)


@dataclass(frozen=True)
class MidiNotes:
    """Notes read from a file: ``(onset, length, pitch, velocity)`` in grid steps, and the key
    its first key signature names (None when it has none)."""

    notes: list[tuple[int, int, int, float]]
    key: Key | None


def read_notes(
    path: str | Path,
    metre: Metre,
    steps_per_beat: int,
    track: str | int | None = None,
    channel: int | None = None,
) -> MidiNotes:
    """The notes of ``path`` quantised to ``steps_per_beat`` steps per beat of ``metre``.

    ``track`` picks a track by name or 0-based index (default: all), ``channel`` a 1-based
    channel (default: every channel but the drums' 10). Time 0 is taken as a bar line.
    Raises MotifError naming the file for a missing, oversized or damaged file, a time
    signature other than ``metre``, or a selection with no notes.
    """
    path = Path(path)
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise MotifError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if size > MAX_MIDI_BYTES:
        raise MotifError(f"{path}: {size} bytes, more than the {MAX_MIDI_BYTES} a motif may have")
    try:
        midi = mido.MidiFile(path, clip=True)
    except _CORRUPT as exc:
        why = str(exc) or type(exc).__name__
        raise MotifError(f"{path}: not a readable MIDI file ({why})") from None
    if midi.type == 2:
        raise MotifError(f"{path}: a type 2 MIDI file (independent patterns) is not supported")
    tracks = _pick_tracks(midi, path, track)
    # quarter notes per engine beat: a beat is a 1/unit note
    steps_per_tick = Fraction(steps_per_beat * metre.unit, 4 * midi.ticks_per_beat)
    notes: list[tuple[int, int, int, float]] = []
    key: Key | None = None
    for index in range(len(midi.tracks)):
        tick = 0
        sounding: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for message in midi.tracks[index]:
            tick += message.time
            if message.type == "time_signature":
                if (message.numerator, message.denominator) != (metre.beats, metre.unit):
                    beat = float(Fraction(tick, midi.ticks_per_beat))
                    raise MotifError(
                        f"{path}: time signature {message.numerator}/{message.denominator} at "
                        f"quarter {beat:g}, but the score's meter is {metre}"
                    )
            elif message.type == "key_signature" and key is None:
                key = _key(message.key)
            if index not in tracks or not message.type.startswith("note_"):
                continue
            if channel is not None and message.channel + 1 != channel:
                continue
            if channel is None and message.channel + 1 == DRUM_CHANNEL:
                continue
            voice = (message.channel, message.note)
            if message.type == "note_on" and message.velocity > 0:
                sounding.setdefault(voice, []).append((tick, message.velocity))
                continue
            started = sounding.get(voice)
            if not started:
                continue  # a note-off with no note-on: ignore it
            start, velocity = started.pop(0)
            onset = round(start * steps_per_tick)
            end = round(tick * steps_per_tick)
            notes.append((onset, max(1, end - onset), message.note, velocity / 127.0))
            if len(notes) > MAX_MOTIF_NOTES:
                raise MotifError(f"{path}: more than {MAX_MOTIF_NOTES} notes")
    if not notes:
        where = "" if track is None else f" in track {track!r}"
        where += "" if channel is None else f" on channel {channel}"
        raise MotifError(f"{path}: no notes{where}")
    return MidiNotes(notes, key)


def _pick_tracks(midi: mido.MidiFile, path: Path, track: str | int | None) -> set[int]:
    if track is None:
        return set(range(len(midi.tracks)))
    if isinstance(track, int):
        if not 0 <= track < len(midi.tracks):
            raise MotifError(f"{path}: has tracks 0..{len(midi.tracks) - 1}, not {track}")
        return {track}
    named = {i for i, t in enumerate(midi.tracks) if t.name == track}
    if not named:
        names = ", ".join(repr(t.name) for t in midi.tracks if t.name) or "none"
        raise MotifError(f"{path}: no track named {track!r} (named tracks: {names})")
    return named


def _key(text: str) -> Key | None:
    """A mido key signature (``"D"``, ``"F#m"``, ``"Bb"``) as a Key."""
    minor = text.endswith("m")
    try:
        return parse_key(f"{text[:-1] if minor else text} {'minor' if minor else 'major'}")
    except MotifError:
        return None
