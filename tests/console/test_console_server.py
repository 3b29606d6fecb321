"""The console process (``python -m engine.console``) against a stand-in engine on real UDP, with
a real WebSocket client: what it shows (describe, /engine/error, the score and its errors as the
file changes), what it forwards over OSC (checked, clamped) and what it refuses (foreign origins
and hosts, oversize messages, a flood of commands).

The stand-in answers /engine/describe with the real description of forest (engine.score.describe)
and sends /engine/error when subscribed to: the engine's side of it is tested in tests/live.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from pythonosc.osc_message import OscMessage

from engine import load_score
from engine.osc.sender import encode
from engine.score.describe import describe

ROOT = Path(__file__).resolve().parents[2]
FOREST = ROOT / "scores" / "forest.yaml"
ERROR = "forest.yaml:12:5: tempo.bpm: a reload failed here"
WHY = ("level", "drums +6.2 dB", "layers.drums.gain <- arousal 0.10->0.80")


class StandIn:
    """The engine's OSC side, as far as the console sees it."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.1)
        self.port = int(self.socket.getsockname()[1])
        self.received: list[tuple[str, list[Any]]] = []
        self.description = encode("/engine/describe", describe(load_score(FOREST)))
        self.subscriber: tuple[str, int] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, sender = self.socket.recvfrom(65536)
            except TimeoutError:
                continue
            message = OscMessage(data)
            self.received.append((message.address, list(message.params)))
            if message.address == "/engine/describe":
                self.socket.sendto(self.description, sender)
            elif message.address == "/engine/subscribe":
                self.subscriber = sender
                self.socket.sendto(encode("/engine/error", (ERROR,)), sender)
                self.socket.sendto(encode("/engine/meter", (-21.5, -3.25)), sender)
                self.socket.sendto(encode("/engine/key", ("F#", "phrygian")), sender)
                self.socket.sendto(encode("/engine/why", WHY), sender)

    def reload(self, score: Path) -> None:
        """Play another score, as a live reload does: describe it from now on, and say so."""
        self.description = encode("/engine/describe", describe(load_score(score)))
        assert self.subscriber is not None
        self.socket.sendto(encode("/engine/reloaded", (12,)), self.subscriber)

    def of(self, address: str) -> list[list[Any]]:
        return [args for a, args in list(self.received) if a == address]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


@pytest.fixture
def console(tmp_path: Path) -> Iterator[tuple[StandIn, str, Path]]:
    engine = StandIn()
    score = tmp_path / "forest.yaml"
    shutil.copyfile(FOREST, score)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine.console",
            "--engine-port",
            str(engine.port),
            "--port",
            "0",
            "--score",
            str(score),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("console on http://127.0.0.1:"), line + process.stderr.read()
    try:
        yield engine, line.split()[-1], score
    finally:
        process.terminate()
        process.wait(10)
        engine.close()


async def pictures(url: str, until: Any, timeout: float = 10.0) -> dict[str, Any]:
    """Pushed pictures until ``until(picture)`` holds; returns that one."""
    address = url.replace("http://", "ws://") + "ws"
    async with websockets.connect(address, origin=url.rstrip("/")) as ws:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            picture: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
            if until(picture):
                return picture
    raise AssertionError("the console never showed it")


def test_it_shows_what_the_engine_says_and_the_score(console: tuple[StandIn, str, Path]) -> None:
    engine, url, _ = console
    picture = asyncio.run(
        pictures(
            url,
            lambda p: p["description"] and p["errors"] and p["lufs"] is not None and p["why"],
        )
    )
    assert picture["why"] == ["level drums +6.2 dB: layers.drums.gain <- arousal 0.10->0.80"]
    assert [i["name"] for i in picture["description"]["inputs"]] == [
        "valence",
        "arousal",
        "movement",
        "heartrate",
    ]
    assert picture["description"]["scenes"] == ["meadow", "grove", "ruins"]
    assert picture["errors"] == [ERROR]
    assert (picture["lufs"], picture["true_peak"], picture["key"]) == (
        -21.5,
        -3.25,
        ["F#", "phrygian"],
    )
    assert picture["score"]["error"] is None and "meadow" in picture["score"]["text"]
    assert engine.of("/engine/subscribe") and engine.of("/engine/stats")


def test_after_a_reload_it_asks_for_the_new_controls_and_forgets_the_old_error(
    console: tuple[StandIn, str, Path],
) -> None:
    engine, url, _ = console
    asyncio.run(pictures(url, lambda p: p["description"] and p["errors"]))
    engine.reload(ROOT / "scores" / "legend.yaml")
    legend = describe(load_score(ROOT / "scores" / "legend.yaml"))
    scenes = legend[legend.index("scenes") + 2 : legend.index("events")]
    picture = asyncio.run(
        pictures(url, lambda p: p["description"]["scenes"] == scenes and not p["errors"])
    )
    assert picture["description"]["scenes"] != ["meadow", "grove", "ruins"]


