"""Fixtures for the instrument tests: a booted manual-mode server, shut down afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.dsp.pyolib import pyo

from .render_helper import BS, SR


@pytest.fixture
def server() -> Iterator[pyo.Server]:
    """A started manual-mode server, like the engine's offline one; new objects attach to it."""
    s = pyo.Server(sr=SR, nchnls=2, buffersize=BS, duplex=0, audio="manual").boot()
    s.setGlobalSeed(1)
    s.start()
    yield s
    s.stop()
    s.shutdown()
