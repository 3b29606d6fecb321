"""Renders shared by the render tests: real scores through the real engine to real WAV files."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from engine import load_score
from engine.analysis import read_wav
from engine.render.offline import render
from engine.state.timeline import TimedMessage, load_timeline

ROOT = Path(__file__).resolve().parents[2]
SCORES = sorted((ROOT / "scores").glob("*.yaml"))

Render = Callable[..., tuple[np.ndarray, int]]


@pytest.fixture(scope="session")
def render_wav(tmp_path_factory: pytest.TempPathFactory) -> Render:
    """Render ``score`` (a path) with state held from t=0 (resent every second), cached per
    arguments."""
    cache: dict[tuple, tuple[np.ndarray, int]] = {}
    folder = tmp_path_factory.mktemp("renders")

    def run(
        score: Path,
        seconds: float,
        *,
        state: tuple[tuple[str, tuple], ...] = (),
        timeline: Path | None = None,
        seed: int | None = None,
    ) -> tuple[np.ndarray, int]:
        key = (score, seconds, state, timeline, seed)
        if key not in cache:
            # held: sent again every second, as a strap or a game keeps sending (a sensor input
            # that falls silent would ease back to its fallback: the watchdog)
            messages = [
                TimedMessage(float(t), address, args)
                for t in range(math.ceil(seconds))
                for address, args in state
            ]
            if timeline is not None:
                messages += load_timeline(timeline)
            out = folder / f"r{len(cache)}.wav"
            render(load_score(score), out, seconds, seed=seed, timeline=messages)
            cache[key] = read_wav(out)
        return cache[key]

    return run