def test_a_broken_edit_shows_its_error_at_its_line(console: tuple[StandIn, str, Path]) -> None:
    _, url, score = console
    text = score.read_text(encoding="utf-8")
    broken = text.replace("seed: 11", "seed: eleven", 1)
    assert broken != text
    score.write_text(broken, encoding="utf-8")
    picture = asyncio.run(pictures(url, lambda p: p.get("score") and p["score"]["error"]))
    error = picture["score"]["error"]
    line = broken.splitlines().index("seed: eleven") + 1
    assert f"forest.yaml:{line}:" in error and "seed" in error, error
    assert picture["score"]["line"] == line


def test_commands_are_checked_clamped_and_forwarded(console: tuple[StandIn, str, Path]) -> None:
    engine, url, _ = console

    async def steer() -> dict[str, Any]:
        address = url.replace("http://", "ws://") + "ws"
        async with websockets.connect(address, origin=url.rstrip("/")) as ws:
            while not json.loads(await ws.recv())["description"]:
                pass
            for command in (
                {"op": "state", "input": "arousal", "value": 5},  # clamped to 1
                {"op": "state", "input": "nosuch", "value": 0.5},
                {"op": "state", "input": "valence", "value": "high"},
                {"op": "scene", "name": "ruins"},
                {"op": "scene", "name": "moon"},
                {"op": "event", "name": "discovery"},
                {"op": "tempo", "bpm": 0},
                {"op": "shutdown"},
            ):
                await ws.send(json.dumps(command))
            await ws.send('{"op": "state", "input": "valence", "value": NaN}')
            await ws.send("not json")
            await asyncio.sleep(1.0)
            picture: dict[str, Any] = json.loads(await ws.recv())
            return picture

    picture = asyncio.run(steer())
    assert engine.of("/state/arousal") == [[1.0]]
    assert engine.of("/scene") == [["ruins"]]
    assert engine.of("/event") == [["discovery"]]
    assert engine.of("/tempo") == [[0.0]]
    assert not engine.of("/state/nosuch") and not engine.of("/state/valence")
    refused = picture["console"]["refused"]
    assert refused["bad_state"] == 3 and refused["unknown_scene"] == 1
    assert refused["bad_command"] == 1 and refused["bad_json"] == 1


def test_a_flood_of_commands_is_rate_limited(console: tuple[StandIn, str, Path]) -> None:
    engine, url, _ = console

    async def flood() -> dict[str, Any]:
        address = url.replace("http://", "ws://") + "ws"
        async with websockets.connect(address, origin=url.rstrip("/")) as ws:
            while not json.loads(await ws.recv())["description"]:
                pass
            command = json.dumps({"op": "state", "input": "movement", "value": 0.5})
            for _ in range(500):
                await ws.send(command)
            await asyncio.sleep(1.0)
            picture: dict[str, Any] = json.loads(await ws.recv())
            return picture

    picture = asyncio.run(flood())
    forwarded = len(engine.of("/state/movement"))
    assert 60 <= forwarded <= 140, forwarded  # the burst, and 60 a second after it
    assert picture["console"]["refused"]["browser_rate"] == 500 - forwarded


def test_oversize_messages_close_the_connection(console: tuple[StandIn, str, Path]) -> None:
    _, url, _ = console

    async def oversize() -> None:
        address = url.replace("http://", "ws://") + "ws"
        async with websockets.connect(address, origin=url.rstrip("/"), max_size=None) as ws:
            await ws.send("x" * 5000)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                for _ in range(50):
                    await asyncio.wait_for(ws.recv(), 5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009

    asyncio.run(oversize())


def test_other_origins_and_host_names_are_refused(console: tuple[StandIn, str, Path]) -> None:
    _, url, _ = console

    async def foreign() -> None:
        address = url.replace("http://", "ws://") + "ws"
        with pytest.raises(websockets.InvalidStatus):
            async with websockets.connect(address, origin="http://evil.example"):
                pass

    asyncio.run(foreign())
    request = urllib.request.Request(url, headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 400
    with urllib.request.urlopen(url, timeout=5) as page:
        assert b"soundscape console" in page.read()


def test_a_busy_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "engine.console", "--port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"error: cannot serve the console on 127.0.0.1:{port}" in result.stderr
    assert "--console PORT" in result.stderr


def gone(pid: int) -> bool:
    """True once the process has exited (a zombie left for its new parent counts)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" in status


def test_the_console_exits_when_its_parent_dies() -> None:
    starter = (
        "import subprocess, sys, time\n"
        "console = subprocess.Popen([sys.executable, '-m', 'engine.console', '--port', '0',"
        " '--engine-port', '9', '--orphan-exit'])\n"
        "print(console.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", starter], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    assert parent.stdout.readline().startswith("console on ")  # it serves
    parent.kill()  # as a kill -9 of the player
    parent.wait(10)
    deadline = time.monotonic() + 5
    while not gone(pid):
        assert time.monotonic() < deadline, "the console outlived its parent"
        time.sleep(0.1)
