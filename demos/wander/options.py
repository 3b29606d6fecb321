"""The command line's choices, as the game and the sliders panel receive them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Options:
    engine: tuple[str, int] = ("127.0.0.1", 9000)
    score: Path = Path("scores/forest.yaml")
    autopilot: float | None = None
    sliders: bool = False
    screenshot: Path | None = None
    size: tuple[int, int] = (1280, 720)
    fps: int = 60
