"""Loading the sound files a score names, once, before any audio runs.

The loader (``loader.py``) checks that every file a score names exists and is usable; this module
reads them for playing: each sampled layer's :class:`~engine.samples.model.SampleSet` at the
engine's sample rate. Reading is slow (decoding, resampling) and happens here, outside the audio
path; the instruments in ``engine.dsp`` only copy the buffers into pyo tables. A problem found
only now (a file changed since validation) is reported where the score names it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from engine.samples.audio import AssetError, read_audio
from engine.samples.loops import StemSet, seamless_loop, single
from engine.samples.model import Audio, SampleSet
from engine.score.model import Score, Where


@dataclass(frozen=True)
class Assets:
    """Every channel's loaded samples, with what loading them cost."""

    sets: dict[str, SampleSet] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def nbytes(self) -> int:
        """Sample memory held (each buffer counted once, even if two layers share it)."""
        seen: dict[int, int] = {}
        for sample_set in self.sets.values():
            for buffer in sample_set.samples:
                seen[id(buffer)] = int(buffer.nbytes)
        return sum(seen.values())


#: One reader per kind of recorded sound (sampler layers, stems, one-shot stingers): each returns
#: the sets of the channels it plays.
_READERS: list[Callable[[Score, int], dict[str, SampleSet]]] = []


def load_assets(score: Score, sr: int) -> Assets:
    """Read every sound file ``score`` plays, converted to ``sr``, keyed by channel name."""
    start = time.perf_counter()
    sets: dict[str, SampleSet] = {}
    for kind in _READERS:
        sets.update(kind(score, sr))
    return Assets(sets, time.perf_counter() - start)


def _read_loops(score: Score, sr: int) -> dict[str, SampleSet]:
    """Stems and ambience beds: one buffer each, every file read once however many layers
    name it; a bed's loop point is blended here (:func:`seamless_loop`), not while playing."""
    read: dict[str, Audio] = {}

    def audio(path: str, where: Where) -> Audio:
        if path not in read:
            try:
                read[path] = read_audio(Path(path), sr)
            except AssetError as exc:
                raise where.error(str(exc)) from None
        return read[path]

    sets: dict[str, SampleSet] = {}
    for name, layer in score.layers.items():
        if layer.stem is not None:
            stem = layer.stem
            sets[name] = StemSet(*single(name, sr, audio(stem.file, stem.where)), stem.follow)
        elif layer.bed is not None:
            bed = layer.bed
            raw = audio(bed.file, bed.where)
            loop = seamless_loop(raw, max(1, min(round(bed.crossfade * sr), (len(raw) - 1) // 2)))
            sets[name] = SampleSet(*single(name, sr, loop))
    return sets


_READERS.append(_read_loops)
