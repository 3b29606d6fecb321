"""Fixtures for the real-time tests: the real ``soundscape play`` on a private JACK dummy server,
real UDP on loopback, and the tools a game or a sound designer would point at it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.osc.packet import parse
from tests.playing import FOREST, PlayingEngine


@pytest.fixture
def player(tmp_path: Path) -> Iterator[Callable[..., PlayingEngine]]:
    """Start ``soundscape play --audio dummy`` with extra arguments; killed if a test fails."""
    started: list[PlayingEngine] = []

    def start(*args: str, score: Path = FOREST) -> PlayingEngine:
        started.append(PlayingEngine(tmp_path, *args, score=score).wait_ready())
        return started[-1]

    yield start
    for engine in started:
        engine.kill()


class Listener:
    """A game's feedback port, collecting messages with their arrival time, in a thread."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = int(self.socket.getsockname()[1])
        self.messages: list[tuple[float, str, list[object]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.socket.recv(65536)
            except TimeoutError:
                continue
            now = time.monotonic()
            for message in parse(data):  # stamped feedback comes in bundles (--feedback-ahead)
                self.messages.append((now, message.address, list(message.args)))

    def of(self, address: str) -> list[tuple[float, list[object]]]:
        return [(t, args) for t, a, args in list(self.messages) if a == address]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.close()
