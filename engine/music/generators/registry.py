"""The generator registry: score ``kind`` names to classes, and the one way to build them."""

from __future__ import annotations

from collections.abc import Mapping

from engine.music.generators.arpeggio import ArpeggioGenerator
from engine.music.generators.base import BaseGenerator
from engine.music.generators.bass import BassGenerator
from engine.music.generators.chords import ChordsGenerator
from engine.music.generators.context import NoteGenerator
from engine.music.generators.drone import DroneGenerator
from engine.music.generators.drums import DrumsGenerator
from engine.music.generators.harmonize import HarmonizeGenerator
from engine.music.generators.learned import LearnedGenerator
from engine.music.generators.learned_drums import LearnedDrumsGenerator
from engine.music.generators.melody import MelodyGenerator
from engine.music.generators.pulse import PulseGenerator
from engine.music.generators.silence import SilenceGenerator
from engine.music.generators.sparkle import SparkleGenerator
from engine.music.motifs import Motif

GENERATORS: dict[str, type[BaseGenerator]] = {
    cls.KIND: cls
    for cls in (
        ChordsGenerator,
        ArpeggioGenerator,
        MelodyGenerator,
        BassGenerator,
        DroneGenerator,
        DrumsGenerator,
        PulseGenerator,
        SparkleGenerator,
        SilenceGenerator,
        LearnedGenerator,
        HarmonizeGenerator,
        LearnedDrumsGenerator,
    )
}
"""Generator classes by the ``kind`` a score names; each lists its options in ``OPTIONS``."""


def make_generator(
    kind: str,
    options: Mapping[str, object],
    seed: int,
    motifs: Mapping[str, Motif] | None = None,
) -> NoteGenerator:
    """A generator of ``kind`` with defaults filled in and numbers clamped, seeded by ``seed``;
    ``motifs`` are the score's, for the generators that learn from them.

    Raises ValueError for an unknown kind or option name, or a value of the wrong type.
    """
    cls = GENERATORS.get(kind)
    if cls is None:
        known = ", ".join(sorted(GENERATORS))
        raise ValueError(f"unknown generator kind {kind!r}; known kinds: {known}")
    return cls(options, seed, motifs)
