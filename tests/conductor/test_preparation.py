"""Bars prepared ahead: the slice schedule, and the bundled scores' work spread over buffers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from engine import load_score
from engine.catalog import default_catalog
from engine.conductor.preparation import Preparation
from engine.events import NoteEvent, StemEvent
from engine.state.timeline import load_timeline
from tests.conductor.stage import Stage

ROOT = Path(__file__).resolve().parents[2]
SCORES = sorted((ROOT / "scores").glob("*.yaml"))
SR, FRAMES = 48000, 256


# -- the queue ------------------------------------------------------------------------------
journal: list[str] = []


def slice_named(name: str):
    return lambda: journal.append(name)


def test_slices_spread_one_per_buffer_when_the_deadline_allows() -> None:
    journal.clear()
    prep = Preparation()
    for name in "abcde":
        prep.add(10 * FRAMES + 3, slice_named(name))
    ran = [prep.run(i * FRAMES, FRAMES) for i in range(11)]
    assert ran == [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    assert journal == list("abcde")


def test_a_tight_deadline_takes_the_smallest_even_share() -> None:
    journal.clear()
    prep = Preparation()
    for name in "abcdefg":
        prep.add(3 * FRAMES, slice_named(name))  # the buffer starting at 3*FRAMES needs them
    assert [prep.run(i * FRAMES, FRAMES) for i in range(4)] == [3, 2, 2, 0]
    assert journal == list("abcdefg")


def test_work_due_in_this_buffer_runs_now_and_earliest_deadlines_go_first() -> None:
    journal.clear()
    prep = Preparation()
    prep.add(50 * FRAMES, slice_named("late"))
    prep.add(FRAMES - 1, slice_named("due"))
    prep.add(FRAMES - 1, slice_named("due too"))
    assert prep.run(0, FRAMES) == 2  # share would be 1; both are due in this buffer
    assert journal == ["due", "due too"]
    assert prep.run(0, FRAMES, share=False) == 0  # nothing else is due
    assert prep.run(FRAMES, FRAMES) == 1 and journal[-1] == "late"


def test_a_slice_may_queue_more_for_later_buffers() -> None:
    journal.clear()
    prep = Preparation()

    def decide() -> None:
        journal.append("decide")
        for name in "xyz":
            prep.add(20 * FRAMES, slice_named(name))

    prep.add(20 * FRAMES, decide)
    assert [prep.run(i * FRAMES, FRAMES) for i in range(5)] == [1, 1, 1, 1, 0]
    assert journal == ["decide", "x", "y", "z"]


# -- the bundled scores ----------------------------------------------------------------------
@dataclass
class Counting:
    """A performer that records calls per buffer (the conductor's real calls, no audio).

    Like the orchestra, it counts a resume only for a channel that is suspended (every channel
    starts so): resuming a running channel costs nothing.
    """

    buffer: int = 0
    running: set[str] = field(default_factory=set)
    calls: Counter[tuple[int, str]] = field(default_factory=Counter)
    notes: list[tuple[int, str, float]] = field(default_factory=list)

    def note(self, channel: str, event: NoteEvent) -> None:
        self.notes.append((self.buffer * FRAMES + event.offset, channel, event.pitch))

    def expect(self, channel: str, count: int) -> None:
        pass

    def stem(self, channel: str, event: StemEvent) -> None:
        pass

    def set_param(self, channel: str, name: str, value: float) -> None:
        pass

    def set_mix(self, channel: str, gain_db: float, pan: float, reverb: float) -> None:
        pass

    def fade(self, channel: str, level: float, seconds: float) -> None:
        pass

    def duck(self, channel: str, db: float, seconds: float) -> None:
        pass

    def suspend(self, channel: str) -> None:
        self.running.discard(channel)

    def resume(self, channel: str) -> None:
        if channel not in self.running:
            self.running.add(channel)
            self.calls[self.buffer, "resume"] += 1

    def set_dynamics(self, db: float) -> None:
        pass


def play(score_path: Path, seconds: float, seed: int | None = None):
    """The conductor through a score's demo timeline; counts per buffer."""
    score = load_score(score_path)
    performer = Counting()
    log: list[tuple[int, str, dict]] = []
    stage = Stage(
        score,
        default_catalog(),
        performer,
        sr=SR,
        buffersize=FRAMES,
        seed=score.seed if seed is None else seed,
        observer=lambda s, k, d: log.append((s, k, d)),
    )
    conductor = stage.conductor
    for layer in conductor.layers.values():
        real = layer.generator.bar

        def counted(ctx, real=real):
            performer.calls[performer.buffer, "generate"] += 1
            return real(ctx)

        layer.generator.bar = counted  # type: ignore[method-assign]
    timeline = [
        (round(m.time * SR), m) for m in load_timeline(score_path.with_suffix(".timeline.jsonl"))
    ]
    slices: list[int] = []
    for index in range(int(seconds * SR / FRAMES)):
        start = index * FRAMES
        performer.buffer = index
        while timeline and timeline[0][0] < start + FRAMES:
            message = timeline.pop(0)[1]
            stage.handle(message.address, message.args, start)
        stage.step(start, FRAMES)
        slices.append(conductor.preparation.ran)
    return performer, log, slices


@pytest.mark.parametrize("score", SCORES, ids=lambda p: p.stem)
def test_no_buffer_after_the_first_asks_more_than_one_generator_or_wakes_two_layers(
    score: Path,
) -> None:
    performer, log, slices = play(score, 60)
    bars = [s for s, k, d in log if k == "beat" and d["beat"] == 0]
    scenes = [s for s, k, _ in log if k == "scene"]
    assert len(bars) > 10 and scenes  # the timeline really changes scenes
    per_buffer = {kind: Counter() for kind in ("generate", "resume")}
    for (buffer, kind), count in performer.calls.items():
        per_buffer[kind][buffer] = count
    assert max(per_buffer["generate"][b] for b in range(1, len(slices))) <= 1
    assert max(per_buffer["resume"][b] for b in range(1, len(slices))) <= 1
    assert max(slices[1:]) <= 1
    # the first buffer wrote the whole first bar at once (live, it is primed off the clock)
    assert per_buffer["generate"][0] >= 2
    # bar lines and scene entries (on a bar or on a beat) only flip: they ask no generator
    line_buffers = {s // FRAMES for s in bars[1:] + scenes}
    assert all(per_buffer["generate"][b] == 0 for b in line_buffers)
    assert all(per_buffer["resume"][b] == 0 for b in line_buffers)


@pytest.mark.parametrize("score", SCORES, ids=lambda p: p.stem)
def test_prepared_bars_are_deterministic(score: Path) -> None:
    a, log_a, _ = play(score, 30)
    b, log_b, _ = play(score, 30)
    c, _, _ = play(score, 30, seed=99)
    assert a.notes and a.notes == b.notes and log_a == log_b
    assert a.notes != c.notes
