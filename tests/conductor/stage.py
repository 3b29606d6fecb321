"""A conductor driven the way the engine drives it, without audio: messages go through a
router into commands, and each buffer's actions are performed on a test's performer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from engine.conductor.conductor import Conductor
from engine.conductor.performer import Observer, Performer, perform
from engine.score.catalog import Catalog
from engine.score.model import Score
from engine.state.router import Router


class Stage:
    def __init__(
        self,
        score: Score,
        catalog: Catalog,
        performer: Performer,
        *,
        sr: int,
        buffersize: int,
        seed: int,
        observer: Observer | None = None,
    ) -> None:
        self.conductor = Conductor(
            score, catalog, sr=sr, buffersize=buffersize, seed=seed, observer=observer
        )
        self.router = Router(score)
        self.performer = performer

    def handle(self, address: str, args: Sequence[object], sample: int) -> None:
        for command in self.router.route(address, list(args), sample / self.conductor.sr):
            self.conductor.apply(command, sample)

    def step(self, start: int, frames: int) -> None:
        self.conductor.step(start, frames)
        perform(self.conductor.drain(), self.performer)

    def dropped(self) -> Counter[str]:
        return self.router.dropped + self.conductor.refused
