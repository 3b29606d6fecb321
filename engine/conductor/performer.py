"""What the sound side does with the conductor's decisions.

The conductor gives out each buffer's decisions as data (:data:`engine.events.Action`);
:func:`perform` applies them, in order, to a :class:`Performer`.
``engine.dsp.orchestra.Orchestra`` is the real one; tests may use a recorder, or read the
actions themselves.

Channels are layer names, and ``stinger:<name>`` for stingers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from engine.events import (
    Action,
    Duck,
    Expect,
    Fade,
    NoteEvent,
    Play,
    PlayStem,
    Resume,
    Retire,
    SetDynamics,
    SetMix,
    SetParam,
    SetPosition,
    StemEvent,
    Suspend,
)


class Performer(Protocol):
    def note(self, channel: str, event: NoteEvent) -> None: ...
    def expect(self, channel: str, count: int) -> None:
        """``count`` notes will start on ``channel`` in the buffer after this one (a downbeat's
        chord): the sound side may get voices ready now, so that buffer has less to do."""

    def stem(self, channel: str, event: StemEvent) -> None: ...
    def set_param(self, channel: str, name: str, value: float) -> None: ...
    def set_mix(self, channel: str, gain_db: float, pan: float, reverb: float) -> None: ...
    def fade(self, channel: str, level: float, seconds: float) -> None: ...
    def duck(self, channel: str, db: float, seconds: float) -> None: ...
    def suspend(self, channel: str) -> None: ...
    def resume(self, channel: str) -> None: ...
    def set_dynamics(self, db: float) -> None: ...
    def retire(self, channel: str) -> None: ...
    def position(self, channel: str, azimuth: float, elevation: float, distance: float) -> None:
        """A placed channel's direction and distance from the listener's head (SetPosition)."""


class Observer(Protocol):
    """Musical happenings, stamped with the sample where they sound (beats, scenes, stingers)."""

    def __call__(self, sample: int, kind: str, detail: dict[str, object]) -> None: ...


def perform(actions: Iterable[Action], performer: Performer) -> None:
    """Apply ``actions`` to ``performer``, in order."""
    for action in actions:
        if isinstance(action, Play):
            performer.note(action.channel, action.note)
        elif isinstance(action, SetParam):
            performer.set_param(action.channel, action.name, action.value)
        elif isinstance(action, Expect):
            performer.expect(action.channel, action.count)
        elif isinstance(action, SetMix):
            performer.set_mix(action.channel, action.gain_db, action.pan, action.reverb)
        elif isinstance(action, PlayStem):
            performer.stem(action.channel, action.bar)
        elif isinstance(action, Fade):
            performer.fade(action.channel, action.level, action.seconds)
        elif isinstance(action, Duck):
            performer.duck(action.channel, action.db, action.seconds)
        elif isinstance(action, Suspend):
            performer.suspend(action.channel)
        elif isinstance(action, Resume):
            performer.resume(action.channel)
        elif isinstance(action, SetDynamics):
            performer.set_dynamics(action.db)
        elif isinstance(action, Retire):
            performer.retire(action.channel)
        elif isinstance(action, SetPosition):
            performer.position(action.channel, action.azimuth, action.elevation, action.distance)
