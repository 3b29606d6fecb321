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
from functools import partial
from pathlib import Path

from engine import defaults
from engine.samples.audio import AssetError, read_audio
from engine.samples.loops import StemSet, seamless_loop, single
from engine.samples.model import TABLE_BYTES, Audio, SampleSet
from engine.samples.recordings import Recording, read_recordings
from engine.samples.recordings import buffers as recording_buffers
from engine.samples.soundfont import open_soundfont
from engine.score.model import SamplerSource, Score, Where


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
                seen[id(buffer)] = TABLE_BYTES * int(buffer.size)
        return sum(seen.values())

    def summary(self) -> dict[str, float]:
        """Sample memory (MB) and load time (s), as ``play --summary`` writes them."""
        return {"mb": round(self.nbytes / 1e6, 3), "seconds": round(self.seconds, 3)}

    def describe(self) -> str:
        """One line for ``render``: ``samples: 41.2 MB in 0.63 s``."""
        return f"samples: {self.nbytes / 1e6:.1f} MB in {self.seconds:.2f} s"


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


# -- sampler layers and one-shot stingers ----------------------------------------------------------
@dataclass(frozen=True)
class _Plan:
    """One channel's samples before reading: what it will hold (cache key -> bytes, from the
    files' headers) and how to read it."""

    channel: str
    where: Where
    buffers: dict[object, int]
    read: Callable[[dict[object, Audio]], SampleSet]


def read_sampled(score: Score, sr: int) -> dict[str, SampleSet]:
    """Every sampler layer's and one-shot stinger's set at ``sr``. A SoundFont sample or a file
    several channels use is read and held once. A score whose samples would take more than its
    ``max_sample_mb`` is refused before anything is read (the sizes come from the headers)."""
    plans = [*_layer_plans(score, sr), *_one_shot_plans(score, sr)]
    _check_cap(score, plans)
    cache: dict[object, Audio] = {}
    sets: dict[str, SampleSet] = {}
    for plan in plans:
        try:
            sets[plan.channel] = plan.read(cache)
        except AssetError as exc:
            raise plan.where.error(str(exc)) from None
    return sets


def _layer_plans(score: Score, sr: int) -> list[_Plan]:
    plans = []
    for name, layer in score.layers.items():
        source = layer.source
        if source is None:
            continue
        try:
            plans.append(_source_plan(name, source, sr))
        except AssetError as exc:
            raise source.where.error(str(exc)) from None
    return plans


def _source_plan(channel: str, source: SamplerSource, sr: int) -> _Plan:
    if source.soundfont is not None and source.preset is not None:
        soundfont = open_soundfont(Path(source.soundfont))
        where = source.preset_where or source.where
        try:
            preset = soundfont.find(source.preset)
        except AssetError as exc:
            raise where.error(str(exc)) from None
        return _Plan(
            channel,
            where,
            soundfont.buffers(preset, sr),
            lambda cache: soundfont.read(preset, sr, cache),
        )
    recordings = source.recordings
    return _Plan(
        channel,
        source.where,
        recording_buffers(recordings, sr),
        partial(read_recordings, channel, recordings, sr),
    )


def _one_shot_plans(score: Score, sr: int) -> list[_Plan]:
    plans = []
    for name, stinger in score.stingers.items():
        if stinger.source is not None:  # notes on a preset or recordings, like a layer's
            try:
                plans.append(_source_plan(f"stinger:{name}", stinger.source, sr))
            except AssetError as exc:
                raise stinger.source.where.error(str(exc)) from None
            continue
        shot = stinger.sample
        if shot is None:
            continue
        root = shot.root if shot.root is not None else defaults.ONESHOT_ROOT
        recordings = (Recording(Path(shot.file), root),)
        channel = f"stinger:{name}"
        try:
            buffers = recording_buffers(recordings, sr)
        except AssetError as exc:
            raise shot.where.error(str(exc)) from None
        plans.append(
            _Plan(channel, shot.where, buffers, partial(read_recordings, channel, recordings, sr))
        )
    return plans


def _check_cap(score: Score, plans: list[_Plan]) -> None:
    held: dict[object, int] = {}
    for plan in plans:
        held.update(plan.buffers)
    total = sum(held.values()) / 1e6
    if total <= score.max_sample_mb:
        return
    users = sorted(plans, key=lambda p: -sum(p.buffers.values()))[:3]
    biggest = ", ".join(
        f"{_channel_field(p.channel)} {sum(p.buffers.values()) / 1e6:.1f} MB" for p in users
    )
    where = score.max_sample_where or Where(score.file, 1, 1, "max_sample_mb")
    raise where.error(
        f"the samples would take {total:.1f} MB, more than max_sample_mb {score.max_sample_mb:g} "
        f"(biggest: {biggest}); raise max_sample_mb or use fewer or smaller presets"
    )


def _channel_field(channel: str) -> str:
    kind, _, name = channel.partition(":")
    return f"stingers.{name}" if name else f"layers.{kind}"


_READERS.append(read_sampled)


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
