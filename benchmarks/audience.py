"""Capacity, checked by simulation (issue 15 item 5; docs/scale.md holds the plan).

Two measures:

* **Per listener** (:func:`per_listener`): K listener engines of one performance rendered side by
  side offline (``Performance.step``), as ``serve`` renders them: the combined real-time factor
  (how many such listeners one core keeps in real time), and each listener engine's private
  memory (``/proc/self/smaps_rollup`` before and after building K of them, over K).
* **An hour of form** (:func:`alignment`): N listeners' conductors, without their orchestras,
  through an hour of a performance: shared scene changes, mood sweeps, tempo and key requests,
  and each listener's own heart, movement, mood and events, all seeded. Each listener's bar
  lines are recorded and compared: the claim is that every listener crosses every bar line on
  the same sample for the whole hour while its notes and inputs are its own. Conductors decide
  everything that sets the grid, so this runs far faster than real time; a larger buffer
  (4,096 frames) makes it faster still, the same for every listener.
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from engine import load_score
from engine.catalog import default_catalog
from engine.commands import Command
from engine.conductor.conductor import Conductor
from engine.ensemble.addresses import default_ids, listener_seed, split_listener
from engine.ensemble.performance import Performance
from engine.score.model import Score
from engine.state.router import Router

ROOT = Path(__file__).resolve().parent.parent
FOREST = ROOT / "scores" / "forest.yaml"
SR = 48000


@dataclass
class ListenerRow:
    listeners: int
    realtime: float  # audio seconds per wall second, all listeners together
    per_core: float  # listeners one core keeps in real time at this rate
    private_mb: float  # private memory per listener engine


@dataclass
class AlignmentRow:
    listeners: int
    hours: float
    bars: int
    messages: int  # shared and personal, in all
    mismatched_bars: int  # bar lines where any listener differs from listener 1 (want 0)
    distinct_notes: float  # share of listener pairs whose notes differ (want 1.0)
    wall: float
    speed: float  # performance seconds per wall second, all listeners


def _private_bytes() -> int:
    total = 0
    with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1]) * 1024
    return total


def per_listener(
    counts: tuple[int, ...] = (1, 4, 8, 16), seconds: float = 20.0, score: Path = FOREST
) -> list[ListenerRow]:
    rows = []
    loaded = load_score(score)
    for count in counts:
        before = _private_bytes()
        with Performance(loaded, count, seed=1) as performance:
            for listener_id in performance.listeners:  # everyone busy: mid-piece, not silent
                performance.send(f"/listener/{listener_id}/state/arousal", 0.3)
            buffers = round(seconds * SR / performance.buffersize)
            started = time.perf_counter()
            for _ in range(buffers):
                performance.step()
            wall = time.perf_counter() - started
            private = (_private_bytes() - before) / count
        realtime = count * buffers * performance.buffersize / SR / wall
        rows.append(ListenerRow(count, realtime, realtime, private / 2**20))
    return rows


def _timeline(
    score: Score, ids: list[str], hours: float, seed: int
) -> list[tuple[float, str, tuple[object, ...]]]:
    """An hour of a performance, seeded: (seconds, address, args), in time order."""
    rng = random.Random(seed)
    end = hours * 3600.0
    events: list[tuple[float, str, tuple[object, ...]]] = []
    scenes = list(score.scenes)
    stingers = [s.event for s in score.stingers.values()]
    t = 0.0
    while t < end:  # shared: scenes every 30-90 s, mood every 5-20 s, now and then tempo, key
        events.append((t, "/scene", (rng.choice(scenes),)))
        t += rng.uniform(30, 90)
    t = 0.0
    while t < end:
        events.append((t, "/state/arousal", (rng.uniform(-1, 1),)))
        events.append((t, "/state/valence", (rng.uniform(-1, 1),)))
        t += rng.uniform(5, 20)
    t = rng.uniform(60, 300)
    while t < end:
        events.append((t, "/tempo", (rng.uniform(60, 140),)))
        events.append((t + rng.uniform(20, 60), "/tempo", (0.0,)))
        events.append((t + rng.uniform(0, 60), "/key", (rng.choice(["C", "D", "F#", "A"]),)))
        events.append((t + rng.uniform(60, 120), "/key", ("score",)))
        t += rng.uniform(120, 400)
    for listener_id in ids:  # personal: a heart once a second, movement, mood, events
        heart, here = rng.uniform(60, 90), f"/listener/{listener_id}"
        for second in range(int(end)):
            heart = min(170.0, max(50.0, heart + rng.gauss(0, 1.5)))
            events.append((float(second), f"{here}/state/heartrate", (heart,)))
            if second % 2 == 0:
                events.append((float(second), f"{here}/state/movement", (rng.random(),)))
            if rng.random() < 0.02:
                events.append((float(second), f"{here}/state/arousal", (rng.uniform(-1, 1),)))
            if stingers and rng.random() < 0.005:
                events.append((float(second), f"{here}/event", (rng.choice(stingers), 0.8)))
    events.sort(key=lambda e: e[0])
    return events


def alignment(
    listeners: int = 16,
    hours: float = 1.0,
    buffersize: int = 4096,
    score: Path = FOREST,
    seed: int = 7,
    shared_form: bool = True,
) -> AlignmentRow:
    """N listeners' conductors through ``hours`` of a seeded performance; bar lines compared.

    ``shared_form=False`` is the control: conductors that follow every input for their form,
    as a lone engine does, drift apart as soon as one listener's heart moves the tempo."""
    loaded = load_score(score)
    catalog = default_catalog()
    ids = default_ids(listeners)
    routers = {i: Router(loaded) for i in ids}
    conductors = {
        i: Conductor(
            loaded,
            catalog,
            sr=SR,
            buffersize=buffersize,
            seed=listener_seed(seed, i),
            shared_form=shared_form,
        )
        for i in ids
    }
    bars: dict[str, list[float]] = {i: [] for i in ids}
    notes: dict[str, list[tuple[int, float]]] = {i: [] for i in ids}
    timeline = _timeline(loaded, ids, hours, seed)
    buffers = round(hours * 3600 * SR / buffersize)
    started = time.perf_counter()
    position = 0
    for index in range(buffers):
        sample, end = index * buffersize, (index + 1) * buffersize
        while position < len(timeline) and timeline[position][0] * SR < end:
            at, address, args = timeline[position]
            position += 1
            target, inner = split_listener(address)
            for i in [target] if target is not None else ids:
                commands: list[Command] = routers[i].route(inner, args, at)
                for command in commands:
                    conductors[i].apply(command, sample, target is not None)
        for i, conductor in conductors.items():
            bar = conductor.transport.bar
            conductor.step(sample, buffersize)
            if conductor.transport.bar != bar:
                bars[i].append(conductor.transport.bar_start)
            for action in conductor.drain():
                note = getattr(action, "note", None)
                if note is not None and len(notes[i]) < 5000:
                    notes[i].append((getattr(action, "sample", 0), note.pitch))
    wall = time.perf_counter() - started
    first = bars[ids[0]]
    mismatched = sum(
        1
        for n, start in enumerate(first)
        if any(n >= len(bars[i]) or bars[i][n] != start for i in ids[1:])
    )
    mismatched += max(abs(len(bars[i]) - len(first)) for i in ids)
    pairs = [(a, b) for n, a in enumerate(ids) for b in ids[n + 1 :]]
    distinct = sum(1 for a, b in pairs if notes[a] != notes[b]) / len(pairs) if pairs else 1.0
    return AlignmentRow(
        listeners=listeners,
        hours=hours,
        bars=len(first),
        messages=position,
        mismatched_bars=mismatched,
        distinct_notes=distinct,
        wall=wall,
        speed=listeners * hours * 3600 / wall,
    )


def table(rows: list[ListenerRow], aligned: AlignmentRow) -> str:
    head = f"{'listeners':>9} {'x RT (all)':>11} {'per core':>9} {'private MB':>11}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.listeners:>9} {r.realtime:>11.1f} {r.per_core:>9.1f} {r.private_mb:>11.1f}"
        )
    a = aligned
    lines.append(
        f"form over {a.hours:g} h, {a.listeners} listeners: {a.bars} bars, {a.messages} messages, "
        f"{a.mismatched_bars} mismatched bar lines, distinct notes in {100 * a.distinct_notes:.0f}"
        f" % of pairs, {a.wall:.1f} s wall ({a.speed:.0f}x real time, all listeners)"
    )
    return "\n".join(lines)


def as_json(rows: list[ListenerRow], aligned: AlignmentRow) -> dict[str, object]:
    return {"listeners": [asdict(r) for r in rows], "alignment": asdict(aligned)}
