"""What a live session costs: start-up time, CPU, memory, the audio server's DSP load, and how
long OSC messages wait before the engine applies them.

Cheap by design: the player samples the DSP load once per status period, the session keeps the
age of each applied message in a bounded ring, and the rest is read once at the end. These go
into the exit summary, which is what the benchmarks read (benchmarks/realtime.py).
"""

from __future__ import annotations

import os
import resource
import time
from collections import deque
from collections.abc import Iterable
from typing import Any

#: Most message ages kept (the newest): enough for stable percentiles, bounded memory.
AGES_KEPT = 200_000


class OscAges:
    """Seconds from each message's arrival (or its bundle's time tag) to the buffer that took
    it. Append-only from the audio thread; read at the end."""

    def __init__(self) -> None:
        self.ages: deque[float] = deque(maxlen=AGES_KEPT)

    def add(self, seconds: float) -> None:
        self.ages.append(seconds)

    def percentiles_ms(self) -> dict[str, float | None]:
        return percentiles_ms(self.ages)


def percentiles_ms(values: Iterable[float]) -> dict[str, float | None]:
    ordered = sorted(values)
    if not ordered:
        return {"p50": None, "p99": None, "max": None}

    def at(share: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))], 3)

    return {"p50": at(0.5), "p99": at(0.99), "max": round(1000 * ordered[-1], 3)}


class PlayMeasures:
    def __init__(self) -> None:
        self.loads: list[float] = []
        self._audio_wall = self._audio_cpu = 0.0
        self.startup_seconds: float | None = None

    def audio_started(self) -> None:
        self._audio_wall, self._audio_cpu = time.perf_counter(), time.process_time()
        self.startup_seconds = _process_age()

    def sample_load(self, load: float) -> None:
        self.loads.append(load)

    def results(self) -> dict[str, Any]:
        wall = time.perf_counter() - self._audio_wall
        cpu = time.process_time() - self._audio_cpu
        return {
            "startup_seconds": self.startup_seconds,
            "cpu_percent": round(100 * cpu / wall, 2) if wall > 0 else None,
            "peak_rss_mb": _peak_rss_mb(),
            "private_mb": _private_mb(),
            "dsp_load_mean": round(sum(self.loads) / len(self.loads), 2) if self.loads else None,
            "dsp_load_max": round(max(self.loads), 2) if self.loads else None,
        }


def _peak_rss_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM, which starts afresh at exec;
    getrusage's ru_maxrss does not (a child forked from a big parent inherits its peak)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _private_mb() -> float | None:
    """Memory only this process uses (Linux: USS from /proc). RSS also counts shared pages, such
    as the shared memory every JACK client maps, which the JACK server owns."""
    try:
        with open("/proc/self/smaps_rollup") as rollup:
            fields = dict(line.split(":", 1) for line in rollup if ":" in line)
        kb = int(fields["Private_Clean"].split()[0]) + int(fields["Private_Dirty"].split()[0])
        return round(kb / 1024, 1)
    except (OSError, KeyError, ValueError):
        return None


def _process_age() -> float | None:
    """Seconds since this process started (Linux: /proc), or None where that is unknown."""
    try:
        with open("/proc/self/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # field 22, starttime, counted after the ")" of the name
        with open("/proc/uptime") as uptime:
            since_boot = float(uptime.read().split()[0])
        return round(since_boot - ticks / os.sysconf("SC_CLK_TCK"), 3)
    except (OSError, ValueError, IndexError):
        return None
