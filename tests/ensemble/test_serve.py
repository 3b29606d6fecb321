"""``soundscape serve`` for real (issue 15 item 1): a process serving three listeners, steered
over UDP on 127.0.0.1 by this test and by liblo's oscsend, recording each listener's own mix."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from engine.analysis import read_wav
from engine.osc.packet import parse
from engine.osc.sender import encode
from tests.playing import free_udp_port, require_tool

ROOT = Path(__file__).resolve().parents[2]


def test_serve_steers_one_listener_or_all_over_udp(tmp_path: Path) -> None:
    oscsend = require_tool("oscsend")["oscsend"]
    port = free_udp_port()
    record, summary_path = tmp_path / "mixes", tmp_path / "summary.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine",
            "serve",
            str(ROOT / "scores" / "forest.yaml"),
            "--listeners",
            "3",
            "--port",
            str(port),
            "--duration",
            "8",
            "--record-dir",
            str(record),
            "--summary",
            str(summary_path),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    serving = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("serving 3 listeners"):
                serving.set()

    threading.Thread(target=read, daemon=True).start()
    game = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a game: subscribes, hears beats
    game.bind(("127.0.0.1", 0))
    game.settimeout(0.2)
    heard: list[tuple[str, tuple[object, ...]]] = []

    def listen() -> None:
        while process.poll() is None:
            try:
                data = game.recv(65536)
            except OSError:
                continue
            heard.extend((m.address, m.args) for m in parse(data))

    try:
        assert serving.wait(60), "".join(lines)
        threading.Thread(target=listen, daemon=True).start()
        game.sendto(encode("/engine/subscribe", []), ("127.0.0.1", port))
        game.sendto(encode("/engine/bogus", []), ("127.0.0.1", port))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(encode("/state/arousal", [0.5]), ("127.0.0.1", port))
            sock.sendto(encode("/listener/9/state/arousal", [1.0]), ("127.0.0.1", port))
            subprocess.run(
                [oscsend, "127.0.0.1", str(port), "/listener/3/state/arousal", "f", "-0.8"],
                check=True,
                timeout=10,
            )
            for _ in range(10):  # a strap on listener 2 only, twice a second
                sock.sendto(encode("/listener/2/state/heartrate", [150.0]), ("127.0.0.1", port))
                time.sleep(0.5)
        assert process.wait(60) == 0, "".join(lines)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        game.close()
    summary = json.loads(summary_path.read_text())
    listeners = summary["listeners"]
    assert set(listeners) == {"1", "2", "3"}
    assert listeners["2"]["inputs"]["heartrate"] > 130  # smoothed on its way to 150
    for other in ("1", "3"):
        assert listeners[other]["inputs"]["heartrate"] < 100
    assert listeners["3"]["inputs"]["arousal"] == pytest.approx(-0.8, abs=0.05)
    assert listeners["1"]["inputs"]["arousal"] == pytest.approx(0.5, abs=0.05)
    assert summary["dropped"].get("unknown_listener") == 1
    assert summary["received"] == 15
    assert summary["dropped"].get("unknown_address") == 1
    # the game heard the form's beats, in order, and no listener's own reports
    beats = [args for address, args in heard if address == "/engine/beat"]
    assert len(beats) >= 6, heard[:10]
    assert [tuple(b[:2]) for b in beats] == sorted(tuple(b[:2]) for b in beats)
    assert {address for address, _ in heard} <= {"/engine/beat", "/engine/scene", "/engine/key"}
    assert summary["feedback"]["subscribers"] == 1
    assert len({listener["seed"] for listener in listeners.values()}) == 3
    assert len({listener["bar"] for listener in listeners.values()}) == 1
    mixes = {n: read_wav(record / f"listener-{n}.wav")[0] for n in ("1", "2", "3")}
    assert {mix.shape for mix in mixes.values()} == {(8 * 48000 // 256 * 256, 2)}
    for a, b in (("1", "2"), ("1", "3"), ("2", "3")):
        assert not np.array_equal(mixes[a], mixes[b])
        assert float(np.sqrt(np.mean(mixes[a] ** 2))) > 0.005
