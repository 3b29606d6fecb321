"""OSC over loopback into the real engine: state, scenes and garbage, buffer by buffer."""

from __future__ import annotations

import math
import socket
import time
from pathlib import Path

from pythonosc.udp_client import SimpleUDPClient

from engine.dsp.server import manual_server
from engine.osc.receiver import OscReceiver
from engine.render.engine import Engine
from engine.score.loader import load_score

FOREST = Path(__file__).resolve().parents[2] / "scores" / "forest.yaml"


def test_osc_messages_reach_the_engine_and_garbage_never_stops_it() -> None:
    server = manual_server(sr=48000, buffersize=256, seed=2)
    scenes: list[str] = []
    try:
        engine = Engine(load_score(FOREST), sr=48000, buffersize=256, seed=2,
                        observer=lambda s, k, d: scenes.append(str(d["scene"]))
                        if k == "scene" else None)
        with OscReceiver("127.0.0.1", 0) as receiver:
            client = SimpleUDPClient("127.0.0.1", receiver.port)
            client.send_message("/state/mood", [-0.5, 0.75])
            client.send_message("/avatar/parameters/HeartRateFloat01", 0.5)
            client.send_message("/scene", "ruins")
            client.send_message("/state/arousal", float("nan"))
            client.send_message("/nowhere", 1)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw:
                raw.sendto(b"\x00garbage", ("127.0.0.1", receiver.port))
            deadline = time.monotonic() + 2
            while receiver.received < 5 or not receiver.dropped:
                assert time.monotonic() < deadline
                time.sleep(0.005)
            for _ in range(int(8 * 48000 / 256)):
                for address, args in receiver.due():
                    engine.send(address, *args)
                engine.tick()
                server.process()
                assert all(math.isfinite(v) for v in engine.orchestra.master.output.get(all=True))
    finally:
        server.stop()
        server.shutdown()
    bus = engine.conductor.bus
    assert bus.targets["valence"] == -0.5 and bus.targets["arousal"] == 0.75
    assert bus.targets["heartrate"] == 120.0  # the score maps 0..1 to 40..200 BPM
    assert scenes == ["ruins"]
    assert receiver.dropped["malformed"] == 1
    assert engine.conductor.router.dropped == {"non_finite": 1, "unknown_address": 1}
