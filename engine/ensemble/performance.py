"""A performance for many listeners in one process: the coordinator and its listener engines.

The coordinator owns what every listener shares and hands each message on, stamped with the
sample it applies at: ``/state/…``, ``/scene``, ``/event``, ``/tempo``, ``/key`` and the rest
reach every listener; ``/listener/ID/…`` reaches one (engine/ensemble/addresses.py). Because
every listener engine plays the same score on the same buffer grid and decides its form (tempo,
scene landings, key, mode) only from what was sent to all, every bar line and scene change falls
on the same sample for all of them, while each plays its own notes (its own seed) and its own
mix (its own inputs). Engines render a buffer each in turn (:meth:`step`); ``soundscape serve``
paces that to the wall clock (engine/ensemble/serve.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

from engine import defaults
from engine.ensemble.addresses import (
    check_listener_id,
    default_ids,
    listener_seed,
    seed_of,
    split_listener,
)
from engine.ensemble.listener import ListenerEngine, Stamped
from engine.score.assets import load_assets
from engine.score.model import Score


class Performance:
    def __init__(
        self,
        score: Score,
        listeners: int | Iterable[str] = defaults.SERVE_LISTENERS,
        *,
        seed: int | None = None,
        sr: int = 48000,
        buffersize: int = 256,
        spatial: str = defaults.SPATIAL_MODE,
    ) -> None:
        """``listeners``: how many (ids ``1`` … ``N``) or their ids. The score's sound files are
        read once for all of them."""
        ids = default_ids(listeners) if isinstance(listeners, int) else list(listeners)
        if not 1 <= len(ids) <= defaults.SERVE_LISTENERS_MAX:
            raise ValueError(
                f"listeners: {len(ids)}: one performance takes 1 to "
                f"{defaults.SERVE_LISTENERS_MAX} (spread more over machines with --ray)"
            )
        if len(set(ids)) != len(ids):
            raise ValueError("listeners: each id once")
        for listener_id in ids:
            check_listener_id(listener_id)
        self.score = score
        self.seed = score.seed if seed is None else seed
        self.sr, self.buffersize = sr, buffersize
        assets = load_assets(score, sr)
        self.listeners: dict[str, ListenerEngine] = {}
        try:
            for listener_id in ids:
                self.listeners[listener_id] = ListenerEngine(
                    score,
                    listener_id,
                    performance_seed=self.seed,
                    sr=sr,
                    buffersize=buffersize,
                    assets=assets,
                    spatial=spatial,
                )
        except BaseException:
            self.close()
            raise
        self.sample = 0  # the first sample of the next buffer
        #: Messages the coordinator refused before any listener saw them, by reason.
        self.dropped: Counter[str] = Counter()

    @property
    def ids(self) -> list[str]:
        return list(self.listeners)

    def send(self, address: str, *args: object) -> bool:
        """Hand one message on, applied before the next buffer: to one listener
        (``/listener/ID/…``) or to all. False, counted, for an unknown listener."""
        listener_id, address = split_listener(address)
        if listener_id is None:
            if address == "/seed":  # a new performance seed: every listener its own from it
                return self._reseed(args)
            for listener in self.listeners.values():
                listener.post(Stamped(self.sample, address, args, personal=False))
            return True
        one = self.listeners.get(listener_id)
        if one is None:
            self.dropped["unknown_listener"] += 1
            return False
        return one.post(Stamped(self.sample, address, args, personal=True))

    def _reseed(self, args: tuple[object, ...]) -> bool:
        value = seed_of(args)
        if value is None:
            self.dropped["bad_seed"] += 1
            return False
        self.seed = value
        for listener in self.listeners.values():
            seed = listener_seed(value, listener.id)
            listener.post(Stamped(self.sample, "/seed", (seed,), personal=True))
        return True

    def step(self) -> dict[str, np.ndarray]:
        """One buffer of every listener's own mix, by id: ``(frames, 2)`` float32 each."""
        out = {listener_id: listener.render() for listener_id, listener in self.listeners.items()}
        self.sample += self.buffersize
        return out

    def refused(self) -> Counter[str]:
        """Everything refused so far: by the coordinator and, summed, by every listener."""
        total = Counter(self.dropped)
        for listener in self.listeners.values():
            total.update(listener.refused())
        return total

    def close(self) -> None:
        for listener in self.listeners.values():
            listener.close()
        self.listeners.clear()

    def __enter__(self) -> Performance:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
