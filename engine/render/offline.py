"""Offline rendering: a score, a seed and a timeline to a WAV file, faster than real time.

Same score, seed and timeline give a bit-identical file: pyo runs in manual mode, one buffer per
``process()`` call, and everything between buffers is deterministic.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.conductor.performer import Observer
from engine.dsp.server import record_to, running_manual_server
from engine.render.engine import Engine
from engine.score.model import Score
from engine.state.timeline import TimedMessage

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RenderResult:
    path: Path
    seconds: float  # audio rendered
    wall: float  # wall-clock seconds spent
    frames: int
    nan_recoveries: int
    dropped: dict[str, int]

    @property
    def speed(self) -> float:
        """Real-time factor: seconds of audio per second of wall time."""
        return self.seconds / self.wall if self.wall > 0 else math.inf


def render(
    score: Score,
    out: str | Path,
    duration: float,
    *,
    seed: int | None = None,
    timeline: Sequence[TimedMessage] = (),
    sr: int = 48000,
    buffersize: int = 256,
    progress: Progress | None = None,
    observer: Observer | None = None,
) -> RenderResult:
    """Render ``duration`` seconds (rounded up to whole buffers) of ``score`` to ``out``."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    seed = score.seed if seed is None else seed
    buffers = max(1, math.ceil(duration * sr / buffersize))
    started = time.perf_counter()
    with running_manual_server(sr=sr, buffersize=buffersize, seed=seed) as server:
        engine = Engine(score, sr=sr, buffersize=buffersize, seed=seed, observer=observer)
        engine.schedule(timeline)
        record_to(server, str(out))
        report_every = max(1, buffers // 200)
        for index in range(buffers):
            engine.tick()
            server.process()
            if progress is not None and (index % report_every == 0 or index == buffers - 1):
                progress(index + 1, buffers)
        server.recstop()
    return RenderResult(
        out,
        buffers * buffersize / sr,
        time.perf_counter() - started,
        buffers * buffersize,
        engine.orchestra.recoveries,
        dict(engine.conductor.router.dropped),
    )
