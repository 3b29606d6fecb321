"""A real engine for tests: ``python -m engine play`` on a private JACK dummy server, on a free
UDP port, as a child process; and the external tools tests point at it.

Shared by tests/live (the engine's own real-time tests) and tests/clients (the game clients).
"""

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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOREST = ROOT / "scores" / "forest.yaml"
#: How long the engine may take to say it listens (it starts a JACK server first).
READY_TIMEOUT = 30.0
#: A safety net: the engine stops by itself after this even if a test never stops it.
MAX_SECONDS = 120


def require_tool(*names: str) -> dict[str, str]:
    """Paths of the named programs. Missing ones skip the test on a developer's machine, or fail
    it under CI, which installs them (scripts/install-test-deps.sh)."""
    found = {name: shutil.which(name) for name in names}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        reason = f"{', '.join(missing)} not installed (scripts/install-test-deps.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and CI is set: CI must install it", pytrace=False)
        pytest.skip(reason)
    return {name: path for name, path in found.items() if path is not None}


def require(name: str) -> str:
    return require_tool(name)[name]


class XrunFloor:
    """The machine's own xruns while a test's engine plays: one pyo sine on a private JACK
    dummy server and nothing else (benchmarks/baseline_client.py), started now and running for
    ``seconds`` beside the engine, so both see the same load. The dummy driver is timer-driven:
    a loaded or shared machine makes xruns whoever the client is."""

    def __init__(self, seconds: float, buffersize: int = 256) -> None:
        self.seconds = seconds
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.baseline_client", str(buffersize), str(seconds)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def xruns(self) -> int:
        out, _ = self.process.communicate(timeout=self.seconds + 60)
        assert self.process.returncode == 0, "the floor's client failed"
        return int(json.loads(out.splitlines()[-1])["xruns"])


def xruns_allowed(floor: int) -> int:
    """What a real-time test may count beside the floor measured in the same test: twice the
    floor plus two. A callback that really misses its deadlines gives tens to hundreds in the
    same time (docs/performance.md), so a regression still fails while a loaded machine does
    not."""
    return 2 + 2 * floor


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PlayingEngine:
    """A running ``soundscape play --audio dummy``: its port, its output, and :meth:`stop`."""

    def __init__(
        self,
        workdir: Path,
        *args: str,
        score: Path = FOREST,
        preexec_fn: Callable[[], None] | None = None,
    ) -> None:
        require_tool("jackd")
        self.port = free_udp_port()
        self.summary_path = workdir / f"summary-{self.port}.json"
        self.stderr_path = workdir / f"engine-{self.port}.stderr"
        self.lines: list[str] = []
        self._ready = threading.Event()
        with self.stderr_path.open("w") as stderr:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "engine",
                    "play",
                    str(score),
                    "--audio",
                    "dummy",
                    "--port",
                    str(self.port),
                    "--duration",
                    str(MAX_SECONDS),
                    "--quiet",
                    "--summary",
                    str(self.summary_path),
                    *args,
                ],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                preexec_fn=preexec_fn,
            )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("listening on ") and line.rstrip().endswith(f":{self.port}"):
                self._ready.set()

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> PlayingEngine:
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                pytest.fail(
                    f"the engine did not start listening on port {self.port} "
                    f"within {timeout:g} s\n{self.output()}",
                    pytrace=False,
                )
        return self

    def stop(
        self, sig: int = signal.SIGINT, timeout: float = 20.0, *, expect: int = 0
    ) -> dict[str, Any]:
        """Signal, wait for an exit with status ``expect`` (0: clean), and return the summary it
        wrote."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(
                f"the engine did not stop within {timeout:g} s of {sig!r}\n{self.output()}",
                pytrace=False,
            )
        assert code == expect, f"the engine exited with {code}\n{self.output()}"
        assert self.summary_path.exists(), f"no summary written\n{self.output()}"
        summary: dict[str, Any] = json.loads(self.summary_path.read_text(encoding="utf-8"))
        return summary

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def output(self) -> str:
        stderr = self.stderr_path.read_text(encoding="utf-8", errors="replace")
        return "engine stdout:\n" + "\n".join(self.lines) + "\nengine stderr:\n" + stderr
