"""A long game session rendered offline: memory stays flat, every sample is safe, nothing is lost.

For each bundled score in turn, in a process of its own (so RSS is one engine's and nothing
else's), a seeded :class:`~benchmarks.soak_session.GameSession` plays the score for hours: random
walks of every input (with edges, out-of-range values, non-finite values and garbage), scene
changes, stingers, tempo overrides and hand-backs, reseeds, all through ``Engine.send`` at the
start of the buffer each is due in, as a timeline would. The render records what the server
outputs, ``CHUNK_SECONDS`` at a time, and reads each chunk back to check it; no more than one
chunk of audio is ever held.

What it measures, and what passes:

- RSS every chunk: at the end of the warm-up, at the end, the peak, and the growth after the
  warm-up (peak minus the warm-up reading: must stay under ``RSS_GROWTH_LIMIT_MB``) with its
  least-squares slope in MB per hour;
- non-finite output samples (must be 0) and samples above the score's ceiling (must be 0), with
  the sample peak;
- NaN recoveries by the orchestra, values refused by the state bus and by instruments;
- every message the router refused, by reason, which must equal what the session sent to be
  refused (and the rest must all be accepted): nothing lost, every refusal counted;
- render speed (x real time, on a shared machine: a loose figure).

``python -m benchmarks --only soak`` runs two hours per score (``--quick``: two minutes in all,
what CI runs); ``python -m benchmarks.soak MINUTES [SCORE ...] [--json FILE]`` runs any length
(in whole chunks) and prints the table.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.soak_session import ACCEPTED, GameSession
from engine import load_score
from engine.dsp.mixer import db_to_amp
from engine.dsp.server import running_manual_server
from engine.render.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
SCORES = ("forest", "combat", "meditation")
SR, BUFFER = 48000, 256
SESSION_SEED = 7
#: Audio recorded, read back and checked at a time; RSS is read once per chunk.
CHUNK_SECONDS = 10.0
#: Memory settles once every scene, stinger and voice has been built and used at least once.
WARMUP_SECONDS = 600.0
#: The pass mark for memory: RSS after the warm-up may rise by less than this, however long.
RSS_GROWTH_LIMIT_MB = 5.0
#: The table shows the RSS slope only when the readings after the warm-up span this long.
SLOPE_SPAN_MINUTES = 10.0
#: pyo's server hands its output over as 32-bit floats (libsndfile's raw float, little-endian).
RAW_FORMAT, FLOAT32 = 3, 3


@dataclass
class SoakRow:
    score: str
    minutes: float
    wall_s: float
    speed: float  # seconds of audio per second of wall time
    warmup_minutes: float
    rss_warm_mb: float  # at the end of the warm-up
    rss_end_mb: float
    rss_peak_mb: float
    rss_growth_mb: float  # peak after the warm-up minus the warm-up reading
    rss_slope_mb_per_hour: float  # least squares over the readings after the warm-up
    rss_every_10_min_mb: list[float]  # at 10, 20, ... minutes of audio
    samples: int  # output samples checked (frames x channels)
    non_finite: int
    over_ceiling: int
    peak_dbfs: float  # largest finite sample
    ceiling_dbfs: float
    nan_recoveries: int
    messages: int
    sent: dict[str, int]  # by kind: inputs, scenes, events, tempo overrides, hand-backs, seeds
    accepted: int
    dropped: dict[str, int] = field(default_factory=dict)
    refusals_as_expected: bool = False  # dropped and accepted are exactly what was sent to be
    bus_rejected: int = 0
    instrument_rejected: int = 0

    @property
    def passed(self) -> bool:
        return (
            self.non_finite == 0
            and self.over_ceiling == 0
            and self.rss_growth_mb < RSS_GROWTH_LIMIT_MB
            and self.refusals_as_expected
        )


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class OutputCheck:
    """Running counts over every output sample: non-finite, above the ceiling, the peak."""

    ceiling: float  # amplitude
    samples: int = 0
    non_finite: int = 0
    over_ceiling: int = 0
    peak: float = 0.0

    def add(self, audio: np.ndarray) -> None:
        finite = np.isfinite(audio)
        self.samples += audio.size
        self.non_finite += int(audio.size - np.count_nonzero(finite))
        magnitude = np.abs(np.where(finite, audio, 0.0))
        self.over_ceiling += int(np.count_nonzero(magnitude > self.ceiling))
        if magnitude.size:
            self.peak = max(self.peak, float(magnitude.max()))


def soak_one(name: str, minutes: float, seed: int = SESSION_SEED) -> SoakRow:
    """Play ``minutes`` of a seeded game session on one score in this process, checking it all."""
    score = load_score(ROOT / "scores" / f"{name}.yaml")
    # The server outputs float32: the ceiling as it can be represented there (a sample clipped
    # at exactly the ceiling may round up to the nearest float32, which is still the ceiling).
    check = OutputCheck(float(np.float32(db_to_amp(score.master.ceiling))))
    chunk_buffers = round(CHUNK_SECONDS * SR / BUFFER)
    chunks = max(1, round(minutes * 60 * SR / BUFFER / chunk_buffers))  # whole chunks
    warmup = min(WARMUP_SECONDS, chunks * CHUNK_SECONDS / 4)
    readings: list[tuple[float, float]] = []  # (audio seconds, RSS MB)
    expected: Counter[str] = Counter()
    sent: Counter[str] = Counter()
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="soak-") as tmp,
        running_manual_server(sr=SR, buffersize=BUFFER, seed=score.seed) as server,
    ):
        chunk_path = str(Path(tmp) / "chunk.")  # pyo takes the empty extension for raw
        engine = Engine(score, sr=SR, buffersize=BUFFER, seed=score.seed)
        messages = iter(GameSession(score, seed))
        message = next(messages)
        for _ in range(chunks):
            server.recordOptions(
                dur=-1, filename=chunk_path, fileformat=RAW_FORMAT, sampletype=FLOAT32
            )
            server.recstart()
            for _ in range(chunk_buffers):
                end = engine.sample + BUFFER
                while round(message.time * SR) < end:  # where Engine.schedule would apply it
                    engine.send(message.address, *message.args)
                    expected[message.expected] += 1
                    sent[_kind(message.address, message.args)] += 1
                    message = next(messages)
                engine.tick()
                server.process()
            server.recstop()
            audio = np.fromfile(chunk_path, dtype="<f4")
            if audio.size != chunk_buffers * BUFFER * 2:
                raise RuntimeError(
                    f"read {audio.size} samples back, rendered {chunk_buffers * BUFFER * 2}"
                )
            check.add(audio)
            del audio
            readings.append((engine.sample / SR, _rss_mb()))
    wall = time.perf_counter() - started
    router = engine.router
    dropped = engine.dropped()  # the router's refusals and the conductor's (stinger caps)
    refused = Counter({reason: n for reason, n in expected.items() if reason != ACCEPTED})
    after = [(t, mb) for t, mb in readings if t >= warmup]
    warm = after[0][1]
    peak_after = max(mb for _, mb in after)
    seconds = engine.sample / SR
    return SoakRow(
        score=name,
        minutes=round(seconds / 60, 2),
        wall_s=round(wall, 1),
        speed=round(seconds / wall, 2),
        warmup_minutes=round(after[0][0] / 60, 2),
        rss_warm_mb=round(warm, 1),
        rss_end_mb=round(readings[-1][1], 1),
        rss_peak_mb=round(max(mb for _, mb in readings), 1),
        rss_growth_mb=round(peak_after - warm, 2),
        rss_slope_mb_per_hour=round(_slope_per_hour(after), 3),
        rss_every_10_min_mb=[round(mb, 1) for t, mb in readings if round(t) % 600 == 0],
        samples=check.samples,
        non_finite=check.non_finite,
        over_ceiling=check.over_ceiling,
        peak_dbfs=round(20 * math.log10(check.peak), 3) if check.peak > 0 else -math.inf,
        ceiling_dbfs=score.master.ceiling,
        nan_recoveries=engine.orchestra.recoveries,
        messages=sum(expected.values()),
        sent=dict(sorted(sent.items())),
        accepted=router.accepted,
        dropped=dict(sorted(dropped.items())),
        refusals_as_expected=dropped == refused and router.accepted == expected[ACCEPTED],
        bus_rejected=engine.conductor.bus.rejected,
        instrument_rejected=sum(
            channel.instrument.rejected for channel in engine.orchestra.channels.values()
        ),
    )


def _kind(address: str, args: tuple[object, ...]) -> str:
    if address == "/tempo":
        return "tempo hand-back" if args == (0,) else "tempo override"
    if address.startswith(("/state/", "/avatar/")):
        return "input"
    return address.lstrip("/")


def _slope_per_hour(readings: list[tuple[float, float]]) -> float:
    if len(readings) < 2:
        return 0.0
    hours = np.array([t for t, _ in readings]) / 3600
    mb = np.array([m for _, m in readings])
    return float(np.polyfit(hours, mb, 1)[0])


def run(minutes: float = 120.0, scores: tuple[str, ...] = SCORES) -> list[SoakRow]:
    """Each score's soak in a fresh process of its own, one after the other."""
    rows = []
    for name in scores:
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.soak", "--one", str(minutes), name],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(SoakRow(**json.loads(result.stdout.splitlines()[-1])))
    return rows


