"""``pip install .`` (a built wheel, not the checkout) gives a working ``render`` and ``demo``:
the bundled scores and the demo game ship inside the package.

The package is built from a copy of the checkout (pip leaves a build/ folder behind) and
installed with ``--target`` into a scratch folder put first on ``PYTHONPATH``; its dependencies
come from the test environment. Commands then run from an empty folder, far from the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    scratch = tmp_path_factory.mktemp("wheel")
    source, target = scratch / "source", scratch / "site"
    shutil.copytree(ROOT, source, ignore=SKIP, symlinks=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return {**os.environ, "PYTHONPATH": str(target), "SDL_VIDEODRIVER": "dummy"}


def run(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_installed_package_is_the_one_running(
    installed: dict[str, str], tmp_path: Path
) -> None:
    result = run(installed, tmp_path, "-c", "import engine; print(engine.__file__)")
    assert result.stdout.startswith(installed["PYTHONPATH"]), result.stdout


def test_render_finds_its_default_score_and_timeline(
    installed: dict[str, str], tmp_path: Path
) -> None:
    result = run(installed, tmp_path, "-m", "engine", "render", "--duration", "2", "--quiet")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "soundscape.wav").stat().st_size > 100_000
    named = run(installed, tmp_path, "-m", "engine", "validate", "combat", "meditation", "legend")
    assert named.returncode == 0, named.stderr


def test_the_demo_game_ships(installed: dict[str, str], tmp_path: Path) -> None:
    result = run(installed, tmp_path, "-m", "demos.wander", "--help")
    assert result.returncode == 0, result.stderr
    assert "--autopilot" in result.stdout


def test_the_console_page_ships(installed: dict[str, str], tmp_path: Path) -> None:
    code = "from engine.console.server import page; print(b'WebSocket' in page())"
    result = run(installed, tmp_path, "-c", code)
    assert result.stdout.strip() == "True", result.stderr
