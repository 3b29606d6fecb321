"""Real-time steadiness, OSC ingest and footprint, on the JACK dummy server.

Each row runs ``soundscape play`` as its own process (``--audio dummy``: a private JACK server
with the dummy driver, a real audio clock without a sound card), optionally floods it from
another process with OSC (``benchmarks/flood.py``: state changes, moods, 1 % garbage, paced in
5 ms batches, loopback only), and reads the counters the engine writes on exit (``--summary``):
xruns counted by JACK, the server's DSP load, the engine's CPU share, how long messages waited
for their buffer, messages lost, start-up time and memory.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: The score the real-time rows play: the busiest bundled one.
SCORE = ROOT / "scores" / "combat.yaml"
#: Seconds the engine plays before and after the flood.
MARGIN = 2.0


@dataclass
class BaselineRow:
    """One sine on pyo and nothing else, on the same kind of server for as long."""

    buffersize: int
    seconds: float
    xruns: int
    dsp_load: float


@dataclass
class RealtimeRow:
    buffersize: int
    rate: int  # flood, messages per second (0: idle)
    seconds: float  # of playing (and of flood)
    xruns: int | None
    dsp_load_mean: float | None
    dsp_load_max: float | None
    cpu_percent: float | None  # the engine process, while playing
    age_p50_ms: float | None  # arrival -> applied
    age_p99_ms: float | None
    sent: int
    accepted: int
    lost_percent: float
    startup_s: float | None  # process start -> audio running
    peak_rss_mb: float
    private_mb: float | None
    score: str = "combat"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Playing:
    """``soundscape play SCORE --audio dummy --quiet --summary`` as a benchmark runs it: started
    in its own process and returned once it listens (:attr:`started` holds what it printed
    until then); :meth:`finish` waits for it to end after ``seconds`` and reads its summary."""

    def __init__(
        self, score: Path, seconds: float, buffersize: int, folder: Path, *extra: str
    ) -> None:
        self.port = _free_port()
        self.seconds = seconds
        self.summary_path = folder / f"summary-{self.port}.json"
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "engine", "play", str(score), "--audio", "dummy"),
                *("--buffer", str(buffersize), "--port", str(self.port), "--quiet"),
                *("--duration", str(seconds), "--summary", str(self.summary_path), *extra),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.started: list[str] = []
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.started.append(line)
            if line.startswith("listening on"):
                break

    def finish(self) -> dict[str, Any]:
        self.process.communicate(timeout=self.seconds + 60)
        summary: dict[str, Any] = json.loads(self.summary_path.read_text())
        return summary


def measure(buffersize: int, rate: int, seconds: float, score: Path = SCORE) -> RealtimeRow:
    with tempfile.TemporaryDirectory() as folder:
        engine = Playing(score, seconds + 2 * MARGIN, buffersize, Path(folder))
        time.sleep(MARGIN)
        sent = {"valid": 0, "garbage": 0}
        if rate:
            flood = subprocess.run(
                [
                    *(sys.executable, "-m", "benchmarks.flood"),
                    *(str(engine.port), str(rate), str(seconds)),
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            sent = json.loads(flood.stdout)
        summary = engine.finish()
    valid = sent["valid"]
    # coalesced: valid values a later one to the same address overrode in the same buffer
    applied = summary["accepted"] + summary.get("coalesced", 0)
    lost = round(100 * (valid - applied) / valid, 2) if valid else 0.0
    ages = summary["osc_age_ms"]
    return RealtimeRow(
        buffersize,
        rate,
        seconds,
        summary["xruns"],
        summary["dsp_load_mean"],
        summary["dsp_load_max"],
        summary["cpu_percent"],
        ages["p50"],
        ages["p99"],
        valid,
        summary["accepted"],
        lost,
        summary["startup_seconds"],
        summary["peak_rss_mb"],
        summary["private_mb"],
        score.stem,
    )


def run(
    seconds: float = 60.0,
    buffersizes: tuple[int, ...] = (256, 128),
    rates: tuple[int, ...] = (0, 2000, 10000),
    score: Path = SCORE,
) -> list[RealtimeRow]:
    return [measure(b, r, seconds, score) for b in buffersizes for r in rates]


def baseline(seconds: float = 60.0, buffersizes: tuple[int, ...] = (256, 128)) -> list[BaselineRow]:
    """The machine's xrun floor for each buffer size (benchmarks/baseline_client.py)."""
    rows = []
    for buffersize in buffersizes:
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.baseline_client", str(buffersize), str(seconds)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        data = json.loads(result.stdout.splitlines()[-1])
        rows.append(BaselineRow(buffersize, seconds, data["xruns"], round(data["dsp_load"], 2)))
    return rows


def baseline_table(rows: list[BaselineRow]) -> str:
    head = f"{'buffer':>6} {'secs':>5} {'xruns':>5} {'dsp %':>6}   (one pyo sine, nothing else)"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r.buffersize:>6} {r.seconds:>5.0f} {r.xruns:>5} {r.dsp_load:>6.1f}")
    return "\n".join(lines)


def ingest(
    seconds: float = 10.0,
    rates: tuple[int, ...] = (5000, 10000, 20000, 40000),
    buffersize: int = 256,
) -> list[RealtimeRow]:
    """How many messages a second the engine takes before it loses some or misses deadlines."""
    return [measure(buffersize, r, seconds) for r in rates]


def table(rows: list[RealtimeRow]) -> str:
    head = (
        f"{'score':<10} {'buffer':>6} {'msg/s':>6} {'secs':>5} {'xruns':>5} {'dsp %':>6} "
        f"{'dsp max':>7} {'cpu %':>6} {'age p50':>8} {'age p99':>8} {'lost %':>7} {'start s':>7} "
        f"{'RSS MB':>7} {'own MB':>7}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.score:<10} {r.buffersize:>6} {r.rate:>6} {r.seconds:>5.0f} {_n(r.xruns, 'd'):>5} "
            f"{_n(r.dsp_load_mean):>6} {_n(r.dsp_load_max):>7} {_n(r.cpu_percent):>6} "
            f"{_n(r.age_p50_ms, '.2f'):>8} {_n(r.age_p99_ms, '.2f'):>8} {r.lost_percent:>7.2f} "
            f"{_n(r.startup_s, '.2f'):>7} {r.peak_rss_mb:>7.0f} {_n(r.private_mb, '.0f'):>7}"
        )
    return "\n".join(lines)


def _n(value: float | int | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def as_json(rows: list[RealtimeRow]) -> list[dict[str, object]]:
    return [asdict(r) for r in rows]
