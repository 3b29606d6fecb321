"""Shared by the demo tests: running demos/wander/main.py headless and reading what it prints."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.playing import ROOT

MAIN = ROOT / "demos" / "wander" / "main.py"
#: SDL's dummy drivers: no window, no sound device, as in CI.
HEADLESS = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}


def require_pygame() -> None:
    """The game needs pygame (the ``demo`` and ``test`` extras): skip without it, as
    tests/playing.py does for missing tools, or fail under CI, which installs it."""
    if importlib.util.find_spec("pygame") is None:
        reason = "pygame not installed (pip install -e '.[test]')"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and CI is set: CI must install it", pytrace=False)
        pytest.skip(reason)


def wander(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(MAIN), *args],
        cwd=ROOT,
        env=HEADLESS,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def check_png(path: Path, size: tuple[int, int]) -> None:
    """A PNG of the right size with a drawn picture in it: not blank, not a flat colour."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    assert path.exists(), "no screenshot"
    image = pygame.image.load(str(path))
    assert image.get_size() == size
    pixels = pygame.surfarray.array3d(image)
    assert pixels.std() > 20, "a blank screenshot"
    colours = {tuple(p) for p in pixels[::7, ::7].reshape(-1, 3)}
    assert len(colours) > 200, f"only {len(colours)} colours: not a drawn world"


@dataclass
class Report:
    """The lines ``--autopilot`` prints (demos/wander/app.py), parsed."""

    zones: list[tuple[str, float]] = field(default_factory=list)
    pickups: list[float] = field(default_factory=list)
    #: (bar, beat, tempo, index of the line)
    beats: list[tuple[int, int, float, int]] = field(default_factory=list)
    stingers: list[str] = field(default_factory=list)
    #: (t, address, args) of every /scene and /event sent
    sent: list[tuple[float, str, list[str]]] = field(default_factory=list)
    #: (t, address, name, index of the line) of /engine/scene and /engine/stinger received
    feedback: list[tuple[float, str, str, int]] = field(default_factory=list)
    layers: list[tuple[float, tuple[str, ...]]] = field(default_factory=list)
    done: dict[str, str] = field(default_factory=dict)


def parse_report(stdout: str) -> Report:
    report = Report()
    for index, line in enumerate(stdout.splitlines()):
        word, *rest = line.split()
        if word == "ZONE":
            report.zones.append((rest[0], float(rest[1])))
        elif word == "PICKUP":
            report.pickups.append(float(rest[0]))
        elif word == "BEAT":
            report.beats.append((int(rest[0]), int(rest[1]), float(rest[2]), index))
        elif word == "STINGER":
            report.stingers.append(rest[0])
        elif word == "SENT":
            report.sent.append((float(rest[0]), rest[1], rest[2:]))
        elif word == "FEEDBACK":
            report.feedback.append((float(rest[0]), rest[1], rest[2], index))
        elif word == "LAYERS":
            names = () if rest[1] == "-" else tuple(rest[1].split(","))
            report.layers.append((float(rest[0]), names))
        elif word == "DONE":
            report.done = dict(item.split("=", 1) for item in rest)
    return report
