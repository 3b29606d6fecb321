"""How the cost grows: with the number of active layers, with the mutation rate, and with the
number of independent engines (one per listener) rendered side by side on one core.

Layer counts are made from forest.yaml (synths) and voyage.yaml (samplers) by repeating a
score's layers (each copy with its own seed) until N play at once in its first scene; mutation
rates change only the score's ``mutation.probability`` (every bar). Engines run in one process,
each on its own pyo server, a buffer of each in turn: how many of them one core keeps up with in
real time is the combined real-time factor.

Spatial placement (issue 14): the same N forest layers, each given a position (spread round the
head, 2 m away), rendered with ``--spatial binaural`` and ``stereo`` and, in the same run and
interleaved with them, unplaced: the ratio of wall times is what placing costs, and the
difference per layer per buffer is one placed layer's price.

Engines per core (issue 15): machines differ by a factor of two on the same render, so
:func:`per_core` times :data:`K_ENGINES` forest engines side by side alternately with a fixed
reference pyo graph (:func:`reference_graph`: never change it) and quotes both, and
:func:`memory` measures the private memory each engine adds to its process.
"""

from __future__ import annotations

import copy
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from engine import load_score
from engine.dsp.pyolib import pyo
from engine.dsp.server import manual_server, record_to
from engine.errors import SoundscapeError
from engine.render.engine import Engine
from engine.score.model import Score

ROOT = Path(__file__).resolve().parent.parent
FOREST = ROOT / "scores" / "forest.yaml"
#: The sampled score: its layers repeated make the "sampler layers" rows (FluidR3_GM presets).
VOYAGE = ROOT / "scores" / "voyage.yaml"
SR, BUFFER = 48000, 256
#: Engines side by side for the engines-per-core figure: enough that their working sets no
#: longer fit one core's cache together, as a server's would (eight ran at 0.54 of one's speed).
K_ENGINES = 8
#: The reference graph: this many sines summed into one Butterworth low-pass. Fixed forever, so
#: that its speed calibrates the machine a row was measured on.
REFERENCE_SINES = 64


@dataclass
class ScalingRow:
    case: str
    value: float
    realtime: float  # audio seconds per wall second (combined, for instances)
    engine_share: float  # share of wall time in engine.tick
    #: Placed rows: wall time placed / the same layers unplaced in the same run, and the extra
    #: cost of one placed layer per 256-frame buffer (µs).
    ratio: float | None = None
    per_layer_us: float | None = None
    #: Engines-per-core row: the reference graph's real-time factor measured in the same run,
    #: and the private memory one engine adds (MB).
    reference: float | None = None
    private_mb: float | None = None


def _score(
    layers: int | None = None,
    mutation: float | None = None,
    source: Path = FOREST,
    placed: bool = False,
) -> Score:
    data: dict[str, Any] = yaml.safe_load(source.read_text())
    if layers is not None:
        originals = list(data["layers"].items())
        data["layers"] = {}
        for n in range(layers):
            name, spec = originals[n % len(originals)]
            spec = copy.deepcopy(spec)
            spec["seed"] = n
            if placed:  # spread round the head
                spec["position"] = {"azimuth": (n * 137) % 360 - 180, "distance": 2}
            data["layers"][f"{name}{n}"] = spec
        for scene in data["scenes"].values():
            scene["layers"] = list(data["layers"])
    if mutation is not None:
        data["mutation"]["every"] = 1
        data["mutation"]["probability"] = mutation
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "score.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return load_score(path, soundfonts=[source.parent])


def voyage_playable() -> bool:
    """Whether voyage's SoundFont is here (Debian's fluid-soundfont-gm)."""
    try:
        load_score(VOYAGE)
    except SoundscapeError:
        return False
    return True


def _render(scores: list[Score], seconds: float, spatial: str = "stereo") -> tuple[float, float]:
    """Render ``scores`` side by side; returns (wall seconds, seconds in engine.tick)."""
    buffers = int(seconds * SR / BUFFER)
    servers, engines = [], []
    with tempfile.TemporaryDirectory() as folder:
        try:
            for index, score in enumerate(scores):
                server = manual_server(sr=SR, buffersize=BUFFER, seed=score.seed + index)
                servers.append(server)
                engines.append(
                    Engine(
                        score, sr=SR, buffersize=BUFFER, seed=score.seed + index, spatial=spatial
                    )
                )
                record_to(server, str(Path(folder) / f"{index}.wav"))
            ticks = 0.0
            started = time.perf_counter()
            for _ in range(buffers):
                for server, engine in zip(servers, engines, strict=True):
                    server.setServer()
                    t0 = time.perf_counter()
                    engine.tick()
                    ticks += time.perf_counter() - t0
                    server.process()
            wall = time.perf_counter() - started
        finally:
            for server in servers:
                server.setServer()
                server.recstop()
                server.stop()
                server.shutdown()
    return wall, ticks


