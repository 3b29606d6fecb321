"""Handles on pyo's C-level streams, for switching them on and off one by one.

A PyoObject is a Python wrapper around one or more C objects (its streams, players and timers).
Switching those directly is much cheaper than ``PyoObject.play()`` and can address one voice of a
multi-voice object. The handles name a stream by its owner and position and never hold the C
object itself: pyo's ``Dummy.__del__`` decrements its streams' reference counts by hand when
something else holds them, and an extra reference held here ended in a double free (a segfault
when an instrument was dropped).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.dsp.pyolib import pyo

_KINDS = ("_base_players", "_time_objs", "_base_objs")


@dataclass(frozen=True, slots=True, eq=False)
class Stream:
    owner: pyo.PyoObject
    kind: str
    index: int

    def get(self) -> Any:
        """The C stream object (pyo has no types: it has ``play`` and ``stop``)."""
        return getattr(self.owner, self.kind)[self.index]

    def play(self) -> None:
        self.get().play()

    def stop(self) -> None:
        self.get().stop()


def c_object(obj: pyo.PyoObject) -> Any:
    """The C object behind a one-stream PyoObject, for calling its setters on the hot path.

    pyo's Python setters check their argument, store it and spread it over the streams as lists
    (~3-5 us each; a sampler note calls a dozen); the C setter (same name) takes the float in
    well under a microsecond. The wrapper's own copy of the value (``obj.mul`` and the like) is
    left behind: read values from the instrument's state, never back from pyo. Call it at each
    use and never keep the result (see the module docstring).
    """
    return obj._base_objs[0]


def streams(obj: pyo.PyoObject) -> list[Stream]:
    """Every C-level stream a PyoObject starts and stops: its players, timers and outputs."""
    return [
        Stream(obj, kind, i) for kind in _KINDS for i in range(len(getattr(obj, kind, None) or ()))
    ]


def reachable(roots: Iterable[pyo.PyoObject]) -> list[pyo.PyoObject]:
    """Every pyo object reachable from ``roots`` through object attributes (inputs, params,
    mul/add, internal faders), each once, in discovery order. Tables are left out: they have
    no play/stop."""
    seen: set[int] = set()
    found: list[pyo.PyoObject] = []
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, pyo.PyoTableObject):
            continue
        seen.add(id(obj))
        found.append(obj)
        for value in vars(obj).values():
            items = value if isinstance(value, list | tuple) else (value,)
            stack.extend(v for v in items if isinstance(v, pyo.PyoObjectBase))
    return found
