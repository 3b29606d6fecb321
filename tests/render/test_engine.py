"""The Engine driven message by message, as the live path will drive it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from engine import load_score
from engine.dsp.server import manual_server
from engine.render.engine import Engine

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
    dropped = engine.dropped()
    assert dropped == {"non_finite": 1, "bad_type": 1, "unknown_address": 1}
    scenes = [(s, d["scene"]) for s, k, d in log if k == "scene"]
    bars = {s for s, k, d in log if k == "beat" and d["beat"] == 0}
    assert [name for _, name in scenes] == ["ruins"] and scenes[0][0] in bars
    assert any(k == "stinger" for _, k, _ in log)
    assert engine.conductor.bus.targets["arousal"] == 0.9
    assert 0.01 < peak <= 10 ** (-1 / 20)


def test_rebuilding_the_sound_on_a_new_server_keeps_the_music_where_it_was() -> None:
    """What a restarted audio server gets: the same conductor, a new orchestra in the old one's
    state (channels suspended or playing, their mix), audible on the new server."""
    old_server = manual_server(sr=48000, buffersize=256, seed=3)
    new_server = None
    try:
        engine = Engine(load_score(FOREST), sr=48000, buffersize=256, seed=3)
        engine.send("/scene", "ruins")
        engine.send("/state/arousal", 0.7)
        for _ in range(int(6 * 48000 / 256)):
            engine.tick()
            old_server.process()
        old = engine.orchestra
        conductor, bar, sample = engine.conductor, engine.conductor.transport.bar, engine.sample
        old_server.stop()
        old_server.shutdown()  # as pyo does when its JACK server dies
        new_server = manual_server(sr=48000, buffersize=256, seed=3)
        engine.rebuild_sound(0.3)
        assert engine.orchestra is not old
        assert engine.conductor is conductor and engine.sample == sample
        assert engine.orchestra.suspended == old.suspended
        mix = engine.orchestra._mix  # sent again: the current values, the old were the last sent
        assert mix.keys() == old._mix.keys()
        assert all(mix[name] == pytest.approx(old._mix[name], abs=0.5) for name in mix)
        assert engine.orchestra.master.level_db == old.master.level_db
        peak = 0.0
        for _ in range(int(2 * 48000 / 256)):
            engine.tick()
            new_server.process()
            peak = max(peak, *map(abs, engine.orchestra.master.output.get(all=True)))
    finally:
        if new_server is not None:
            new_server.stop()
            new_server.shutdown()
    assert conductor.scene.name == "ruins" and conductor.bus.targets["arousal"] == 0.7
    assert conductor.transport.bar > bar  # the bars go on from where they were
    assert peak > 0.01  # the new orchestra sounds
