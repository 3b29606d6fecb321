"""Engine overhead: the whole engine against the same sound made by a bare pyo graph.

First the engine renders a score's demo timeline while the actions its conductor gives out
(notes, parameters, fades, ducks, suspends: ``engine.events.Action``) are kept per buffer, as
an engine listener. Then the bare run builds the same orchestra (same instruments, voices, mixer
and master bus) and performs those actions buffer by buffer: the same pyo graph doing the same
work, with no router, state bus,
conductor or generators. Both write WAVs, which must be identical (so the bare graph really has
the same voices); then each is timed ``repeats`` times, alternating, and the medians compared.
"""

from __future__ import annotations

import dataclasses
import statistics
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from engine import load_score
from engine.conductor.performer import perform
from engine.dsp.orchestra import Orchestra
from engine.dsp.server import record_to, running_manual_server
from engine.events import Action
from engine.render.engine import Engine
from engine.score.assets import load_assets
from engine.score.model import ComfortSpec, EntrainmentSpec, ParamMap, PositionSpec, Score
from engine.state.timeline import load_timeline

ROOT = Path(__file__).resolve().parent.parent
SR, BUFFER = 48000, 256
Calls = dict[int, list[Action]]


@dataclass
class OverheadRow:
    score: str
    seconds: float
    engine_wall: float  # median wall seconds, whole engine
    bare_wall: float  # median wall seconds, bare replay
    ratio: float  # engine / bare (target <= 1.15)
    identical: bool  # the two renders are the same audio, sample for sample


def _timed(server: Any, out: Path, buffers: int, step: Callable[[int], None]) -> float:
    """Record ``buffers`` buffers to ``out``, calling ``step(index)`` before each; wall time."""
    record_to(server, str(out))
    started = time.perf_counter()
    for index in range(buffers):
        step(index)
        server.process()
    wall = time.perf_counter() - started
    server.recstop()
    return wall


def _engine_run(
    score: Score,
    timeline: list[Any],
    buffers: int,
    out: Path,
    calls: Calls | None = None,
    spatial: str = "off",
) -> float:
    with running_manual_server(sr=SR, buffersize=BUFFER, seed=score.seed) as server:
        engine = Engine(score, sr=SR, buffersize=BUFFER, seed=score.seed, spatial=spatial)
        if spatial != "off":  # everything on: the conductor also words why the music changes
            whys: deque[object] = deque(maxlen=64)
            engine.conductor.observer = lambda sample, kind, detail: whys.append(detail)
        if calls is not None:  # each buffer's actions, as the orchestra got them
            engine.listeners.append(lambda actions: calls[engine.sample // BUFFER].extend(actions))
        engine.schedule(timeline)
        return _timed(server, out, buffers, lambda _index: engine.tick())


def _bare_run(score: Score, calls: Calls, buffers: int, out: Path, spatial: str = "off") -> float:
    with running_manual_server(sr=SR, buffersize=BUFFER, seed=score.seed) as server:
        samples = load_assets(score, SR).sets
        orchestra = Orchestra(score, sr=SR, buffersize=BUFFER, samples=samples, spatial=spatial)

        def step(index: int) -> None:
            perform(calls.get(index, ()), orchestra)
            orchestra.tick()

        return _timed(server, out, buffers, step)


def measure(
    score_path: Path,
    seconds: float,
    repeats: int,
    *,
    everything: bool = False,
) -> OverheadRow:
    """One score's row; with ``everything``, that score with every issue-14 feature on (see
    :func:`everything_on`), binaural, and an observer the conductor words its reasons to."""
    score = load_score(score_path)
    spatial = "off"
    if everything:
        score, spatial = everything_on(score), "binaural"
    timeline_path = score_path.with_suffix(".timeline.jsonl")
    timeline = load_timeline(timeline_path) if timeline_path.exists() else []
    buffers = int(seconds * SR / BUFFER)
    calls: Calls = defaultdict(list)
    with tempfile.TemporaryDirectory() as folder:
        engine_wav, bare_wav = Path(folder) / "engine.wav", Path(folder) / "bare.wav"
        _engine_run(score, timeline, buffers, engine_wav, calls, spatial)
        _bare_run(score, calls, buffers, bare_wav, spatial)
        identical = engine_wav.read_bytes() == bare_wav.read_bytes()
        engine_times, bare_times = [], []
        for _ in range(repeats):
            engine_times.append(_engine_run(score, timeline, buffers, engine_wav, None, spatial))
            bare_times.append(_bare_run(score, calls, buffers, bare_wav, spatial))
    engine_wall, bare_wall = statistics.median(engine_times), statistics.median(bare_times)
    return OverheadRow(
        score_path.stem + (" (all on)" if everything else ""),
        buffers * BUFFER / SR,
        engine_wall,
        bare_wall,
        engine_wall / bare_wall,
        identical,
    )


def everything_on(score: Score) -> Score:
    """``score`` as a VR meditation would run it: the tempo leading the heart (entrainment),
    the `vr` comfort budget, and its layers placed around the listener, one every 60 degrees
    (the body's other features, the watchdog and the baseline, are on in every score with a
    heart-rate input)."""
    placed = {
        name: dataclasses.replace(
            layer,
            position=PositionSpec(
                ParamMap.constant(60.0 * index - 150.0),
                ParamMap.constant(0.0),
                ParamMap.constant(2.0),
            ),
        )
        for index, (name, layer) in enumerate(score.layers.items())
    }
    return dataclasses.replace(
        score,
        layers=placed,
        entrainment=EntrainmentSpec(),
        comfort=ComfortSpec.preset("vr"),
    )


def run(seconds: float = 60.0, repeats: int = 3) -> list[OverheadRow]:
    scores = sorted((ROOT / "scores").glob("*.yaml"))
    rows = [measure(path, seconds, repeats) for path in scores]
    rows.append(measure(ROOT / "scores" / "meditation.yaml", seconds, repeats, everything=True))
    return rows


def table(rows: list[OverheadRow]) -> str:
    head = (
        f"{'score':<20} {'audio s':>8} {'engine s':>9} {'bare pyo s':>11} "
        f"{'engine/bare':>12} {'same audio':>11}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.score:<20} {r.seconds:>8.0f} {r.engine_wall:>9.2f} {r.bare_wall:>11.2f} "
            f"{r.ratio:>12.3f} {'yes' if r.identical else 'NO':>11}"
        )
    return "\n".join(lines)


def as_json(rows: list[OverheadRow]) -> list[dict[str, object]]:
    return [asdict(r) for r in rows]
