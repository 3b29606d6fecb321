"""Recorded sound: what loading a sampled score costs, and what a sampler voice costs beside a
synth voice.

**Load.** Each bundled score is built in a fresh process (load the score, read its sound files,
build its engine on a manual pyo server, render one second): the time to read and convert its
samples (``load_assets``), the sample memory it holds, and the process's peak RSS. Scores
without samples are the baseline in the same run: the difference is what the samples cost.

**Voices.** One instrument on a manual pyo server: pyo's time per buffer idle (every voice
asleep, nothing played yet), with ``n`` notes held, and idle again once they have died away, for
the sampler (FluidR3's strings, piano, flute and pizzicato: decaying and looped, decaying and
looped, looped only, neither) and the pad side by side, each the median of ``repeats`` runs. A
run's figure is the 10th percentile of its buffers' times: the machine's noise only ever adds
time, and the median moved by up to 50 % between runs. A voice's cost is (held - idle) / n,
and ``x pad`` its ratio to the pad's in the same round (the median over rounds).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SR, BUFFER = 48000, 256
FLUID = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")

#: Run in a fresh process per score, so each peak RSS is that score's alone.
_LOAD = """
import json, resource, sys, time
t0 = time.perf_counter()
from engine import load_score
from engine.dsp.server import running_manual_server
from engine.render.engine import Engine
from engine.score.assets import load_assets
imported = time.perf_counter()
score = load_score(sys.argv[1])
assets = load_assets(score, 48000)
with running_manual_server(sr=48000, buffersize=256, seed=1) as server:
    engine = Engine(score, sr=48000, buffersize=256, seed=1, assets=assets)
    built = time.perf_counter()
    for _ in range(188):
        engine.tick()
        server.process()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"load_s": assets.seconds, "sample_mb": assets.nbytes / 1e6,
                  "build_s": built - imported, "peak_rss_mb": rss}))
"""


@dataclass
class LoadRow:
    score: str
    load_s: float  # reading and converting the sound files
    sample_mb: float  # sample memory held (float64 at 48 kHz)
    build_s: float  # score + samples + engine, after imports
    peak_rss_mb: float


@dataclass
class VoiceRow:
    instrument: str
    voices: int
    idle_us: float  # pyo time per buffer before any note (every voice asleep)
    sounding_us: float  # the voices held
    per_voice_us: float  # (sounding - idle) / voices
    after_us: float  # once the notes have died away (every voice asleep again)
    vs_pad: float  # per-voice cost over the pad's in the same round (median over rounds)


def load(path: Path) -> LoadRow:
    result = subprocess.run(
        [sys.executable, "-c", _LOAD, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(result.stdout.splitlines()[-1])
    return LoadRow(path.stem, **{k: round(v, 3) for k, v in data.items()})


def _voice_cost(instrument: str, preset: str | None, voices: int) -> tuple[float, float, float]:
    """pyo time per buffer (us, 10th percentile): idle before any note, ``voices`` notes held,
    and idle again once they have died away."""
    from engine.dsp.instruments import INSTRUMENTS
    from engine.dsp.server import running_manual_server
    from engine.events import NoteEvent
    from engine.samples.soundfont import open_soundfont

    samples = None
    if preset is not None:
        soundfont = open_soundfont(FLUID)
        samples = soundfont.read(soundfont.find(preset), SR)
    with running_manual_server(sr=SR, buffersize=BUFFER, seed=1) as server:
        cls = INSTRUMENTS[instrument]
        params = {"voices": float(max(voices, 1))} if instrument == "sampler" else {}
        inst = cls(sr=SR, buffersize=BUFFER, params=params, samples=samples)
        server.process()
        inst.tick()  # nothing played yet: every voice goes to sleep
        before = _time(server, 1.0)
        for i in range(voices):
            inst.play(NoteEvent(0, 48 + 4 * i, 0.8, 20.0))
        sounding = _time(server, 2.0)
        for _ in range(int(40 * SR / BUFFER)):  # the notes end, the releases die away
            server.process()
        for _ in range(voices):  # housekeeping puts a few voices to sleep per turn
            inst.tick()
        after = _time(server, 1.0)
    return before, sounding, after


def _time(server: object, seconds: float) -> float:
    times = []
    for _ in range(int(seconds * SR / BUFFER)):
        t0 = time.perf_counter()
        server.process()  # type: ignore[attr-defined]
        times.append(time.perf_counter() - t0)
    return statistics.quantiles(times, n=10)[0] * 1e6  # the 10th percentile


def voices(counts: tuple[int, ...] = (1, 8), repeats: int = 3) -> list[VoiceRow]:
    cases = [("pad", None, "pad")]
    if FLUID.exists():
        cases += [
            ("sampler", "0/48", "sampler (strings)"),
            ("sampler", "0/0", "sampler (piano)"),
            ("sampler", "0/73", "sampler (flute)"),
            ("sampler", "0/45", "sampler (pizzicato)"),
        ]
    rows = []
    for n in counts:
        # Rounds alternate the cases (not every run of one case, then the next): this machine's
        # speed drifts by up to 50 % over minutes, and a drift then shifts every case alike.
        runs: dict[str, list[tuple[float, float, float]]] = {label: [] for *_, label in cases}
        for _ in range(repeats):
            for instrument, preset, label in cases:
                runs[label].append(_voice_cost(instrument, preset, n))
        pad = [(held - idle) / n for idle, held, _ in runs["pad"]]
        for _, _, label in cases:
            idle, held, after = (statistics.median(r[k] for r in runs[label]) for k in range(3))
            costs = (idle, held, (held - idle) / n, after)
            ratio = statistics.median(
                (h - i) / n / p for (i, h, _), p in zip(runs[label], pad, strict=True)
            )
            rows.append(VoiceRow(label, n, *(round(x, 1) for x in costs), round(ratio, 2)))
    return rows


def run(repeats: int = 3, counts: tuple[int, ...] = (1, 8)) -> tuple[list[LoadRow], list[VoiceRow]]:
    loads = [load(path) for path in sorted((ROOT / "scores").glob("*.yaml"))]
    return loads, voices(counts, repeats)


def table(loads: list[LoadRow], voice_rows: list[VoiceRow]) -> str:
    head = f"{'score':<12} {'load s':>7} {'samples MB':>11} {'build s':>8} {'peak RSS MB':>12}"
    lines = [head, "-" * len(head)]
    for r in loads:
        lines.append(
            f"{r.score:<12} {r.load_s:>7.2f} {r.sample_mb:>11.1f} {r.build_s:>8.2f} "
            f"{r.peak_rss_mb:>12.0f}"
        )
    head = (
        f"{'instrument':<20} {'voices':>6} {'idle us':>8} {'held us':>8} {'us/voice':>9} "
        f"{'x pad':>6} {'after us':>9}"
    )
    lines += ["", head, "-" * len(head)]
    for v in voice_rows:
        lines.append(
            f"{v.instrument:<20} {v.voices:>6} {v.idle_us:>8.1f} {v.sounding_us:>8.1f} "
            f"{v.per_voice_us:>9.1f} {v.vs_pad:>6.2f} {v.after_us:>9.1f}"
        )
    return "\n".join(lines)


def as_json(loads: list[LoadRow], voice_rows: list[VoiceRow]) -> dict[str, object]:
    return {"load": [asdict(r) for r in loads], "voices": [asdict(v) for v in voice_rows]}
