"""Plain data that crosses layer boundaries: notes from generators, and notes bound for instruments.

Generators (``engine.music``) speak in musical time: a :class:`Note` sits at a beat inside a bar.
The conductor turns each into a :class:`NoteEvent` in sample time, stamped with its offset inside
the audio buffer where it starts, and hands it to an instrument (``engine.dsp``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Note:
    """A note a generator wants played, in musical time.

    ``beat`` is the onset in beats from the start of the bar (0 <= beat < beats per bar),
    ``length`` the sounding length in beats, ``pitch`` a MIDI note number, ``velocity`` 0..1.
    ``voice`` names a drum for kit instruments ("kick", "snare", "hat", "openhat", "shaker");
    melodic instruments ignore it.
    """

    beat: float
    length: float
    pitch: int
    velocity: float
    voice: str = ""


@dataclass(frozen=True, slots=True)
class NoteEvent:
    """A note bound for an instrument, in sample time.

    ``offset`` is the sample index inside the next audio buffer where the note starts
    (0 <= offset < buffer size); ``duration`` is the sounding length in seconds.
    """

    offset: int
    pitch: float
    velocity: float
    duration: float
    voice: str = ""


@dataclass(frozen=True, slots=True)
class StemEvent:
    """One bar of a recorded stem, bound for a stem instrument, in sample time.

    The conductor decides it once per bar and hands it over ``preroll`` seconds before the bar
    line, at ``offset`` samples into the next buffer: from the bar line on, play the stem from
    ``position`` seconds into its file, moving through it at ``rate`` file-seconds per second
    (engine tempo / stem tempo), for ``duration`` seconds (the bar's length at the engine's
    tempo). The preroll lets the instrument read what leads into the bar (grains in flight, the
    crossfade) before it. Every bar re-anchors the position, so nothing drifts.
    """

    offset: int
    preroll: float
    position: float
    rate: float
    duration: float
