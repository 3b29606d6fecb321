"""A real engine for the game-client tests (tests/playing.py): ``soundscape play`` on a private
JACK dummy server, stopped with SIGINT so that it writes its summary."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.playing import PlayingEngine

from .scenario import SUBSCRIPTION_TTL


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[PlayingEngine]:
    """``soundscape play scores/forest.yaml`` listening on a free port, ready for messages; its
    subscriptions end unless renewed within SUBSCRIPTION_TTL, shorter than a driver listens."""
    running = PlayingEngine(tmp_path, "--subscription-ttl", str(SUBSCRIPTION_TTL))
    try:
        running.wait_ready()
        yield running
    finally:
        if running.process.poll() is None:
            running.process.send_signal(signal.SIGINT)
            try:
                running.process.wait(20)
            except subprocess.TimeoutExpired:
                running.kill()
