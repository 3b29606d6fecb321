"""Memory over a long session: a simulated 30-minute game rendered offline, RSS read each minute.

The session is a seeded random walk: inputs move every 0.25 s, the scene changes every minute
and a stinger fires every 20 s; the engine renders it buffer by buffer as it would live. Memory
must stay flat: the row reports RSS after the first minute, at the end, and the growth per
10 minutes. Runs in its own process (``python -m benchmarks.soak MINUTES``) so that what it
measures is one engine's memory and nothing else's.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from engine import load_score
from engine.dsp.server import running_manual_server
from engine.render.engine import Engine
from engine.state.timeline import TimedMessage

ROOT = Path(__file__).resolve().parent.parent
SCORE = ROOT / "scores" / "forest.yaml"
SR, BUFFER = 48000, 256


@dataclass
class SoakRow:
    minutes: float
    rss_first_minute_mb: float
    rss_end_mb: float
    growth_per_10_min_mb: float
    wall_s: float


def session(minutes: float, seed: int = 7) -> list[TimedMessage]:
    """A seeded, game-like stream of state, scene and event messages."""
    rng = random.Random(seed)
    score = load_score(SCORE)
    scenes, events = list(score.scenes), [s.event for s in score.stingers.values()]
    values = {"valence": 0.0, "arousal": 0.0, "movement": 0.0, "heartrate": 70.0}
    steps = {"valence": 0.1, "arousal": 0.1, "movement": 0.2, "heartrate": 4.0}
    bounds = {"valence": (-1, 1), "arousal": (-1, 1), "movement": (0, 1), "heartrate": (50, 170)}
    messages = []
    for tick in range(int(minutes * 60 * 4)):
        t = tick / 4
        name = rng.choice(list(values))
        lo, hi = bounds[name]
        values[name] = min(hi, max(lo, values[name] + rng.uniform(-1, 1) * steps[name]))
        messages.append(TimedMessage(t, f"/state/{name}", (values[name],)))
        if tick % 240 == 239:
            messages.append(TimedMessage(t, "/scene", (rng.choice(scenes),)))
        if tick % 80 == 79:
            messages.append(TimedMessage(t, "/event", (rng.choice(events), rng.random())))
    return messages


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def soak(minutes: float) -> SoakRow:
    score = load_score(SCORE)
    readings = []
    started = time.perf_counter()
    with running_manual_server(sr=SR, buffersize=BUFFER, seed=score.seed) as server:
        engine = Engine(score, sr=SR, buffersize=BUFFER, seed=score.seed)
        engine.schedule(session(minutes))
        per_minute = int(60 * SR / BUFFER)
        for index in range(int(minutes * per_minute)):
            engine.tick()
            server.process()
            if index % per_minute == per_minute - 1:
                readings.append(_rss_mb())
    first, last = readings[0], readings[-1]
    span = max(1, len(readings) - 1)
    return SoakRow(
        minutes,
        round(first, 1),
        round(last, 1),
        round((last - first) / span * 10, 2),
        round(time.perf_counter() - started, 1),
    )


def run(minutes: float = 30.0) -> SoakRow:
    """The soak in a fresh process."""
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.soak", str(minutes)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return SoakRow(**json.loads(result.stdout.splitlines()[-1]))


def table(row: SoakRow) -> str:
    head = (
        f"{'minutes':>7} {'RSS after 1 min MB':>19} {'RSS at end MB':>14} "
        f"{'growth MB/10 min':>17} {'wall s':>7}"
    )
    return "\n".join(
        [
            head,
            "-" * len(head),
            f"{row.minutes:>7g} {row.rss_first_minute_mb:>19.1f} {row.rss_end_mb:>14.1f} "
            f"{row.growth_per_10_min_mb:>17.2f} {row.wall_s:>7.1f}",
        ]
    )


def as_json(row: SoakRow) -> dict[str, object]:
    return asdict(row)


if __name__ == "__main__":
    print(json.dumps(asdict(soak(float(sys.argv[1])))))