def table(rows: list[SoakRow]) -> str:
    head = (
        f"{'score':<11} {'minutes':>7} {'x real':>6} {'RSS warm/end/peak MB':>21} "
        f"{'growth MB':>9} {'MB/h':>6} {'non-finite':>10} {'> ceiling':>9} {'peak dBFS':>9} "
        f"{'NaN fix':>7} {'messages':>8} {'refused':>7} {'':>4}"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        rss = f"{row.rss_warm_mb:.1f}/{row.rss_end_mb:.1f}/{row.rss_peak_mb:.1f}"
        spanned = row.minutes - row.warmup_minutes >= SLOPE_SPAN_MINUTES
        slope = f"{row.rss_slope_mb_per_hour:.2f}" if spanned else "-"
        lines.append(
            f"{row.score:<11} {row.minutes:>7g} {row.speed:>6.1f} {rss:>21} "
            f"{row.rss_growth_mb:>9.2f} {slope:>6} {row.non_finite:>10} "
            f"{row.over_ceiling:>9} {row.peak_dbfs:>9.2f} {row.nan_recoveries:>7} "
            f"{row.messages:>8} {sum(row.dropped.values()):>7} "
            f"{'pass' if row.passed else 'FAIL':>4}"
        )
    refusals = Counter[str]()
    for row in rows:
        refusals.update(row.dropped)
    lines.append(
        f"\nwarm-up {rows[0].warmup_minutes:g} min; pass: RSS growth after it "
        f"< {RSS_GROWTH_LIMIT_MB:g} MB, 0 non-finite, 0 above the ceiling, every refusal "
        f"counted as expected\nrefused by reason: "
        + ", ".join(f"{reason} {n}" for reason, n in sorted(refusals.items()))
    )
    return "\n".join(lines)


def as_json(rows: list[SoakRow]) -> list[dict[str, object]]:
    return [{**asdict(row), "passed": row.passed} for row in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("minutes", type=float, help="audio per score")
    parser.add_argument("scores", nargs="*", default=list(SCORES), help="bundled score names")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--one", action="store_true", help="(internal) one score, here, as JSON")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(asdict(soak_one(args.scores[0], args.minutes))))
        return 0
    rows = run(args.minutes, tuple(args.scores))
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(as_json(rows), indent=2))
    return 0 if all(row.passed for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
