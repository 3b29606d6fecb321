"""Offline render speed of every bundled score, and what the engine costs beyond pyo's DSP.

For each score, render its demo timeline and time two parts of every buffer separately:
``engine.tick()`` (the conductor, generators, state and master steering: our Python) and
``server.process()`` (pyo's DSP). Speed is seconds of audio per second of wall and CPU time on
one core; overhead is the share of time spent outside pyo. Each score is rendered ``repeats``
times and the median kept, since machines here are noisy.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from engine import load_score
from engine.dsp.server import record_to, running_manual_server
from engine.render.engine import Engine
from engine.state.timeline import load_timeline

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class SpeedRow:
    score: str
    seconds: float
    realtime_wall: float  # audio seconds per wall second
    realtime_cpu: float  # audio seconds per CPU second (process time)
    engine_share: float  # share of wall time in engine.tick (our Python)
    dsp_share: float  # share of wall time in server.process (pyo)
    ticks_us_p50: float  # median engine.tick cost per buffer, microseconds
    ticks_us_max: float  # worst engine.tick (bar starts generate a bar of notes)


def measure(score_path: Path, seconds: float, sr: int = 48000, buffersize: int = 256) -> SpeedRow:
    score = load_score(score_path)
    timeline_path = score_path.with_suffix(".timeline.jsonl")
    timeline = load_timeline(timeline_path) if timeline_path.exists() else []
    buffers = int(seconds * sr / buffersize)
    ticks: list[float] = []
    dsp = 0.0
    with running_manual_server(sr=sr, buffersize=buffersize, seed=score.seed) as server:
        engine = Engine(score, sr=sr, buffersize=buffersize, seed=score.seed)
        engine.schedule(timeline)
        with tempfile.TemporaryDirectory() as folder:
            record_to(server, str(Path(folder) / "bench.wav"))
            wall0, cpu0 = time.perf_counter(), time.process_time()
            for _ in range(buffers):
                t0 = time.perf_counter()
                engine.tick()
                t1 = time.perf_counter()
                server.process()
                dsp += time.perf_counter() - t1
                ticks.append(t1 - t0)
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            server.recstop()
    audio = buffers * buffersize / sr
    return SpeedRow(
        score_path.stem,
        audio,
        audio / wall,
        audio / cpu,
        sum(ticks) / wall,
        dsp / wall,
        statistics.median(ticks) * 1e6,
        max(ticks) * 1e6,
    )


def run(seconds: float = 60.0, repeats: int = 3) -> list[SpeedRow]:
    rows = []
    for path in sorted((ROOT / "scores").glob("*.yaml")):
        runs = [measure(path, seconds) for _ in range(repeats)]
        rows.append(sorted(runs, key=lambda r: r.realtime_wall)[len(runs) // 2])
    return rows


def table(rows: list[SpeedRow]) -> str:
    head = (
        f"{'score':<12} {'audio s':>8} {'x RT wall':>10} {'x RT cpu':>9} {'engine %':>9} "
        f"{'pyo %':>6} {'tick p50 us':>12} {'tick max us':>12}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.score:<12} {r.seconds:>8.0f} {r.realtime_wall:>10.1f} "
            f"{r.realtime_cpu:>9.1f} {100 * r.engine_share:>9.1f} "
            f"{100 * r.dsp_share:>6.1f} {r.ticks_us_p50:>12.0f} {r.ticks_us_max:>12.0f}"
        )
    return "\n".join(lines)


def as_json(rows: list[SpeedRow]) -> list[dict[str, object]]:
    return [asdict(r) for r in rows]
