"""``soundscape demo``: one command starts the engine and the game, as a newcomer would run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.demo.common import HEADLESS, check_png, require_pygame
from tests.playing import ROOT, free_udp_port, require_tool


def test_soundscape_demo_plays_the_game_against_its_own_engine_and_stops_with_it(
    tmp_path: Path,
) -> None:
    require_pygame()
    require_tool("jackd")
    shot, wav = tmp_path / "demo.png", tmp_path / "demo.wav"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "demo",
            "--audio",
            "dummy",
            "--port",
            str(free_udp_port()),
            "--autopilot",
            "32",
            "--screenshot",
            str(shot),
            "--record",
            str(wav),
        ],
        cwd=ROOT,
        env=HEADLESS,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("listening on 127.0.0.1:")
    done = next(line for line in lines if line.startswith("DONE "))
    assert "zones=meadow,grove,ruins" in done
    assert any(line.startswith("BEAT ") for line in lines)  # feedback reached the game
    # the engine stopped when the game did, and said so
    assert "the game exited with status 0" in lines[-1]
    check_png(shot, (1280, 720))
    assert wav.stat().st_size > 30 * 48000 * 6  # ~32 s of 24-bit stereo


def test_soundscape_demo_help_lists_its_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "engine", "demo", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    for option in ("--engine", "--sliders", "--autopilot", "--audio"):
        assert option in result.stdout
