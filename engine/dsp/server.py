"""pyo servers the engine runs on: offline (manual, one buffer per call) for now."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from engine.dsp.pyolib import pyo


def manual_server(*, sr: int, buffersize: int, seed: int) -> pyo.Server:
    """A booted, started manual-mode server: ``process()`` computes one buffer.

    The global seed is set before any object exists, so pyo's own random objects (noise, random
    walks) repeat exactly: same seed, same samples.
    """
    server = pyo.Server(sr=sr, nchnls=2, buffersize=buffersize, duplex=0, audio="manual")
    server.setVerbosity(1)
    server.boot()
    server.setGlobalSeed(seed)
    server.start()
    return server


@contextlib.contextmanager
def running_manual_server(*, sr: int, buffersize: int, seed: int) -> Iterator[pyo.Server]:
    """A :func:`manual_server` that is stopped and shut down when the block ends."""
    server = manual_server(sr=sr, buffersize=buffersize, seed=seed)
    try:
        yield server
    finally:
        server.stop()
        server.shutdown()


def record_to(server: pyo.Server, path: str) -> None:
    """Record everything the server outputs to a 24-bit WAV (no timestamp: bit-identical)."""
    server.recordOptions(dur=-1, filename=path, fileformat=0, sampletype=1)
    server.recstart()
