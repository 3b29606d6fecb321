"""The listener's body over real OSC (loopback, a manual pyo server): ``/engine/sensors`` reports
each input's age and watchdog state, and ``/listener/baseline`` sets the resting heart rate that
``heartrate.relative`` is read against."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pythonosc.osc_message import OscMessage

from engine import defaults, load_score
from engine.dsp.server import manual_server
from engine.live.session import LiveSession
from engine.osc.receiver import OscReceiver
from engine.render.engine import Engine
from tests.live.test_session import Live

SR, BUFFER = 48000, 256

SCORE = """
version: 1
inputs:
  heartrate: {smoothing: 0.5}
  breath: {source: sensor, timeout: 2, fallback: 0.5, smoothing: 0.2}
layers:
  pad:
    instrument: pad
    generator: {type: chords, rhythm: hold}
    gain: {input: heartrate.relative, curve: [[-10, -30], [0, -20], [30, -10]]}
scenes: {only: {layers: [pad]}}
"""


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    path = tmp_path / "body.yaml"
    path.write_text(SCORE)
    server = manual_server(sr=SR, buffersize=BUFFER, seed=2)
    try:
        engine = Engine(load_score(path), sr=SR, buffersize=BUFFER, seed=2)
        with OscReceiver("127.0.0.1", 0) as receiver:
            yield Live(LiveSession(engine, receiver), server, receiver)
    finally:
        server.stop()
        server.shutdown()


def ask(live: Live, asker: socket.socket, address: str) -> OscMessage:
    live.send_from(asker, address)
    live.run(0.02)
    data, source = asker.recvfrom(65536)
    assert source == ("127.0.0.1", live.receiver.port)
    reply = OscMessage(data)
    assert reply.address == address
    return reply


def sensors(reply: OscMessage) -> dict[str, tuple[float, str]]:
    args = list(reply.params)
    return {str(args[i]): (float(args[i + 1]), str(args[i + 2])) for i in range(0, len(args), 3)}


def test_engine_sensors_reports_ages_and_states(live: Live) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as asker:
        asker.bind(("127.0.0.1", 0))
        asker.settimeout(2.0)
        live.send("/state/heartrate", 90)
        live.send("/state/breath", 0.9)
        live.send("/state/arousal", 0.3)
        live.run(1.0)
        first = sensors(ask(live, asker, "/engine/sensors"))
        assert first["heartrate"][1] == "live" and first["breath"][1] == "live"
        assert first["heartrate"][0] == pytest.approx(1.0, abs=0.05)
        assert first["heartrate.baseline"] == (0.0, "default")  # no baseline yet
        live.run(1.5)  # breath is past its 2 s: stale, easing to 0.5 over 0.2 s
        second = sensors(ask(live, asker, "/engine/sensors"))
        assert second["breath"][1] == "stale" and second["heartrate"][1] == "live"
        live.run(defaults.SENSOR_TIMEOUT)  # the heart rate too, and breath has arrived
        third = sensors(ask(live, asker, "/engine/sensors"))
        assert third["breath"][1] == "fallen back"
        assert third["heartrate"][1] in ("stale", "fallen back")
        assert third["heartrate"][0] == pytest.approx(2.5 + defaults.SENSOR_TIMEOUT, abs=0.1)
        assert third["arousal"][1] == "live"  # a game input never times out
        live.send("/state/breath", 0.1)
        live.run(0.05)
        assert sensors(ask(live, asker, "/engine/sensors"))["breath"][1] == "live"
    assert live.session.dropped() == {}


def strap(live: Live, bpm: float, seconds: int) -> None:
    """A heart-rate strap: one reading a second."""
    for _ in range(seconds):
        live.send("/state/heartrate", bpm)
        live.run(1.0)


def test_listener_baseline_over_osc_moves_the_relative_heart_rate(live: Live) -> None:
    bus = live.session.engine.conductor.bus
    strap(live, 80, 4)  # eight time constants: settled
    # no baseline yet: read against the input's default (70)
    assert bus.values["heartrate.relative"] == pytest.approx(10, abs=0.1)
    live.send("/listener/baseline", 58)
    live.run(0.05)
    assert bus.baseline.value == 58 and bus.baseline.state(bus.ticks) == "set"
    assert 10 < bus.values["heartrate.relative"] < 22  # gliding, not jumping
    strap(live, 80, 4)
    assert bus.values["heartrate.relative"] == pytest.approx(22, abs=0.1)
    live.send("/listener/baseline", 255)  # a strap's fault, not a resting rate
    live.send("/listener/baseline", "fast")
    live.run(0.05)
    assert bus.baseline.value == 58
    assert live.session.dropped() == {"out_of_range": 1, "bad_type": 1}
    # the strap falls silent: the heart rate falls back to the listener's resting rate
    live.run(defaults.SENSOR_TIMEOUT + 4.0)
    assert bus.values["heartrate"] == pytest.approx(58, abs=0.1)
    assert bus.values["heartrate.relative"] == pytest.approx(0, abs=0.1)
    live.send("/listener/baseline", 0)  # learn it again
    live.run(0.05)
    assert bus.baseline.value is None and bus.baseline.state(bus.ticks) == "default"
