"""Work done ahead of the sample that needs it, a slice per buffer, so no buffer carries a spike.

A bar start used to do everything in the one buffer holding its bar line: decide tempo, mode and
chord, then ask every layer's generator for the bar and humanise it (~1-2 ms of Python, 4-6 ms
on a slower machine: more than a 256-frame buffer lasts). Scene entries added the cost of
waking each entering instrument. The conductor now hands that work to a :class:`Preparation`
as *slices* (one layer's bar, one instrument's wake), each with a *deadline*: the sample by
which its result must exist (a bar line, a landing).

The contract of :meth:`Preparation.run`, called once per buffer before anything is due:

- slices run earliest deadline first (ties in the order they were added);
- each buffer runs the smallest even share that still finishes every slice before the buffer
  holding its deadline: ``ceil(k / buffers left before deadline k)`` over the queued deadlines,
  at least one slice when any is queued (working early is free), so a bar of eight layers
  prepared over ~19 buffers costs one slice per buffer;
- a slice whose deadline falls in this buffer always runs now, whatever the share: late work
  is a spike, never a wrong note.

What the slices see is the conductor's business (a bar plan decides from a snapshot of the
inputs taken when its window opened); this module only decides *when* each slice runs, which
depends on nothing but the buffer grid and the deadlines: the same timeline gives the same
slices in the same buffers, so renders stay deterministic.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.music.harmony import Chord
from engine.music.scales import Scale
from engine.score.model import SceneSpec

Slice = Callable[[], None]


class Preparation:
    def __init__(self) -> None:
        self._queue: list[tuple[float, int, Slice]] = []
        self._order = itertools.count()
        #: Slices run in the last buffer (tests and benchmarks read it).
        self.ran = 0

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, deadline: float, work: Slice) -> None:
        """Queue ``work`` to be done before the buffer holding sample ``deadline`` is computed."""
        heapq.heappush(self._queue, (deadline, next(self._order), work))

    def due(self, sample: float) -> bool:
        """Whether a slice due at or before ``sample`` is still queued."""
        return bool(self._queue) and self._queue[0][0] <= sample

    def run(self, start: int, frames: int, *, share: bool = True) -> int:
        """Run this buffer's share of the queue, and everything due before ``start + frames``.

        ``share=False`` runs only what is due (a second call in the same buffer).
        """
        queue = self._queue
        count = self._share(start, frames) if share and queue else 0
        end = start + frames
        ran = 0
        while queue and (ran < count or queue[0][0] < end):
            heapq.heappop(queue)[2]()  # a slice may queue more slices
            ran += 1
        self.ran = ran if share else self.ran + ran
        return ran

    def _share(self, start: int, frames: int) -> int:
        """The fewest slices per buffer that meet every deadline (at least one)."""
        share = 1
        for k, (deadline, _, _) in enumerate(sorted(self._queue), 1):
            buffers = max(1, int((deadline - start) // frames))
            share = max(share, -(-k // buffers))
        return share


@dataclass
class BarPlan:
    """The next bar, decided when its preparation window opens and filled in slice by slice.

    ``inputs`` is the state as it was when the window opened: every layer of the bar is written
    from the same snapshot, whichever buffer its slice runs in. ``scene`` is a scene change
    that lands on this bar line (committed when the window opened, so later requests land on a
    later boundary); ``layers`` the layers whose notes the bar holds or will hold.
    """

    bar: int
    start: float  # sample position of the bar line
    bpm: float
    samples_per_beat: float  # computed as the transport does, so positions match it exactly
    inputs: dict[str, float]
    scale: Scale
    chord: Chord
    next_chord: Chord
    tension: float
    bars_per_chord: int
    scene: SceneSpec | None = None
    layers: set[str] = field(default_factory=set)
    #: Layers a reloaded score added to the scene playing: they enter on this bar line.
    entries: set[str] = field(default_factory=set)

    def sample_at(self, beat: float) -> float:
        """The sample position of ``beat`` beats into this bar (as the transport will say)."""
        return self.start + beat * self.samples_per_beat
