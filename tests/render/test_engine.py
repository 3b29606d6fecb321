"""The Engine driven message by message, as the live path will drive it."""

from __future__ import annotations

import math
from pathlib import Path

from engine.dsp.server import manual_server
from engine.render.engine import Engine
from engine.score.loader import load_score

FOREST = Path(__file__).resolve().parents[2] / "scores" / "forest.yaml"


def test_messages_steer_the_engine_and_bad_ones_are_counted_not_fatal() -> None:
    server = manual_server(sr=48000, buffersize=256, seed=3)
    log: list[tuple[int, str, dict]] = []
    try:
        engine = Engine(
            load_score(FOREST),
            sr=48000,
            buffersize=256,
            seed=3,
            observer=lambda s, k, d: log.append((s, k, d)),
        )
        peak = 0.0
        for index in range(int(12 * 48000 / 256)):
            if index == 400:
                engine.send("/scene", "ruins")
                engine.send("/state/mood", -0.8, 0.9)
                engine.send("/state/arousal", float("nan"))
                engine.send("/state/arousal", "loud")
                engine.send("/no/such/address", 1)
                engine.send("/event", "discovery", 2.0)
            engine.tick()
            server.process()
            values = engine.orchestra.master.output.get(all=True)
            assert all(math.isfinite(v) for v in values)
            peak = max(peak, *map(abs, values))
    finally:
        server.stop()
        server.shutdown()
    dropped = engine.conductor.router.dropped
    assert dropped == {"non_finite": 1, "bad_type": 1, "unknown_address": 1}
    scenes = [(s, d["scene"]) for s, k, d in log if k == "scene"]
    bars = {s for s, k, d in log if k == "beat" and d["beat"] == 0}
    assert [name for _, name in scenes] == ["ruins"] and scenes[0][0] in bars
    assert any(k == "stinger" for _, k, _ in log)
    assert engine.conductor.bus.targets["arousal"] == 0.9
    assert 0.01 < peak <= 10 ** (-1 / 20)
