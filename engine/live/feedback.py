"""Feedback to games: beats, scene changes, stingers and layer levels, sent over OSC.

The conductor reports what it schedules (an observer call stamped with the sample where it
sounds). Those reports can lie ahead of the buffer being computed (a stinger quantized to the next
beat), so they wait here until the engine computes the buffer holding their sample: a game gets
``/engine/beat`` when that beat's audio leaves the engine, not when it was planned.

Messages (docs/osc.md): ``/engine/beat i bar, i beat, f tempo``, ``/engine/scene s name``,
``/engine/stinger s name``, ``/engine/levels s layer f gain ...``.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable, Mapping

from engine import defaults
from engine.osc.sender import Destination, OscSender


class Feedback:
    def __init__(
        self,
        *,
        sr: int,
        buffersize: int,
        levels: Callable[[], Mapping[str, float]] | None = None,
        sender: OscSender | None = None,
    ) -> None:
        self.subscribers: dict[Destination, None] = {}  # ordered set
        self.sender = sender or OscSender()
        self.levels = levels
        self.levels_every = max(1, round(defaults.LEVELS_PERIOD * sr / buffersize))
        self.scene = ""
        #: When on (a deque), scene changes and stingers as they sound: (sample, address, args),
        #: for the --record-osc log (a request's time is not when it lands).
        self.landed: deque[tuple[int, str, tuple[object, ...]]] | None = None
        self._countdown = self.levels_every
        self._pending: list[tuple[int, int, str, tuple[object, ...]]] = []
        self._order = itertools.count()

    # -- subscribers --------------------------------------------------------------------------
    def subscribe(self, destination: Destination) -> bool:
        if (
            destination not in self.subscribers
            and len(self.subscribers) >= defaults.MAX_SUBSCRIBERS
        ):
            return False
        self.subscribers[destination] = None
        if self.scene:  # a new listener learns where the music is at once
            self.sender.send((destination,), "/engine/scene", (self.scene,))
        return True

    def unsubscribe(self, destination: Destination) -> bool:
        return self.subscribers.pop(destination, False) is None

    # -- the conductor's observer -----------------------------------------------------------
    def observe(self, sample: int, kind: str, detail: Mapping[str, object]) -> None:
        if kind == "beat":
            message = ("/engine/beat", (detail["bar"], detail["beat"], float(detail["bpm"])))
        elif kind == "scene":
            message = ("/engine/scene", (detail["scene"],))
        elif kind == "stinger":
            message = ("/engine/stinger", (detail["stinger"],))
        else:
            return
        heapq.heappush(self._pending, (sample, next(self._order), *message))

    # -- once per buffer --------------------------------------------------------------------
    def release(self, end: int) -> None:
        """Send what sounds before sample ``end`` (the end of the buffer just prepared)."""
        pending = self._pending
        while pending and pending[0][0] < end:
            sample, _, address, args = heapq.heappop(pending)
            if address == "/engine/scene":
                self.scene = str(args[0])
            if self.landed is not None and address != "/engine/beat":
                self.landed.append((sample, address, args))
            if self.subscribers:
                self.sender.send(self.subscribers, address, args)
        self._countdown -= 1
        if self._countdown <= 0:
            self._countdown = self.levels_every
            if self.subscribers and self.levels is not None:
                args: list[object] = []
                for name, level in self.levels().items():
                    args += [name, float(level)]
                self.sender.send(self.subscribers, "/engine/levels", args)

    def close(self) -> None:
        self.sender.close()
