"""Note generators: one bar of notes at a time from a seeded, stateful generator.

``make_generator(kind, options, seed)`` builds any generator named in :data:`GENERATORS`;
each is asked ``bar(ctx)`` once per bar with a :class:`BarContext` and may be changed with
``mutate(operator, rng)`` (see :mod:`engine.music.mutation`).
"""

from engine.music.generators.context import BarContext, NoteGenerator
from engine.music.generators.registry import GENERATORS, make_generator

__all__ = ["GENERATORS", "BarContext", "NoteGenerator", "make_generator"]
