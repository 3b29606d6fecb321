"""The live session's per-buffer work, on a manual pyo server: OSC in over loopback, control
addresses, feedback released when its audio is computed, and nothing ever raised."""

from __future__ import annotations

import math
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.udp_client import SimpleUDPClient

from engine.dsp.server import manual_server
from engine.live.session import LiveSession
from engine.osc.receiver import OscReceiver
from engine.render.engine import Engine
from engine.score.loader import load_score

FOREST = Path(__file__).resolve().parents[2] / "scores" / "forest.yaml"
SR, BUFFER = 48000, 256


class Listener:
    """A game's feedback socket: what arrived, and at which buffer of the session."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.setblocking(False)
        self.port = self.socket.getsockname()[1]
        self.messages: list[tuple[int, str, list[object]]] = []

    def drain(self, buffer: int) -> None:
        while True:
            try:
                data = self.socket.recv(65536)
            except BlockingIOError:
                return
            message = OscMessage(data)
            self.messages.append((buffer, message.address, list(message.params)))

    def of(self, address: str) -> list[tuple[int, list[object]]]:
        return [(b, args) for b, a, args in self.messages if a == address]


class Live:
    def __init__(self, session: LiveSession, server: object, receiver: OscReceiver) -> None:
        self.session, self.server, self.receiver = session, server, receiver
        self.client = SimpleUDPClient("127.0.0.1", receiver.port)

    def send(self, address: str, *args: object) -> None:
        expected = self.receiver.received + 1
        self.client.send_message(address, list(args))
        wait(lambda: self.receiver.received >= expected)

    def run(self, seconds: float, listener: Listener | None = None) -> None:
        for _ in range(round(seconds * SR / BUFFER)):
            self.session.process()
            self.server.process()  # type: ignore[attr-defined]
            if listener is not None:
                listener.drain(self.session.buffers - 1)


def wait(condition: object, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


@pytest.fixture
def live() -> Iterator[Live]:
    server = manual_server(sr=SR, buffersize=BUFFER, seed=2)
    try:
        engine = Engine(load_score(FOREST), sr=SR, buffersize=BUFFER, seed=2)
        with OscReceiver("127.0.0.1", 0) as receiver:
            yield Live(LiveSession(engine, receiver), server, receiver)
    finally:
        server.stop()
        server.shutdown()


def test_osc_messages_reach_the_engine_and_garbage_never_stops_it(live: Live) -> None:
    live.send("/state/mood", -0.5, 0.75)
    live.send("/avatar/parameters/HeartRateFloat01", 0.5)
    live.send("/scene", "ruins")
    live.send("/state/arousal", float("nan"))
    live.send("/nowhere", 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw:
        raw.sendto(b"\x00garbage", ("127.0.0.1", live.receiver.port))
    wait(lambda: live.receiver.dropped["malformed"] == 1)
    master = live.session.engine.orchestra.master
    for _ in range(int(8 * SR / BUFFER)):
        live.run(BUFFER / SR)
        assert all(math.isfinite(v) for v in master.output.get(all=True))
    conductor = live.session.engine.conductor
    assert conductor.bus.targets["valence"] == -0.5 and conductor.bus.targets["arousal"] == 0.75
    assert conductor.bus.targets["heartrate"] == 120.0  # the score maps 0..1 to 40..200 BPM
    assert conductor.scene.name == "ruins"
    assert live.session.dropped() == {"malformed": 1, "non_finite": 1, "unknown_address": 1}
    assert live.session.errors == 0


def test_beats_come_back_at_the_tempo_when_their_buffer_is_computed(live: Live) -> None:
    listener = Listener()
    live.send("/engine/subscribe", listener.port)
    live.run(12.0, listener)
    beats = listener.of("/engine/beat")
    bpm = float(beats[0][1][2])
    assert 60 <= bpm <= 100
    # every beat, in order, none missing: (bar, beat) counts up through 4/4
    positions = [(args[0], args[1]) for _, args in beats]
    assert positions == [(n // 4, n % 4) for n in range(len(positions))]
    assert len(beats) == pytest.approx(12.0 * bpm / 60, abs=1.5)
    # each arrives with the buffer that holds its sample (the tempo is steady here)
    samples_per_beat = SR * 60 / bpm
    for n, (buffer, _) in enumerate(beats):
        assert buffer == int(n * samples_per_beat // BUFFER)


def test_a_stinger_is_reported_when_it_sounds_not_when_it_is_asked_for(live: Live) -> None:
    listener = Listener()
    live.send("/engine/subscribe", listener.port, "127.0.0.1")
    live.run(2.1, listener)
    asked = live.session.buffers
    live.send("/event", "discovery", 0.8)
    live.run(3.0, listener)
    [(buffer, args)] = listener.of("/engine/stinger")
    assert args == ["discovery"]
    # quantized to the next beat: it sounds after the buffer that received the request,
    # in the same buffer as that beat's own report
    assert buffer > asked
    assert buffer in {b for b, _ in listener.of("/engine/beat")}


def test_a_scene_change_is_reported_on_the_bar_line_and_to_new_listeners_at_once(
    live: Live,
) -> None:
    early = Listener()
    live.send("/engine/subscribe", early.port)
    live.run(0.1, early)
    assert early.of("/engine/scene") == [(0, ["meadow"])]  # where the music is, at once
    live.run(1.0, early)
    live.send("/scene", "grove")
    live.run(8.0, early)
    [(buffer, args)] = early.of("/engine/scene")[1:]
    assert args == ["grove"]
    downbeats = {b for b, beat in early.of("/engine/beat") if beat[1] == 0}
    assert buffer in downbeats


def test_levels_name_every_layer_a_few_times_a_second(live: Live) -> None:
    listener = Listener()
    live.send("/engine/subscribe", listener.port)
    live.run(2.0, listener)
    levels = listener.of("/engine/levels")
    assert 8 <= len(levels) <= 12  # every 0.2 s
    names = levels[-1][1][0::2]
    assert names == list(live.session.engine.score.layers)
    assert all(isinstance(v, float) and 0.0 <= v <= 4.0 for v in levels[-1][1][1::2])
    assert any(v > 0 for v in levels[-1][1][1::2])


def test_stats_answer_the_sender_and_unsubscribe_stops_feedback(live: Live) -> None:
    listener = Listener()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as asker:
        asker.bind(("127.0.0.1", 0))
        asker.settimeout(2.0)
        live.send("/engine/subscribe", listener.port)
        live.send("/engine/subscribe", "not a port")
        live.send("/engine/subscribe", 9000, "game.example.com")  # no name lookups
        live.send("/engine/frobnicate")
        live.send("/state/arousal", 0.5)
        live.run(0.5, listener)
        asker.sendto(b"/engine/stats\x00\x00\x00,\x00\x00\x00", ("127.0.0.1", live.receiver.port))
        wait(lambda: live.receiver.received >= 6)
        live.run(0.1, listener)
        data, source = asker.recvfrom(65536)
        reply = OscMessage(data)
    assert source == ("127.0.0.1", live.receiver.port)  # from the port the game sends to
    assert reply.address == "/engine/stats"
    stats = dict(zip(reply.params[0::2], reply.params[1::2], strict=True))
    # accepted: the subscription, the state change and this request
    assert stats["received"] == 6 and stats["accepted"] == 3 and stats["dropped"] == 3
    assert stats["subscribers"] == 1 and stats["xruns"] == -1  # -1: no JACK here to count them
    assert live.session.dropped() == {"bad_args": 2, "unknown_address": 1}
    live.send("/engine/unsubscribe", listener.port)
    live.run(0.1, listener)
    before = len(listener.messages)
    live.run(2.0, listener)
    assert len(listener.messages) == before


def test_an_error_in_the_buffer_is_counted_and_the_next_buffer_plays(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = live.session.engine
    real_tick = engine.tick
    calls = {"n": 0}

    def tick_that_fails_once() -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("boom")
        real_tick()

    monkeypatch.setattr(engine, "tick", tick_that_fails_once)
    live.run(1.0)
    assert live.session.errors == 1 and "boom" in live.session.last_error
    assert live.session.buffers == round(1.0 * SR / BUFFER) - 1


def test_applied_messages_are_stamped_with_their_buffer(live: Live) -> None:
    live.session.log_applied()
    live.run(0.5)
    live.send("/state/arousal", 0.25)
    live.send("/engine/subscribe", 9)  # control messages are not part of the music's log
    live.run(0.1)
    assert list(live.session.applied or []) == [(94 * BUFFER, "/state/arousal", (0.25,))]


def test_stats_can_be_sent_to_another_port(live: Live) -> None:
    listener = Listener()
    live.send("/engine/stats", listener.port, "127.0.0.1")  # e.g. from oscsend, which exits
    live.run(0.01, listener)
    [(_, args)] = listener.of("/engine/stats")
    assert dict(zip(args[0::2], args[1::2], strict=True))["accepted"] == 1


def test_a_primed_first_buffer_is_not_prepared_twice(live: Live) -> None:
    live.session.prime()
    assert live.session.buffers == 1 and live.session.engine.sample == BUFFER
    live.session.process()  # the device's first callback: already prepared
    assert live.session.buffers == 1
    live.session.process()
    assert live.session.buffers == 2 and live.session.engine.sample == 2 * BUFFER


def test_with_logging_on_scene_and_stinger_landings_are_kept(live: Live) -> None:
    live.session.log_applied()
    live.run(1.0)
    live.send("/scene", "grove")
    live.send("/event", "discovery")
    live.run(6.0)
    landed = list(live.session.feedback.landed or [])
    assert [(address, args) for _, address, args in landed] == [
        ("/engine/stinger", ("discovery",)),
        ("/engine/scene", ("grove",)),
    ]
    asked = round(1.0 * SR / BUFFER) * BUFFER
    stinger, scene = landed[0][0], landed[1][0]
    assert asked < stinger < scene  # the stinger waits for a beat, the scene for a bar line
