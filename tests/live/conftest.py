"""Fixtures for the real-time tests: the real ``soundscape play`` on a private JACK dummy server,
real UDP on loopback, and the tools a game or a sound designer would point at it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pythonosc.osc_message import OscMessage

ROOT = Path(__file__).resolve().parents[2]
FOREST = ROOT / "scores" / "forest.yaml"


def require(tool: str) -> str:
    """The tool's path; a skip on a developer's machine without it, a failure in CI."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed (scripts/install-test-deps.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Player:
    """``python -m engine play ... --audio dummy`` as a child process."""

    def __init__(self, *args: str, tmp: Path, score: Path = FOREST) -> None:
        require("jackd")
        self.port = free_udp_port()
        self.summary_path = tmp / f"summary-{self.port}.json"
        command = [sys.executable, "-m", "engine", "play", str(score), "--audio", "dummy",
                   "--port", str(self.port), "--quiet", "--summary", str(self.summary_path),
                   *args]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.output: deque[str] = deque(maxlen=500)
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(30):
            self.stop()
            pytest.fail("the engine did not start:\n" + "\n".join(self.output))

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line.rstrip())
            if line.startswith("listening on"):
                self._ready.set()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail("the engine did not stop:\n" + "\n".join(self.output))

    def wait(self, timeout: float = 60.0) -> int:
        return self.process.wait(timeout)

    def summary(self) -> dict[str, Any]:
        return dict(json.loads(self.summary_path.read_text()))


@pytest.fixture
def player(tmp_path: Path) -> Iterator[type[Player]]:
    started: list[Player] = []

    def start(*args: str, score: Path = FOREST) -> Player:
        started.append(Player(*args, tmp=tmp_path, score=score))
        return started[-1]

    yield start  # type: ignore[misc]
    for p in started:
        if p.process.poll() is None:
            p.process.kill()
            p.process.wait()


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
            message = OscMessage(data)
            self.messages.append((time.monotonic(), message.address, list(message.params)))

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
