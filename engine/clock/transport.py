"""The transport: where the music is, in bars, beats and samples.

Tempo is constant inside a bar and may change only at a bar line, so a position inside the current
bar converts to a sample exactly: ``bar_start + beat * samples_per_beat``. This is the one place
where beats become samples. Sample positions are floats (the bar line need not fall on a sample);
events round to the nearest sample when they are handed to an instrument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Transport:
    sr: int
    beats_per_bar: int
    bpm: float
    bar: int = -1  # index of the current bar; -1 before the first bar starts
    bar_start: float = 0.0  # sample position of the current bar's first beat

    @property
    def samples_per_beat(self) -> float:
        return self.sr * 60.0 / self.bpm

    @property
    def bar_length(self) -> float:
        return self.beats_per_bar * self.samples_per_beat

    @property
    def next_bar_start(self) -> float:
        return 0.0 if self.bar < 0 else self.bar_start + self.bar_length

    def start_next_bar(self, bpm: float) -> None:
        """Move to the next bar line; the new bar plays at ``bpm``."""
        self.bar_start = self.next_bar_start
        self.bar += 1
        self.bpm = bpm

    def sample_at(self, beat: float) -> float:
        """The sample position of ``beat`` beats after the current bar's start."""
        return self.bar_start + beat * self.samples_per_beat

    def beat_at(self, sample: float) -> float:
        """Beats from the current bar's start to ``sample``."""
        return (sample - self.bar_start) / self.samples_per_beat

    def next_beat(self, sample: float) -> tuple[int, float]:
        """The first beat line at or after ``sample``: (bar index, beat in that bar).

        A beat line past the current bar is reported as beat 0 of the next bar, whose sample
        position is only known once that bar's tempo is chosen.
        """
        beat = math.ceil(self.beat_at(sample) - 1e-9)
        if beat >= self.beats_per_bar:
            return self.bar + 1, 0.0
        return self.bar, float(max(0, beat))

    def next_bar_line(self, sample: float, every: int = 1) -> int:
        """The first bar at or after ``sample`` whose index is a multiple of ``every``."""
        bar = self.bar if sample <= self.bar_start + 1e-6 else self.bar + 1
        return bar + (-bar) % every
