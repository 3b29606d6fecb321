"""The ``none`` generator: a layer that is pure texture (a sampled bed, a synth drone driven
elsewhere) still has a place in the score, and it plays no notes."""

from __future__ import annotations

import random
from typing import ClassVar

from engine.events import Note
from engine.music.generators.base import BaseGenerator
from engine.music.generators.context import BarContext
from engine.music.options import Option


class SilenceGenerator(BaseGenerator):
    """Returns no notes; every mutation is inapplicable."""

    KIND = "none"
    OPTIONS: ClassVar[dict[str, Option]] = {}

    def render(self, ctx: BarContext, density: float) -> list[Note]:
        return []

    def mutate(self, operator: str, rng: random.Random) -> bool:
        """Nothing to change, not even density."""
        return False
