"""Capturing a session without playing it: ``soundscape record``, and liblo's own ``oscdump``;
both files render offline."""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
import time
from pathlib import Path

from pythonosc.udp_client import SimpleUDPClient

from engine.state.timeline import load_timeline, recorded_length
from tests.diskfull import file_size_limit
from tests.playing import FOREST, ROOT, free_udp_port, require


def send_session(port: int) -> None:
    oscsend = require("oscsend")
    for address, types, *values in (
        ("/state/mood", "ff", 0.5, -0.5),
        ("/scene", "s", "ruins"),
        ("/event", "sf", "discovery", 0.75),
    ):
        subprocess.run(
            [oscsend, "127.0.0.1", str(port), address, types, *map(str, values)],
            check=True,
            timeout=10,
        )
        time.sleep(0.3)


def render(timeline: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "render",
            str(FOREST),
            "--timeline",
            str(timeline),
            "--out",
            str(out),
            "--duration",
            "3",
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def capture(command: list[str], port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)  # it binds its port
    sender = threading.Thread(target=send_session, args=(port,))
    sender.start()
    sender.join()
    return process


def test_record_logs_what_a_game_sends_with_arrival_times(tmp_path: Path) -> None:
    port = free_udp_port()
    out = tmp_path / "session.jsonl"
    process = capture(
        [
            sys.executable,
            "-m",
            "engine",
            "record",
            "--port",
            str(port),
            "--out",
            str(out),
            "--duration",
            "2.5",
        ],
        port,
    )
    stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert f"listening on 127.0.0.1:{port}" in stdout and "3 messages" in stdout
    messages = load_timeline(out)
    assert [(m.address, m.args) for m in messages] == [
        ("/state/mood", (0.5, -0.5)),
        ("/scene", ("ruins",)),
        ("/event", ("discovery", 0.75)),
    ]
    gaps = [b.time - a.time for a, b in itertools.pairwise(messages)]
    assert all(0.25 <= gap <= 1.0 for gap in gaps)  # oscsend's start-up plus our 0.3 s pauses
    assert 2.4 <= (recorded_length(out) or 0) <= 3.5
    result = render(out, tmp_path / "replay.wav")
    assert result.returncode == 0, result.stderr
    assert "dropped" not in result.stdout


def test_an_oscdump_capture_renders_as_a_timeline(tmp_path: Path) -> None:
    port = free_udp_port()
    dump = tmp_path / "session.txt"
    with dump.open("w") as out:
        process = subprocess.Popen([require("oscdump"), "-L", str(port)], stdout=out)
        time.sleep(0.5)
        send_session(port)
        time.sleep(0.2)
        process.terminate()
        process.wait(10)
    messages = load_timeline(dump)
    assert [m.address for m in messages] == ["/state/mood", "/scene", "/event"]
    assert messages[0].time == 0.0 and messages[2].args == ("discovery", 0.75)
    result = render(dump, tmp_path / "replay.wav")
    assert result.returncode == 0, result.stderr
    assert "dropped" not in result.stdout


def test_record_stops_with_a_clear_error_when_its_file_cannot_grow(tmp_path: Path) -> None:
    port = free_udp_port()
    out = tmp_path / "session.jsonl"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine",
            "record",
            "--port",
            str(port),
            "--out",
            str(out),
            "--duration",
            "20",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=file_size_limit(600),  # the first line and a few messages
    )
    time.sleep(1.0)  # it binds its port
    client = SimpleUDPClient("127.0.0.1", port)
    for step in range(200):
        if process.poll() is not None:
            break
        client.send_message("/state/heartrate", 60 + step)
        time.sleep(0.02)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 2, stderr
    assert f"error: cannot write {out}: File too large (the file size limit, ulimit -f); " in (
        stderr
    )
    kept = int(stderr.split("keeps ")[1].split(" messages")[0])
    # the file ends on a whole line and holds exactly the messages it says, in order
    messages = load_timeline(out)
    assert 3 <= kept == len(messages) and out.stat().st_size <= 600
    assert [m.args[0] for m in messages] == list(range(60, 60 + kept))
    assert f"listening on 127.0.0.1:{port}" in stdout


def test_record_refuses_an_unwritable_file_before_listening(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "record",
            "--out",
            str(blocker / "s.jsonl"),
            "--port",
            str(free_udp_port()),
            "--duration",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert f"error: cannot write {blocker}/s.jsonl: {blocker} is a file" in result.stderr
    assert "listening" not in result.stdout
