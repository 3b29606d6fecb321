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
"""

from __future__ import annotations

import copy
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from engine import load_score
from engine.dsp.server import manual_server, record_to
from engine.errors import SoundscapeError
from engine.render.engine import Engine
from engine.score.model import Score

ROOT = Path(__file__).resolve().parent.parent
FOREST = ROOT / "scores" / "forest.yaml"
#: The sampled score: its layers repeated make the "sampler layers" rows (FluidR3_GM presets).
VOYAGE = ROOT / "scores" / "voyage.yaml"
SR, BUFFER = 48000, 256


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


def table(rows: list[ScalingRow]) -> str:
    head = f"{'case':<30} {'value':>6} {'x RT':>7} {'engine %':>9}"
    lines = [head, "-" * len(head)]
    for r in rows:
        line = f"{r.case:<30} {r.value:>6g} {r.realtime:>7.1f} {100 * r.engine_share:>9.1f}"
        if r.ratio is not None and r.per_layer_us is not None:
            line += f"  x{r.ratio:.2f} unplaced, {r.per_layer_us:+.0f} us/layer/buffer"
        lines.append(line)
    return "\n".join(lines)


def as_json(rows: list[ScalingRow]) -> list[dict[str, object]]:
    return [asdict(r) for r in rows]
