"""The game as a program, without an engine: command line, headless runs (SDL's dummy video
driver, as in CI), screenshots, and what it must never import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.playing import ROOT, free_udp_port

from .common import HEADLESS, check_png, require_pygame, wander


@pytest.fixture(autouse=True)
def _pygame() -> None:
    require_pygame()


def test_help_names_every_option() -> None:
    result = wander("--help")
    assert result.returncode == 0
    for option in (
        "--engine",
        "--score",
        "--autopilot",
        "--sliders",
        "--screenshot",
        "--size",
        "--fps",
    ):
        assert option in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("--engine", "nowhere"),
        ("--engine", "host:0"),
        ("--size", "10x10"),
        ("--autopilot", "-3"),
        ("--fps", "0"),
    ],
)
def test_bad_arguments_exit_2(args: tuple[str, ...]) -> None:
    result = wander(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_autopilot_runs_headless_without_an_engine(tmp_path: Path) -> None:
    """No engine listening: the game plays on, says so, and still exits 0 on time."""
    shot = tmp_path / "shot.png"
    port = free_udp_port()  # nobody there
    result = wander(
        "--engine",
        f"127.0.0.1:{port}",
        "--autopilot",
        "4",
        "--fps",
        "30",
        "--size",
        "800x500",
        "--screenshot",
        str(shot),
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("SENT ") and lines[0].endswith(" /scene meadow")
    assert lines[1].startswith("ZONE meadow ")
    done = lines[-1].split()
    assert done[0] == "DONE" and "zones=meadow" in done and "beats=0" in done, lines
    assert not any(line.startswith(("BEAT", "STINGER")) for line in lines)
    check_png(shot, (800, 500))


def test_sliders_panel_runs_headless(tmp_path: Path) -> None:
    shot = tmp_path / "sliders.png"
    result = wander(
        "--sliders",
        "--engine",
        f"127.0.0.1:{free_udp_port()}",
        "--autopilot",
        "3",
        "--fps",
        "30",
        "--screenshot",
        str(shot),
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    sent = [line.split()[2:] for line in lines if line.startswith("SENT")]
    # every scene of forest.yaml, then its event, with the intensity slider's value
    assert sent == [
        ["/scene", "meadow"],
        ["/scene", "grove"],
        ["/scene", "ruins"],
        ["/event", "discovery", "1.0"],
    ]
    assert lines[-1].startswith("DONE scenes=meadow,grove,ruins events=1 ")
    check_png(shot, (1280, 720))


def test_sliders_panel_reads_any_score(tmp_path: Path) -> None:
    result = wander(
        "--sliders",
        "--score",
        str(ROOT / "scores" / "combat.yaml"),
        "--engine",
        f"127.0.0.1:{free_udp_port()}",
        "--autopilot",
        "2",
        "--fps",
        "30",
    )
    assert result.returncode == 0, result.stderr
    assert "DONE scenes=stealth,alert,combat events=2 " in result.stdout
    missing = wander("--sliders", "--score", str(tmp_path / "nope.yaml"), "--autopilot", "1")
    assert missing.returncode == 2
    assert "cannot read the score" in missing.stderr


def test_the_game_never_imports_the_audio_engine() -> None:
    """The game is a client: pyo (the engine's DSP) stays out, even reading a score; and the
    pure modules run without pygame."""
    code = """
import sys
sys.path.insert(0, sys.argv[1])
import demos.wander.world, demos.wander.physiology, demos.wander.mood, demos.wander.sim
import demos.wander.autopilot, demos.wander.link, demos.wander.scoreinfo, demos.wander.options
import demos.wander.main
info = demos.wander.scoreinfo.load(sys.argv[1] + "/scores/forest.yaml")
assert info.scenes == ("meadow", "grove", "ruins") and info.events == ("discovery",), info
assert [i.name for i in info.inputs] == ["valence", "arousal", "movement", "heartrate"]
assert "pygame" not in sys.modules, "a pure module imported pygame"
import demos.wander.app, demos.wander.sliders, demos.wander.render, demos.wander.hud
bad = sorted(m for m in sys.modules
             if m.split(".")[0] in ("pyo", "jack") or m.startswith(("engine.dsp", "engine.live")))
assert not bad, bad
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", code, str(ROOT)],
        cwd="/",
        env=HEADLESS,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
