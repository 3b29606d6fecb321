"""Generators: Python time to write one bar, for every kind side by side, and the learned
generator's training time.

Each round times ``bars`` bars of every generator kind in turn (``harmonize`` under a learned
line written beforehand, ``learned-drums`` on a two-bar groove) (the kinds interleaved, so the
machine's drift hits them alike), with the state moving (density, intensity, variation, the
mode) as a game would move it. Per kind: the median and 99th percentile of a bar's time over
all rounds, and the ratio of its median to the ``melody`` generator's (the hand-written
melody the learned one stands beside). Learning: the time to build the learned generator on
the Legend score's two motifs, and on ten 32-note motifs (notes/learning.md's budget:
<= 50 ms).
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import asdict, dataclass, replace

from engine import load_score
from engine.bundled import resolve_score
from engine.music.generators import GENERATORS, BarContext, make_generator
from engine.music.harmony import chord_on
from engine.music.motifs import Key, Metre, Motif, from_hits, from_pitches
from engine.music.scales import Scale

BASELINE = "melody"


@dataclass(frozen=True)
class BarRow:
    kind: str
    bars: int
    us_p50: float
    us_p99: float
    vs_melody: float


@dataclass(frozen=True)
class LearnRow:
    material: str
    motifs: int
    notes: int
    ms_median: float


def _contexts(bars: int, seed: int) -> list[BarContext]:
    rng = random.Random(seed)
    modes = ("dorian", "aeolian", "phrygian", "ionian", "harmonic_minor")
    out = []
    scale = Scale(2, "dorian")
    for bar in range(bars):
        if bar % 8 == 0:
            scale = Scale(2, rng.choice(modes))
        chord = chord_on(scale, rng.choice((1, 4, 5, 6)))
        out.append(
            BarContext(
                bar, 4, 4, scale, chord, chord,
                density=rng.uniform(0.3, 1.0), intensity=rng.random(), register=0,
                velocity=0.8, gate=0.9, tension=rng.random() * 0.5, variation=rng.random(),
            )
        )  # fmt: skip
    return out


def _motifs() -> dict[str, Motif]:
    return dict(load_score(resolve_score("legend")).motifs)


def _corpus(count: int, notes: int, seed: int) -> dict[str, Motif]:
    """``count`` random-walk motifs of ``notes`` eighths in D minor."""
    rng = random.Random(seed)
    out = {}
    for k in range(count):
        pitch, played = 62, []
        for i in range(notes):
            played.append((2 * i, 2, pitch, 0.8))
            pitch = min(81, max(55, pitch + rng.choice((-4, -2, -1, 1, 2, 3))))
        out[f"m{k}"] = from_pitches(f"m{k}", played, Key(2, "minor"), Metre(4, 4), 4)
    return out


def _groove() -> Motif:
    """Two bars of a rock groove on a 16th grid (kick, snare, hats, an open hat)."""
    hits = [(0, 36), (8, 36), (4, 38), (12, 38), (16, 36), (26, 36), (20, 38), (28, 38), (30, 46)]
    hits += [(step, 42) for step in range(0, 32, 2) if step != 30]
    notes = [(onset, 1, key, 0.8) for onset, key in hits]
    return from_hits("groove", notes, Key(0, "major"), Metre(4, 4), 4)


OPTIONS: dict[str, dict[str, object]] = {
    "learned": {"motifs": ["theme", "answer"]},
    "learned-drums": {"motifs": ["groove"]},
    "harmonize": {"follows": "lead"},
}
"""What each kind that needs options gets (harmonize reads a learned line: see run_bars)."""


def run_bars(bars: int = 500, rounds: int = 5) -> list[BarRow]:
    motifs = {**_motifs(), "groove": _groove()}
    kinds = [k for k in sorted(GENERATORS) if k != "none"]
    times: dict[str, list[float]] = {k: [] for k in kinds}
    for r in range(rounds):
        contexts = _contexts(bars, r)
        lead = make_generator("learned", OPTIONS["learned"], r, motifs)
        with_melody = [replace(ctx, melody=tuple(lead.bar(ctx))) for ctx in contexts]
        for kind in kinds:
            gen = make_generator(kind, OPTIONS.get(kind, {}), r, motifs)
            for ctx in with_melody if kind == "harmonize" else contexts:
                start = time.perf_counter()
                gen.bar(ctx)
                times[kind].append(time.perf_counter() - start)
    base = statistics.median(times[BASELINE])
    rows = []
    for kind in kinds:
        ordered = sorted(times[kind])
        p50 = statistics.median(ordered)
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        rows.append(BarRow(kind, len(ordered), 1e6 * p50, 1e6 * p99, p50 / base))
    return rows


def run_learning(repeats: int = 20) -> list[LearnRow]:
    cases = [("Legend theme + answer", _motifs()), ("ten 32-note motifs", _corpus(10, 32, 1))]
    rows = []
    for label, motifs in cases:
        spent = []
        for _ in range(repeats):
            start = time.perf_counter()
            make_generator("learned", {"motifs": sorted(motifs), "order": 5}, 1, motifs)
            spent.append(time.perf_counter() - start)
        notes = sum(len(m.notes) for m in motifs.values())
        rows.append(LearnRow(label, len(motifs), notes, 1e3 * statistics.median(spent)))
    return rows


def run(bars: int = 500, rounds: int = 5) -> tuple[list[BarRow], list[LearnRow]]:
    return run_bars(bars, rounds), run_learning()


def table(bar_rows: list[BarRow], learn_rows: list[LearnRow]) -> str:
    head = f"{'generator':<14} {'bars':>6} {'us p50':>8} {'us p99':>8} {'x melody':>9}"
    lines = [head, "-" * len(head)]
    for r in bar_rows:
        lines.append(
            f"{r.kind:<14} {r.bars:>6} {r.us_p50:>8.0f} {r.us_p99:>8.0f} {r.vs_melody:>9.2f}"
        )
    lines += ["", f"{'learning':<24} {'motifs':>6} {'notes':>6} {'ms':>7}"]
    for r in learn_rows:
        lines.append(f"{r.material:<24} {r.motifs:>6} {r.notes:>6} {r.ms_median:>7.2f}")
    return "\n".join(lines)


def as_json(bar_rows: list[BarRow], learn_rows: list[LearnRow]) -> dict[str, object]:
    return {"bars": [asdict(r) for r in bar_rows], "learning": [asdict(r) for r in learn_rows]}


if __name__ == "__main__":
    print(table(*run()))
