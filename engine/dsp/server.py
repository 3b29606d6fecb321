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


#: What :func:`record_to` writes: 24-bit stereo PCM after a 44-byte WAV header.
RECORD_CHANNELS = 2
RECORD_SAMPLE_BYTES = 3
RECORD_HEADER_BYTES = 44


def recorded_bytes(frames: int) -> int:
    """The size of a :func:`record_to` file holding ``frames`` frames."""
    return RECORD_HEADER_BYTES + frames * RECORD_CHANNELS * RECORD_SAMPLE_BYTES


def record_to(server: pyo.Server, path: str) -> None:
    """Record everything the server outputs to a 24-bit WAV (no timestamp: bit-identical).

    libsndfile creates the file and writes its header now, then appends each buffer as pyo
    computes it (in C; its write errors never reach Python); the header's sizes are final only
    after ``server.recstop()``. :class:`engine.render.wavfile.GrowingWav` keeps them current."""
    server.recordOptions(dur=-1, filename=path, fileformat=0, sampletype=1)
    server.recstart()
