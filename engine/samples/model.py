"""Sampled instruments as data: mono sample buffers and the zones that map notes onto them.

A :class:`SampleSet` is what one sampler layer plays from, whatever it was read from (a SoundFont
preset or a folder of recordings): every buffer is mono, float32 and at the
engine's sample rate, and every zone says which notes and velocities it answers, the pitch the
buffer sounds at unchanged, its loop, its gain and its volume envelope. The sampler in
``engine.dsp`` only reads this; choosing a zone for a note is pure logic and lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

#: A zone plays once to its end ("none"), loops while it sounds ("loop"), or loops until the
#: note is released and then plays on to its end ("release", SoundFont loop mode 3).
LOOP_MODES = ("none", "loop", "release")

#: Buffers are float32: exact for 16- and 24-bit recordings, and half the memory of the float64
#: tables pyo64 copies them into when an instrument is built (the copy the sound is played from;
#: this one stays for rebuilding an instrument). Memory is counted as those tables' size.
Audio = npt.NDArray[np.float32]
#: Bytes a sample takes in a pyo64 table (a double).
TABLE_BYTES = 8


@dataclass(frozen=True)
class VolumeEnvelope:
    """A zone's amplitude envelope: times in seconds, ``sustain`` a 0..1 amplitude factor."""

    delay: float = 0.0
    attack: float = 0.0
    hold: float = 0.0
    decay: float = 0.0
    sustain: float = 1.0
    release: float = 0.1


@dataclass(frozen=True)
class Zone:
    """One sample mapped onto a range of keys and velocities (MIDI numbers, both inclusive).

    ``root`` is the MIDI pitch the sample sounds at when played at its own rate, tuning folded
    in (so a sample a quarter-tone sharp of C4 has root 60.5). ``loop`` is (start, end) in
    samples of the buffer, end exclusive, or None. ``gain`` is linear, attenuation folded in.
    Zones with the same ``keys`` and ``velocities`` are round-robin alternatives.
    """

    sample: int
    keys: tuple[int, int]
    velocities: tuple[int, int]
    root: float
    loop: tuple[int, int] | None = None
    loop_mode: str = "none"
    gain: float = 1.0
    envelope: VolumeEnvelope = VolumeEnvelope()


@dataclass(frozen=True, eq=False)
class SampleSet:
    """The buffers and zones one sampler layer plays from, at sample rate ``sr``."""

    name: str
    sr: int
    samples: tuple[Audio, ...]
    zones: tuple[Zone, ...]
    #: zones_for's search, per (pitch, velocity): the groups of round-robin alternatives.
    _groups: dict[tuple[int, int], tuple[tuple[Zone, ...], ...]] = field(
        default_factory=dict, init=False, repr=False
    )

    @property
    def nbytes(self) -> int:
        """Memory the buffers take in pyo's tables (doubles); the float32 copies here take half."""
        return sum(TABLE_BYTES * int(buffer.size) for buffer in self.samples)

    def zones_for(self, pitch: int, velocity: int, turn: int = 0) -> list[Zone]:
        """The zones that sound for MIDI ``pitch`` at MIDI ``velocity`` (1..127).

        Every zone whose ranges hold the note sounds (a SoundFont may layer several); of
        round-robin alternatives (same ranges) only the one ``turn`` picks. A note outside every
        key range takes the nearest zone(s) by key at that velocity, so no note is silent.
        The search runs once per pitch and velocity (at most 128 x 127 entries): a note starts
        on the audio thread, and a preset has hundreds of zones.
        """
        groups = self._groups.get((pitch, velocity))
        if groups is None:
            groups = self._groups[(pitch, velocity)] = self._search(pitch, velocity)
        return [alternatives[turn % len(alternatives)] for alternatives in groups]

    def _search(self, pitch: int, velocity: int) -> tuple[tuple[Zone, ...], ...]:
        hits = [
            z
            for z in self.zones
            if z.keys[0] <= pitch <= z.keys[1] and z.velocities[0] <= velocity <= z.velocities[1]
        ]
        if not hits:
            by_velocity = [
                z for z in self.zones if z.velocities[0] <= velocity <= z.velocities[1]
            ] or list(self.zones)
            if not by_velocity:
                return ()
            distance = [_key_distance(z, pitch) for z in by_velocity]
            nearest = min(distance)
            hits = [z for z, d in zip(by_velocity, distance, strict=True) if d == nearest]
        groups: dict[tuple[tuple[int, int], tuple[int, int]], list[Zone]] = {}
        for zone in hits:
            groups.setdefault((zone.keys, zone.velocities), []).append(zone)
        return tuple(tuple(alternatives) for alternatives in groups.values())


def _key_distance(zone: Zone, pitch: int) -> int:
    low, high = zone.keys
    return low - pitch if pitch < low else pitch - high
