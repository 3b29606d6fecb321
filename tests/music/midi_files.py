"""MIDI files the tests write with mido: notes in beats, a tempo, a time and a key signature."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import mido

Played = tuple[float, float, int, int]
"""(onset in quarter notes, length in quarter notes, pitch, velocity 1..127)."""


def track_of(
    notes: Sequence[Played], name: str = "", channel: int = 0, tpb: int = 480
) -> mido.MidiTrack:
    track = mido.MidiTrack()
    if name:
        track.append(mido.MetaMessage("track_name", name=name, time=0))
    events = []
    for onset, length, pitch, velocity in notes:
        events.append((round(onset * tpb), 1, pitch, velocity))
        events.append((round((onset + length) * tpb), 0, pitch, 0))
    now = 0
    for tick, on, pitch, velocity in sorted(events):
        kind = "note_on" if on else "note_off"
        track.append(
            mido.Message(kind, note=pitch, velocity=velocity, channel=channel, time=tick - now)
        )
        now = tick
    return track


def write_midi(
    path: Path,
    tracks: Sequence[mido.MidiTrack],
    time_signature: tuple[int, int] | None = (4, 4),
    key: str | None = "D",
    bpm: float = 100.0,
    tpb: int = 480,
) -> Path:
    """A type 1 file: a conductor track (tempo, time and key signature), then ``tracks``."""
    midi = mido.MidiFile(type=1, ticks_per_beat=tpb)
    head = mido.MidiTrack()
    head.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0))
    if time_signature is not None:
        num, den = time_signature
        head.append(mido.MetaMessage("time_signature", numerator=num, denominator=den, time=0))
    if key is not None:
        head.append(mido.MetaMessage("key_signature", key=key, time=0))
    midi.tracks.append(head)
    midi.tracks.extend(tracks)
    path.parent.mkdir(parents=True, exist_ok=True)
    midi.save(path)
    return path
