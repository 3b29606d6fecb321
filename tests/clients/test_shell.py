"""The shell examples (demos/shell/*.sh, liblo's oscsend and oscdump) against a real engine."""

from __future__ import annotations

import os
import shlex
import subprocess
import time

import pytest

from tests.playing import ROOT, PlayingEngine, free_udp_port, require_tool

from .scenario import SECONDS, STATE, check_beats, check_summary

SHELL = ROOT / "demos" / "shell"
#: What the test sends, script by script; every message is valid.
SENDS = [
    ("mood.sh", "0.8 -0.5"),
    ("state.sh", "movement 0.5"),
    ("scene.sh", "grove"),
    ("event.sh", "discovery 0.7"),
    ("tempo.sh", "0"),
    ("heartbeat.sh", "60 72 1"),  # 5 messages, 60 to 72 in 0.25 s steps
]
VALID = 5 + 5


def run(script: str, args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SHELL / script), *shlex.split(args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(
    "script", ["mood.sh", "state.sh", "scene.sh", "event.sh", "tempo.sh", "stats.sh"]
)
def test_shell_scripts_explain_their_usage(script: str) -> None:
    require_tool("bash")
    result = run(script, "", dict(os.environ))
    assert result.returncode == 2
    assert result.stderr.startswith(f"usage: {script} ")


@pytest.fixture
def liblo() -> None:
    """oscsend and oscdump, checked before the engine starts, so that a skip is quick."""
    require_tool("bash", "oscsend", "oscdump")


@pytest.mark.usefixtures("liblo")
def test_shell_scripts_steer_the_engine_and_hear_its_feedback(engine: PlayingEngine) -> None:
    env = {**os.environ, "SOUNDSCAPE_HOST": "127.0.0.1", "SOUNDSCAPE_PORT": str(engine.port)}
    listen_port = free_udp_port()
    listener = subprocess.Popen(
        ["bash", str(SHELL / "listen.sh"), str(listen_port), str(SECONDS)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.5)  # listen.sh has subscribed
    for script, args in SENDS:
        result = run(script, args, env)
        assert result.returncode == 0, f"{script} {args}: {result.stderr}"
    time.sleep(SECONDS / 2)
    assert run("stats.sh", str(listen_port), env).returncode == 0
    try:
        stdout, stderr = listener.communicate(timeout=SECONDS + 15)
    finally:
        listener.kill()
    summary = engine.stop()
    output = f"listen.sh stdout:\n{stdout}\nlisten.sh stderr:\n{stderr}"
    assert listener.returncode == 0, output
    # oscdump prints "TIMETAG ADDRESS TYPES VALUES...", strings quoted
    messages = [line.split()[1:] for line in stdout.splitlines() if len(line.split()) > 2]
    beats = [(int(m[2]), int(m[3]), float(m[4])) for m in messages if m[0] == "/engine/beat"]
    check_beats(beats, SECONDS, output)
    assert ["/engine/scene", "s", '"grove"'] in messages, output
    assert ["/engine/stinger", "s", '"discovery"'] in messages, output
    assert any(m[0] == "/engine/levels" for m in messages), output
    [stats] = [m for m in messages if m[0] == "/engine/stats"]
    # + stats.sh + a subscription, renewed every 3 s since listen.sh started
    assert stats[2] == '"received"', output
    assert VALID + 1 + 2 <= int(stats[3]) <= VALID + 1 + 3, output
    check_summary(summary, {**STATE, "movement": 0.5}, valid=VALID)
