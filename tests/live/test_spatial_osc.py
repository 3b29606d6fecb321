"""Spatial addresses over real UDP into a live session (manual pyo server, binaural): a head
turn sent as OSC swaps the ears in the next buffers, a game moves a placed source, and what the
score does not place is refused and counted. docs/spatial.md, docs/osc.md."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from engine import load_score
from engine.dsp.pyolib import pyo
from engine.dsp.server import manual_server
from engine.live.session import LiveSession
from engine.osc.receiver import OscReceiver
from engine.render.engine import Engine
from tests.live.test_session import BUFFER, SR, Live

SCORE = """\
version: 1
title: Placed live
seed: 1
layers:
  bed:
    instrument: rain
    gain: -12
    reverb: 0
    position: {azimuth: 90, distance: 1}
  plain: {instrument: ocean, gain: -80}
scenes:
  main: {layers: [bed, plain]}
"""


class Ears:
    """The master output recorded, read back per stretch of buffers."""

    def __init__(self, engine: Engine, seconds: float) -> None:
        self.table = pyo.NewTable(length=seconds, chnls=2)
        self.recorder = pyo.TableRec(engine.orchestra.master.output, self.table).play()

    def rms(self, start: int, end: int) -> np.ndarray:
        data = np.asarray(self.table.getTable(all=True))[:, start * BUFFER : end * BUFFER]
        return np.sqrt(np.mean(data**2, axis=1))


@pytest.fixture
def placed(tmp_path: Path) -> Iterator[tuple[Live, Ears]]:
    path = tmp_path / "placed.yaml"
    path.write_text(SCORE)
    server = manual_server(sr=SR, buffersize=BUFFER, seed=2)
    try:
        engine = Engine(load_score(path), sr=SR, buffersize=BUFFER, seed=2, spatial="binaural")
        ears = Ears(engine, 4.0)
        with OscReceiver("127.0.0.1", 0) as receiver:
            yield Live(LiveSession(engine, receiver), server, receiver), ears
    finally:
        server.stop()
        server.shutdown()


def _buffers(seconds: float) -> int:
    return round(seconds * SR / BUFFER)


def test_a_head_turn_over_udp_swaps_the_ears(placed: tuple[Live, Ears]) -> None:
    live, ears = placed
    live.run(1.0)
    start = live.session.buffers
    live.send("/listener/orientation", 180.0, 0.0, 0.0)
    live.run(1.0)
    before = ears.rms(_buffers(0.5), start)
    after = ears.rms(start + 2, start + _buffers(1.0))
    assert before[1] > 2.0 * before[0]  # right
    assert after[0] > 2.0 * after[1]  # left
    channel = live.session.engine.orchestra.channels["bed"]
    assert channel.position[0] == pytest.approx(-90.0)


def test_a_game_moves_a_placed_source_and_the_rest_is_refused(placed: tuple[Live, Ears]) -> None:
    live, _ = placed
    live.run(0.2)
    live.send("/source/bed/position", -45.0, 10.0, 5.0)
    live.send("/source/plain/position", 0.0, 0.0, 1.0)  # not placed by the score
    live.send("/source/bed/position", "far", 0.0, 1.0)
    live.send("/listener/orientation", 10.0)
    live.run(0.1)
    channel = live.session.engine.orchestra.channels["bed"]
    assert channel.position == pytest.approx((-45.0, 10.0, 5.0))
    dropped = live.session.engine.dropped()
    assert dropped["unknown_source"] == 1
    assert dropped["bad_type"] == 1
    assert dropped["bad_args"] == 1
