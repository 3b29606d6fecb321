"""The Godot client (demos/godot/soundscape_client.gd) against a real engine, run headless by
its driver demos/godot/tests/client_test.gd.

Godot 3's headless build (``godot3-server``) by default; set GODOT to another binary (a Godot 4
one, say) to run the same driver on it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.playing import ROOT, PlayingEngine, free_udp_port, require_tool

from .scenario import (
    DESCRIBED_MESSAGES,
    DESCRIBED_STATE,
    SECONDS,
    check_description,
    check_feedback,
    check_stamped,
    check_summary,
    parse_report,
)

DEMO = ROOT / "demos" / "godot"


@pytest.fixture
def godot() -> list[str]:
    """The Godot command line (checked before the engine starts, so that a skip is quick)."""
    binary = os.environ.get("GODOT", "godot3-server")
    path = require_tool(binary)[binary]
    version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    headless = ["--headless"] if version.stdout.strip().startswith("4.") else []
    return [path, *headless]


def test_godot_client_describes_steers_the_engine_and_hears_its_beats(
    godot: list[str], engine: PlayingEngine, tmp_path: Path
) -> None:
    project = tmp_path / "godot"  # Godot writes logs and caches beside the project: not ours
    shutil.copytree(DEMO, project)
    env = {
        **os.environ,
        "SOUNDSCAPE_PORT": str(engine.port),
        "SOUNDSCAPE_LISTEN_PORT": str(free_udp_port()),
        "SOUNDSCAPE_SECONDS": str(SECONDS),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "LANG": "en_US.UTF-8",
    }  # else Godot 3 complains about the C locale
    result = subprocess.run(
        [*godot, "-s", "tests/client_test.gd", "--path", str(project)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=SECONDS + 30,
    )
    output = f"godot stdout:\n{result.stdout}\ngodot stderr:\n{result.stderr}"
    summary = engine.stop()
    assert result.returncode == 0, output + engine.output()
    assert "SCRIPT ERROR" not in result.stderr, output
    assert "SELFTEST ok" in result.stdout, output
    report = parse_report(result.stdout)
    check_feedback(report, output)
    check_stamped(report, output)
    check_description(report, output)
    check_summary(summary, DESCRIBED_STATE, DESCRIBED_MESSAGES)
