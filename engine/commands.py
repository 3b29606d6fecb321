"""What a message asks the engine to do, as plain data.

OSC packets and timeline lines both become commands through :class:`engine.state.router.Router`,
so the live engine and the offline render share one path.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SetInput:
    name: str
    value: float


@dataclass(frozen=True, slots=True)
class ChangeScene:
    scene: str


@dataclass(frozen=True, slots=True)
class FireEvent:
    name: str
    intensity: float = 1.0


@dataclass(frozen=True, slots=True)
class OverrideTempo:
    bpm: float | None  # None hands tempo back to the score


@dataclass(frozen=True, slots=True)
class Reseed:
    seed: int


# -- Key and mode on demand (issue 14, item 8: /key, /mode) ------------------------------------
@dataclass(frozen=True, slots=True)
class SetKey:
    root: int | None  # a pitch class 0..11; None hands the key (root and mode) back to the score
    mode: str | None = None  # also set the mode; None keeps the mode as it is


@dataclass(frozen=True, slots=True)
class SetMode:
    mode: str | None  # a mode name of engine.music.scales.MODES; None hands it back


# -- issue 14: the listener's body (engine/state/bus.py, docs/listener.md) ---------------------
@dataclass(frozen=True, slots=True)
class SetBaseline:
    bpm: float | None  # the listener's resting heart rate; None learns it again from now


# -- spatial placement and the listener's head (issue 14 item 5, docs/spatial.md) ------------------
@dataclass(frozen=True, slots=True)
class PlaceSource:
    """A placed layer or stinger moves (``channel``: a layer's name or ``stinger:NAME``), in the
    world: azimuth and elevation in degrees, distance in metres (finite; the conductor clamps)."""

    channel: str
    azimuth: float
    elevation: float
    distance: float


@dataclass(frozen=True, slots=True)
class OrientListener:
    """The listener's head turns: yaw (positive to the right), pitch (positive up) and roll
    (positive: right ear down), in degrees (finite)."""

    yaw: float
    pitch: float
    roll: float


Command = (
    SetInput
    | ChangeScene
    | FireEvent
    | OverrideTempo
    | Reseed
    | SetKey
    | SetMode
    | SetBaseline
    | PlaceSource
    | OrientListener
)
