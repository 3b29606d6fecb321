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


# -- issue 14: the listener's body (engine/state/bus.py, docs/listener.md) ---------------------
@dataclass(frozen=True, slots=True)
class SetBaseline:
    bpm: float | None  # the listener's resting heart rate; None learns it again from now


Command = SetInput | ChangeScene | FireEvent | OverrideTempo | Reseed | SetBaseline