def _row(case: str, value: float, scores: list[Score], seconds: float, repeats: int) -> ScalingRow:
    runs = [_render(scores, seconds) for _ in range(repeats)]
    wall, ticks = sorted(runs)[len(runs) // 2]
    return ScalingRow(case, value, len(scores) * seconds / wall, ticks / wall)


def placed(
    seconds: float = 20.0,
    repeats: int = 3,
    layers: tuple[int, ...] = (1, 4, 16),
    modes: tuple[str, ...] = ("binaural", "stereo"),
) -> list[ScalingRow]:
    """Placed layers against the same layers unplaced, runs interleaved (median of each)."""
    rows = []
    buffers = int(seconds * SR / BUFFER)
    for n in layers:
        plain_score, placed_score = _score(layers=n), _score(layers=n, placed=True)
        for mode in modes:
            plain, place = [], []
            for _ in range(repeats):
                plain.append(_render([plain_score], seconds, mode))
                place.append(_render([placed_score], seconds, mode))
            plain_wall = sorted(plain)[len(plain) // 2][0]
            wall, ticks = sorted(place)[len(place) // 2]
            rows.append(
                ScalingRow(
                    f"placed layers ({mode})",
                    n,
                    seconds / wall,
                    ticks / wall,
                    ratio=wall / plain_wall,
                    per_layer_us=1e6 * (wall - plain_wall) / buffers / n,
                )
            )
    return rows


def run(
    seconds: float = 20.0,
    repeats: int = 3,
    layers: tuple[int, ...] = (1, 4, 16, 64),
    mutations: tuple[float, ...] = (0.0, 0.5, 1.0),
    instances: tuple[int, ...] = (1, 2, 4, 8),
) -> list[ScalingRow]:
    rows = [_row("layers", n, [_score(layers=n)], seconds, repeats) for n in layers]
    if voyage_playable():
        rows += [
            _row("sampler layers (voyage)", n, [_score(layers=n, source=VOYAGE)], seconds, repeats)
            for n in layers
        ]
    rows += [
        _row("mutation probability per bar", p, [_score(mutation=p)], seconds, repeats)
        for p in mutations
    ]
    forest = load_score(FOREST)
    rows += [_row("engines in one process", k, [forest] * k, seconds, repeats) for k in instances]
    return rows


def reference_graph(seconds: float) -> float:
    """Real-time factor of the fixed reference graph (:data:`REFERENCE_SINES` sines into a
    Butterworth low-pass, recorded like an engine), rendered alone on its own server."""
    buffers = int(seconds * SR / BUFFER)
    with tempfile.TemporaryDirectory() as folder:
        server = manual_server(sr=SR, buffersize=BUFFER, seed=1)
        try:
            freqs = [55.0 * (1.0 + 0.37 * n) for n in range(REFERENCE_SINES)]
            sines = pyo.Sine(freq=freqs, mul=1.0 / REFERENCE_SINES)
            low = pyo.ButLP(pyo.Mix(sines, voices=2), freq=1000.0).out()
            record_to(server, str(Path(folder) / "reference.wav"))
            started = time.perf_counter()
            for _ in range(buffers):
                server.process()
            wall = time.perf_counter() - started
            server.recstop()
            del low, sines
        finally:
            server.stop()
            server.shutdown()
    return seconds / wall


def private_mb() -> float:
    """Memory only this process uses, in MB (Linux: Private_* of /proc/self/smaps_rollup)."""
    with open("/proc/self/smaps_rollup") as rollup:
        fields = dict(line.split(":", 1) for line in rollup if ":" in line)
    kb = int(fields["Private_Clean"].split()[0]) + int(fields["Private_Dirty"].split()[0])
    return kb / 1024


def memory(k: int = K_ENGINES, seconds: float = 2.0) -> float:
    """Private memory one forest engine adds (MB): ``k`` engines built side by side in this
    process, each on its own server, and run ``seconds``; the growth divided by ``k``."""
    forest = load_score(FOREST)
    # No warm-up render: what it freed would be reused by the engines and hide their memory.
    servers, engines = [], []
    before = private_mb()
    try:
        for index in range(k):
            servers.append(manual_server(sr=SR, buffersize=BUFFER, seed=index))
            engines.append(Engine(forest, sr=SR, buffersize=BUFFER, seed=index))
        for _ in range(int(seconds * SR / BUFFER)):
            for server, engine in zip(servers, engines, strict=True):
                server.setServer()
                engine.tick()
                server.process()
        grown = private_mb() - before
    finally:
        for server in servers:
            server.setServer()
            server.stop()
            server.shutdown()
    return grown / k


def per_core(
    seconds: float = 20.0, repeats: int = 3, k: int = K_ENGINES, memory_k: int = K_ENGINES
) -> ScalingRow:
    """How many forest engines one core keeps in real time: the combined real-time factor of
    ``k`` engines side by side, beside the reference graph's speed timed alternately with them
    (medians of ``repeats``), and the private memory per engine (``memory_k`` engines built)."""
    forest = load_score(FOREST)
    runs, references = [], []
    for _ in range(repeats):
        references.append(reference_graph(seconds))
        runs.append(_render([forest] * k, seconds))
    wall, ticks = sorted(runs)[len(runs) // 2]
    return ScalingRow(
        "engines per core",
        k,
        k * seconds / wall,
        ticks / wall,
        reference=statistics.median(references),
        private_mb=fresh_memory(memory_k),
    )


def fresh_memory(k: int = K_ENGINES) -> float:
    """:func:`memory` in a new process: in this one, memory freed by the rows before would be
    reused by the engines and hide what they take."""
    code = f"from benchmarks import scaling; print(scaling.memory({int(k)}))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return float(result.stdout.split()[-1])


def table(rows: list[ScalingRow]) -> str:
    head = f"{'case':<30} {'value':>6} {'x RT':>7} {'engine %':>9}"
    lines = [head, "-" * len(head)]
    for r in rows:
        line = f"{r.case:<30} {r.value:>6g} {r.realtime:>7.1f} {100 * r.engine_share:>9.1f}"
        if r.ratio is not None and r.per_layer_us is not None:
            line += f"  x{r.ratio:.2f} unplaced, {r.per_layer_us:+.0f} us/layer/buffer"
        if r.reference is not None and r.private_mb is not None:
            line += f"  (reference graph {r.reference:.1f} x RT; {r.private_mb:.1f} MB/engine)"
        lines.append(line)
    return "\n".join(lines)


def as_json(rows: list[ScalingRow]) -> list[dict[str, object]]:
    return [asdict(r) for r in rows]
