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
    drums_left_out = 0
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
                drums_left_out += 1
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
        hint = ""
        if drums_left_out:
            hint = " but drums on channel 10 (a drum motif says 'drums: true')"
        raise MotifError(f"{path}: no notes{where}{hint}")
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


# -- writing -----------------------------------------------------------------------------------
TICKS_PER_QUARTER = 960
"""Resolution of written files: a tick is 0.52 ms at 120 BPM, so onsets land within 0.3 ms."""

_MAJOR_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MINOR_NAMES = ("Cm", "C#m", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm")
_MINORISH = ("minor", "aeolian", "harmonic_minor", "melodic_minor", "minor_pentatonic", "blues")
#: Semitones from a diatonic mode's root up to the major key with the same notes.
_TO_MAJOR = {"ionian": 0, "major": 0, "dorian": -2, "phrygian": -4, "lydian": -5,
             "mixolydian": -7, "locrian": -11}  # fmt: skip


def key_signature(root: int, mode: str) -> str:
    """The key signature (mido's name) that writes ``mode`` on ``root`` with fewest accidentals:
    its own for major and minor kinds, the relative major's for the other church modes."""
    if mode in _MINORISH:
        return _MINOR_NAMES[root % 12]
    return _MAJOR_NAMES[(root + _TO_MAJOR.get(mode, 0)) % 12]


@dataclass(frozen=True)
class Part:
    """One track to write: its name, MIDI channel (1..16), GM program (None: none, e.g. drums)
    and notes as ``(start, end, pitch, velocity 1..127)`` in quarter notes."""

    name: str
    channel: int
    program: int | None
    notes: list[tuple[float, float, int, int]]


def write_song(
    path: str | Path,
    metre: Metre,
    tempos: list[tuple[float, float]],
    keys: list[tuple[float, str]],
    parts: list[Part],
) -> None:
    """A type 1 file: a conductor track (the time signature, ``tempos`` as ``(quarter, quarter
    notes per minute)`` and ``keys`` as ``(quarter, mido key name)``), then one track per part.
    Raises OSError when it cannot be written."""
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER)
    head: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [
        (0, 0, mido.MetaMessage("time_signature", numerator=metre.beats, denominator=metre.unit))
    ]
    last_tempo = None
    for at, qpm in tempos:
        tempo = mido.bpm2tempo(qpm)
        if tempo != last_tempo:
            head.append((_tick(at), 1, mido.MetaMessage("set_tempo", tempo=tempo)))
            last_tempo = tempo
    last_key = None
    for at, name in keys:
        if name != last_key:
            head.append((_tick(at), 2, mido.MetaMessage("key_signature", key=name)))
            last_key = name
    midi.tracks.append(_track("tempo", head))
    for part in parts:
        timed: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
        channel = part.channel - 1
        if part.program is not None:
            timed.append(
                (0, 0, mido.Message("program_change", program=part.program, channel=channel))
            )
        for start, end, pitch, velocity in part.notes:
            on, off = _tick(start), max(_tick(start) + 1, _tick(end))
            timed.append(
                (on, 2, mido.Message("note_on", note=pitch, velocity=velocity, channel=channel))
            )
            timed.append(
                (off, 1, mido.Message("note_off", note=pitch, velocity=0, channel=channel))
            )
        midi.tracks.append(_track(part.name, timed))
    midi.save(str(path))


def _tick(quarters: float) -> int:
    return max(0, round(quarters * TICKS_PER_QUARTER))


def _track(
    name: str, timed: list[tuple[int, int, mido.Message | mido.MetaMessage]]
) -> mido.MidiTrack:
    """Absolute-tick messages as a track (delta times; at one tick, note-offs before note-ons)."""
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=name, time=0))
    now = 0
    for tick, _, message in sorted(timed, key=lambda m: (m[0], m[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    return track
