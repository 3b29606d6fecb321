"""Every note the engine played, written as a Standard MIDI File for a DAW.

A :class:`MidiRecorder` reads the conductor's actions (:meth:`MidiRecorder.take`: the notes,
stamped with the sample they start at) and its reports (:meth:`MidiRecorder.observe`: the beats
with their tempo, and the keys), and
:meth:`MidiRecorder.write` places each note on the beat grid those beats draw. So the file has
one track per layer (its General MIDI program where the instrument suggests one, drums on
channel 10), stingers on a track of their own, the tempo of every bar, the time signature and
a key signature for every key or mode the music moved through; its onsets lie within a
millisecond of the audio's.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from engine import defaults
from engine.events import Action, NoteEvent, Play
from engine.music.midifile import DRUM_CHANNEL, Part, key_signature, write_song
from engine.music.motifs import Metre
from engine.score.model import Score

#: General MIDI programs (0-based) for the engine's instruments, so a DAW opens the file with
#: sounds near the engine's; the noise textures and stems have no notes.
GM_PROGRAMS = {
    "keys": 4,  # electric piano 1
    "pad": 89,  # pad 2 (warm)
    "pluck": 46,  # orchestral harp
    "bass": 38,  # synth bass 1
    "drone": 49,  # string ensemble 2
    "bell": 14,  # tubular bells
    "sampler": 0,  # acoustic grand, unless the preset says bank/program
}
#: The drums generator's voices as General MIDI percussion keys.
GM_DRUMS = {"kick": 36, "snare": 38, "hat": 42, "openhat": 46, "shaker": 82}
STINGERS = "stingers"


@dataclass
class MidiRecorder:
    """Collects what a conductor reports (pass :meth:`observe` as its observer)."""

    score: Score
    sr: int
    beats: list[tuple[int, float]] = field(default_factory=list)  # (sample, bpm)
    keys: list[tuple[int, str]] = field(default_factory=list)  # (sample, key signature)
    notes: list[tuple[int, str, NoteEvent]] = field(default_factory=list)
    limit: int = defaults.MAX_RECORDED_MIDI_EVENTS
    #: Notes reported after the recording was full (the file holds the session up to there).
    dropped: int = 0

    def full(self) -> bool:
        return len(self.notes) + len(self.beats) + len(self.keys) >= self.limit

    def take(self, actions: list[Action]) -> None:
        """Keep the notes of one buffer's actions (pass as an engine listener)."""
        for action in actions:
            if isinstance(action, Play):
                if self.full():
                    self.dropped += 1
                else:
                    self.notes.append((action.sample, action.channel, action.note))

    def observe(self, sample: int, kind: str, detail: dict[str, object]) -> None:
        """Keep the beats and keys the conductor reports (pass as its observer)."""
        if self.full():
            return
        if kind == "beat":
            bpm = detail["bpm"]
            assert isinstance(bpm, int | float)
            self.beats.append((sample, float(bpm)))
        elif kind == "key":
            root, mode = detail["root"], detail["mode"]
            assert isinstance(root, int) and isinstance(mode, str)
            self.keys.append((sample, key_signature(root, mode)))

    # -- time ---------------------------------------------------------------------------------
    def beat_at(self, sample: float) -> float:
        """Where ``sample`` lies in beats since the start, on the grid of the beats reported
        (each beat's tempo holds until the next; before the first and after the last, theirs)."""
        if not self.beats:
            return sample * 120.0 / (60.0 * self.sr)
        samples = [s for s, _ in self.beats]
        i = max(0, bisect.bisect_right(samples, sample) - 1)
        start, bpm = self.beats[i]
        return i + (sample - start) * bpm / (60.0 * self.sr)

    def write(self, path: str | Path) -> list[Part]:
        """Write the file; returns its tracks of notes. Raises OSError if it cannot."""
        meter = self.score.meter
        quarters = 4.0 / meter.unit  # quarter notes per beat

        def q(sample: float) -> float:
            return self.beat_at(sample) * quarters

        tempos = [(q(s), bpm * quarters) for s, bpm in self.beats] or [(0.0, 120.0)]
        keys = [(q(s), k) for s, k in self.keys]
        parts = self._parts(q)
        write_song(path, Metre(meter.beats, meter.unit), tempos, keys, parts)
        return parts

    def _parts(self, q: Callable[[float], float]) -> list[Part]:
        by_channel: dict[str, list[tuple[float, float, int, int]]] = {}
        for sample, source, event in self.notes:
            track = STINGERS if source.startswith("stinger:") else source
            pitch = GM_DRUMS.get(event.voice, 0) if event.voice else round(event.pitch)
            velocity = max(1, min(127, round(event.velocity * 127)))
            end = sample + event.duration * self.sr
            by_channel.setdefault(track, []).append((q(sample), q(end), pitch, velocity))
        parts, free = [], iter(c for c in range(1, 100) if c != DRUM_CHANNEL)
        for name in [*self.score.layers, STINGERS]:
            notes = by_channel.get(name)
            channel: int
            if not notes:
                continue
            layer = self.score.layers.get(name)
            instrument = layer.instrument if layer is not None else ""
            if instrument == "drums":
                channel, program = DRUM_CHANNEL, None
            else:
                channel = (next(free) - 1) % 16 + 1
                program = self._program(name, instrument)
            parts.append(Part(name, channel, program, notes))
        return parts

    def _program(self, name: str, instrument: str) -> int | None:
        layer = self.score.layers.get(name)
        source = layer.source if layer is not None else None
        if source is not None and source.preset and "/" in source.preset:
            program = source.preset.split("/")[1]
            if program.isdigit() and int(program) < 128:
                return int(program)
        return GM_PROGRAMS.get(instrument, 0)
