"""Render an instrument offline into a numpy array, for tests.

Boots a manual-mode pyo server (the engine's offline settings), seeds it, builds one instrument,
records its ``output`` with ``TableRec`` and drives it buffer by buffer exactly as the engine
does: notes and calls for a buffer first, then ``server.process()``. The server is shut down
before returning, so renders can run one after another in one process (checked: repeated
boot/shutdown cycles give bit-identical renders).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from engine.dsp.instrument import Instrument
from engine.dsp.instruments import INSTRUMENTS
from engine.dsp.pyolib import pyo
from engine.events import NoteEvent
from engine.samples.model import SampleSet

try:
    from .sample_sets import typical_set
except ImportError:  # imported as a top-level module, by the crash sweep's worker
    from sample_sets import typical_set  # type: ignore[no-redef]

SR = 48000
BS = 256

Call = Callable[[Instrument], None]


@dataclass(frozen=True)
class Hit:
    """A note at a time in seconds (converted to a buffer and offset when rendering)."""

    time: float
    pitch: float = 60.0
    velocity: float = 0.8
    duration: float = 0.5
    voice: str = ""

    def placed(self, sr: int = SR, bs: int = BS) -> tuple[int, NoteEvent]:
        sample = round(self.time * sr)
        event = NoteEvent(sample % bs, self.pitch, self.velocity, self.duration, self.voice)
        return sample // bs, event


#: Instruments that play a score's own recording (a stem, an ambience bed) rather than notes:
#: the generic instrument tests skip them; tests/stems covers them with files it writes.
LOOP_PLAYERS = frozenset({"stem", "ambience"})


def render(
    instrument: str | type[Instrument],
    seconds: float,
    *,
    hits: Iterable[Hit] = (),
    events: Iterable[tuple[int, NoteEvent]] = (),
    calls: Iterable[tuple[int, Call]] = (),
    params: Mapping[str, float] | None = None,
    seed: int = 1,
    sr: int = SR,
    bs: int = BS,
    probe: Callable[[Instrument], None] | None = None,
    tap: str = "output",
    samples: SampleSet | None = None,
) -> np.ndarray:
    """Render ``seconds`` of ``instrument`` and return its output as a float64 array.

    ``hits`` are timed notes; ``events`` are raw ``(buffer index, NoteEvent)`` pairs (for
    offsets and values a ``Hit`` cannot express); ``calls`` are ``(buffer index, fn)`` pairs
    run on the instrument before that buffer. ``probe`` is called once after the render.
    ``tap="dry"`` records the signal before the output ceiling instead of ``output``.
    A sampled instrument plays ``samples``, by default sample_sets.typical_set().
    """
    cls = INSTRUMENTS[instrument] if isinstance(instrument, str) else instrument
    buffers = int(np.ceil(seconds * sr / bs))
    schedule: dict[int, list[Call]] = defaultdict(list)
    for index, fn in calls:
        schedule[index].append(fn)
    for index, event in [*(h.placed(sr, bs) for h in hits), *events]:
        schedule[index].append(lambda inst, e=event: inst.play(e))
    server = pyo.Server(sr=sr, nchnls=2, buffersize=bs, duplex=0, audio="manual").boot()
    try:
        server.setGlobalSeed(seed)
        server.start()
        if cls.SAMPLED:
            inst = cls(sr=sr, buffersize=bs, params=params, samples=samples or typical_set())
        else:
            inst = cls(sr=sr, buffersize=bs, params=params)
        table = pyo.NewTable(length=buffers * bs / sr, chnls=1)
        recorder = pyo.TableRec(getattr(inst, tap), table).play()
        for index in range(buffers):
            for fn in schedule.get(index, ()):
                fn(inst)
            server.process()
        audio = np.array(table.getBuffer(), dtype=np.float64)[: buffers * bs]
        if probe is not None:
            probe(inst)
        del recorder, table, inst
        return audio
    finally:
        server.stop()
        server.shutdown()


def loudness(audio: np.ndarray, sr: int = SR) -> float:
    """Integrated loudness (LUFS, BS.1770) of a mono render."""
    import pyloudnorm

    return float(pyloudnorm.Meter(sr).integrated_loudness(audio))


def first_onset(audio: np.ndarray, start: int, threshold: float = 1e-7) -> int | None:
    """Index of the first sample at or after ``start`` whose magnitude exceeds ``threshold``."""
    above = np.flatnonzero(np.abs(audio[start:]) > threshold)
    return int(above[0]) + start if above.size else None


def clicks(audio: np.ndarray, sr: int = SR) -> int:
    """Count sample jumps far above the local second-difference level, heard as clicks.

    The same measure as the team's ``shared/tools/listen`` (30x the 10 ms local mean of the
    second difference), with a lower absolute floor so quieter clicks count too.
    """
    d2 = np.abs(np.diff(audio, n=2))
    if d2.size < 3:
        return 0
    win = max(1, sr // 100)
    local = np.convolve(d2, np.ones(win) / win, mode="same") + 1e-9
    return int(np.sum((d2 > 30 * local) & (d2 > 0.01)))
