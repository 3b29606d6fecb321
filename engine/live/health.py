"""Is the audio still running? The player asks once per status period.

Four signs, most specific first: the private jackd has exited; the JACK server told our monitor
it shut down; pyo lost its own JACK client (pyo shuts its server down when that happens); or,
for any backend, pyo's callback stopped running: the buffer count stands still while wall time
passes. Each gives a sentence for the error message; None means all is well.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from engine.live.jack import DummyJackServer, JackMonitor


class StallWatch:
    """Notices when the buffer count stops advancing for longer than ``limit`` seconds."""

    def __init__(self, limit: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._buffers = -1
        self._since = clock()

    def reset(self) -> None:
        """Start afresh (a new audio server starts counting again)."""
        self._buffers = -1
        self._since = self.clock()

    def stalled(self, buffers: int) -> float | None:
        """Seconds the count has stood still, once that exceeds the limit; else None."""
        now = self.clock()
        if buffers != self._buffers:
            self._buffers, self._since = buffers, now
            return None
        still = now - self._since
        return still if still > self.limit else None


def audio_death(
    *,
    jackd: DummyJackServer | None,
    monitor: JackMonitor | None,
    pyo_booted: bool,
    stalled: float | None,
) -> str | None:
    """Why the audio is gone, as a sentence; None while it runs."""
    if jackd is not None and (how := jackd.death()) is not None:
        return f"the audio server died ({how})"
    if monitor is not None and monitor.shutdown is not None:
        return f"the audio server died (JACK said: {monitor.shutdown})"
    if not pyo_booted:
        return "the audio server dropped the engine (pyo lost its JACK client)"
    if stalled is not None:
        return f"the audio stopped (no buffer computed for {stalled:.1f} s)"
    return None
