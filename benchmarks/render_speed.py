"""Offline render speed of every bundled score, and what the engine costs beyond pyo's DSP.

For each score, render its demo timeline and time two parts of every buffer separately:
``engine.tick()`` (the conductor, generators, state and master steering: our Python) and
``server.process()`` (pyo's DSP). Speed is seconds of audio per second of wall and CPU time on
one core; overhead is the share of time spent outside pyo. Each score is rendered ``repeats``
times and the median kept, since machines here are noisy.

Each buffer's ``engine.tick()`` is also timed on its own, in wall time and in the thread's CPU
time (which other processes on a shared machine cannot inflate by preempting us): its median,
99.9th percentile and maximum. The first buffer is left out of the maximum and reported apart:
it writes the whole first bar at once, and live it is prepared before the device starts
(``LiveSession.prime``).
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
    ticks_us_p50: float  # median engine.tick cost per buffer, microseconds (wall)
    ticks_us_max: float  # worst engine.tick after the first buffer (wall)
    ticks_us_p999: float = 0.0  # 99.9th percentile (wall)
    cpu_us_p50: float = 0.0  # the same three in the thread's CPU time
    cpu_us_p999: float = 0.0
    cpu_us_max: float = 0.0
    first_tick_us: float = 0.0  # the first buffer: the whole first bar (primed live)


def measure(score_path: Path, seconds: float, sr: int = 48000, buffersize: int = 256) -> SpeedRow:
    score = load_score(score_path)
    timeline_path = score_path.with_suffix(".timeline.jsonl")
    timeline = load_timeline(timeline_path) if timeline_path.exists() else []
    buffers = int(seconds * sr / buffersize)
    ticks: list[float] = []
    cpu_ticks: list[float] = []
    dsp = 0.0
    with running_manual_server(sr=sr, buffersize=buffersize, seed=score.seed) as server:
        engine = Engine(score, sr=sr, buffersize=buffersize, seed=score.seed)
        engine.schedule(timeline)
        with tempfile.TemporaryDirectory() as folder:
            record_to(server, str(Path(folder) / "bench.wav"))
            wall0, cpu0 = time.perf_counter(), time.process_time()
            for _ in range(buffers):
                c0, t0 = time.thread_time(), time.perf_counter()
                engine.tick()
                t1, c1 = time.perf_counter(), time.thread_time()
                server.process()
                dsp += time.perf_counter() - t1
                ticks.append(t1 - t0)
                cpu_ticks.append(c1 - c0)
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
        max(ticks[1:], default=0.0) * 1e6,
        percentile(ticks, 0.999) * 1e6,
        statistics.median(cpu_ticks) * 1e6,
        percentile(cpu_ticks, 0.999) * 1e6,
        max(cpu_ticks[1:], default=0.0) * 1e6,
        ticks[0] * 1e6,
    )


def percentile(values: list[float], q: float) -> float:
    """The value below which a share ``q`` of ``values`` lies (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(seconds: float = 60.0, repeats: int = 3) -> list[SpeedRow]:
    rows = []
    for path in sorted((ROOT / "scores").glob("*.yaml")):
        runs = [measure(path, seconds) for _ in range(repeats)]
        rows.append(sorted(runs, key=lambda r: r.realtime_wall)[len(runs) // 2])
    return rows


def table(rows: list[SpeedRow]) -> str:
    head = (
        f"{'score':<12} {'audio s':>8} {'x RT wall':>10} {'x RT cpu':>9} {'engine %':>9} "
        f"{'pyo %':>6} {'tick us p50/p99.9/max':>22} {'cpu us p50/p99.9/max':>21} "
        f"{'first us':>9}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        wall = f"{r.ticks_us_p50:.0f}/{r.ticks_us_p999:.0f}/{r.ticks_us_max:.0f}"
        cpu = f"{r.cpu_us_p50:.0f}/{r.cpu_us_p999:.0f}/{r.cpu_us_max:.0f}"
        lines.append(
            f"{r.score:<12} {r.seconds:>8.0f} {r.realtime_wall:>10.1f} "
            f"{r.realtime_cpu:>9.1f} {100 * r.engine_share:>9.1f} "
            f"{100 * r.dsp_share:>6.1f} {wall:>22} {cpu:>21} {r.first_tick_us:>9.0f}"
        )
    return "\n".join(lines)


def as_json(rows: list[SpeedRow]) -> list[dict[str, object]]:
    return [asdict(r) for r in rows]
