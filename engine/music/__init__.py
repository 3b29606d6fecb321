"""Pure, seeded musical logic: scales, harmony, rhythm, humanisation, generators, mutation.

Nothing here makes sound or reads the clock: the conductor hands generators a
:class:`~engine.music.generators.BarContext` per bar and turns the returned
:class:`~engine.events.Note` values into events. Same seed, same contexts, same notes.
"""

from engine.music.generators import GENERATORS, BarContext, NoteGenerator, make_generator
from engine.music.harmony import Chord, HarmonyTrack, ModeSelector, chord_on, voice_lead
from engine.music.humanize import Humanizer
from engine.music.mutation import OPERATORS
from engine.music.options import Option
from engine.music.scales import MODES, MODES_BY_BRIGHTNESS, Scale, pitch_class

__all__ = [
    "GENERATORS",
    "MODES",
    "MODES_BY_BRIGHTNESS",
    "OPERATORS",
    "BarContext",
    "Chord",
    "HarmonyTrack",
    "Humanizer",
    "ModeSelector",
    "NoteGenerator",
    "Option",
    "Scale",
    "chord_on",
    "make_generator",
    "pitch_class",
    "voice_lead",
]
