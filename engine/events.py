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


# -- what the conductor decides, as data -------------------------------------------------------
# Each buffer the conductor gives out a list of these, in order (SuperCollider's Score is the
# model: one timed list, played live or written out). The orchestra applies them
# (engine.conductor.performer.perform); the MIDI writer, recorders, benchmarks and tests read
# the same list. Channels are layer names, and ``stinger:<name>`` for stingers.


@dataclass(frozen=True, slots=True)
class Play:
    """Start a note on ``channel``; ``sample`` is where it starts (the buffer's start plus the
    note's offset)."""

    channel: str
    note: NoteEvent
    sample: int


@dataclass(frozen=True, slots=True)
class PlayStem:
    """One bar of a recorded stem on ``channel`` (see :class:`StemEvent`)."""

    channel: str
    bar: StemEvent
    sample: int


@dataclass(frozen=True, slots=True)
class Expect:
    """``count`` notes start on ``channel`` in the next buffer: voices may be woken now."""

    channel: str
    count: int


@dataclass(frozen=True, slots=True)
class SetParam:
    """An instrument parameter of ``channel`` moves to ``value`` (ramped on the sound side)."""

    channel: str
    name: str
    value: float


@dataclass(frozen=True, slots=True)
class SetMix:
    """A channel's gain (dB), pan and reverb send."""

    channel: str
    gain_db: float
    pan: float
    reverb: float


@dataclass(frozen=True, slots=True)
class Fade:
    """A channel's fader moves to ``level`` (0..1) over ``seconds``."""

    channel: str
    level: float
    seconds: float


@dataclass(frozen=True, slots=True)
class Duck:
    """A channel is ducked to ``db`` (0: released) over ``seconds``."""

    channel: str
    db: float
    seconds: float


@dataclass(frozen=True, slots=True)
class Suspend:
    """A channel stops computing (it is silent and costs nothing)."""

    channel: str


@dataclass(frozen=True, slots=True)
class Retire:
    """A channel leaves for good: its layer is gone from a reloaded score (it was faded out and
    suspended first). No action names it afterwards."""

    channel: str


@dataclass(frozen=True, slots=True)
class Resume:
    """A suspended channel computes again."""

    channel: str


@dataclass(frozen=True, slots=True)
class SetDynamics:
    """The master bus's deliberate loudness offset, in dB."""

    db: float


@dataclass(frozen=True, slots=True)
class SetPosition:
    """Where a placed channel sounds relative to the listener's head (the head's turn already
    applied): azimuth in degrees, -180..180, positive to the right; elevation in degrees,
    -90..90, positive up; distance in metres. The sound side ramps to it."""

    channel: str
    azimuth: float
    elevation: float
    distance: float


Action = (
    Play
    | PlayStem
    | Expect
    | SetParam
    | SetMix
    | Fade
    | Duck
    | Suspend
    | Resume
    | SetDynamics
    | Retire
    | SetPosition
)
"""Anything the conductor gives out."""
