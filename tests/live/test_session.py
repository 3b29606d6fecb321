"""The live session's per-buffer work, on a manual pyo server: OSC in over loopback, control
addresses, feedback released when its audio is computed, and nothing ever raised."""

from __future__ import annotations

import math
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.udp_client import SimpleUDPClient

from engine import defaults, load_score
from engine.dsp.server import manual_server
from engine.live.session import LiveSession
from engine.osc.allow import Allowlist
from engine.osc.receiver import OscReceiver
from engine.osc.sender import encode
from engine.render.engine import Engine

FOREST = Path(__file__).resolve().parents[2] / "scores" / "forest.yaml"
SR, BUFFER = 48000, 256


class Listener:
    """A game's feedback socket: what arrived, and at which buffer of the session."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind((host, 0))
        self.socket.setblocking(False)
        self.host, self.port = self.socket.getsockname()
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

    def send_from(self, peer: socket.socket, address: str, *args: object) -> None:
        """Send from a socket of the test's own (another port, another loopback address)."""
        expected = self.receiver.received + 1
        peer.sendto(encode(address, args), ("127.0.0.1", self.receiver.port))
        wait(lambda: self.receiver.received >= expected)

    def run(
        self, seconds: float, *listeners: Listener, renew: Callable[[], None] | None = None
    ) -> None:
        """Compute ``seconds`` of audio; ``renew`` is called every SUBSCRIPTION_RENEW seconds
        of it, as a client renews its subscription."""
        renew_every = round(defaults.SUBSCRIPTION_RENEW * SR / BUFFER)
        for n in range(1, round(seconds * SR / BUFFER) + 1):
            self.session.process()
            self.server.process()  # type: ignore[attr-defined]
            for listener in listeners:
                listener.drain(self.session.buffers - 1)
            if renew is not None and n % renew_every == 0:
                renew()


def wait(condition: object, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


@pytest.fixture
def live() -> Iterator[Live]:
    yield from _live()


def _live(allowlist: Allowlist | None = None) -> Iterator[Live]:
    server = manual_server(sr=SR, buffersize=BUFFER, seed=2)
    try:
        engine = Engine(load_score(FOREST), sr=SR, buffersize=BUFFER, seed=2)
        with OscReceiver("127.0.0.1", 0) as receiver:
            yield Live(LiveSession(engine, receiver, allowlist=allowlist), server, receiver)
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
    conductor = live.session.engine.conductor
    live.run(BUFFER / SR)
    assert conductor.bus.targets["heartrate"] == 120.0  # the score maps 0..1 to 40..200 BPM
    for _ in range(int(8 * SR / BUFFER)):
        live.run(BUFFER / SR)
        assert all(math.isfinite(v) for v in master.output.get(all=True))
    assert conductor.bus.targets["valence"] == -0.5 and conductor.bus.targets["arousal"] == 0.75
    # the heart, silent for 8 s, has fallen back to its default (the sensor watchdog)
    assert conductor.bus.targets["heartrate"] == 70.0
    assert conductor.scene.name == "ruins"
    assert live.session.dropped() == {"malformed": 1, "non_finite": 1, "unknown_address": 1}
    assert live.session.errors == 0


def test_beats_come_back_at_the_tempo_when_their_buffer_is_computed(live: Live) -> None:
    listener = Listener()
    live.send("/engine/subscribe", listener.port)
    live.run(12.0, listener, renew=lambda: live.send("/engine/subscribe", listener.port))
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


def test_describe_answers_with_the_scores_inputs_scenes_events_and_stingers(live: Live) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as asker:
        asker.bind(("127.0.0.1", 0))
        asker.settimeout(2.0)
        live.send_from(asker, "/engine/describe")
        wait(lambda: live.receiver.received >= 1)
        live.run(0.1)
        data, source = asker.recvfrom(65536)
    reply = OscMessage(data)
    assert source == ("127.0.0.1", live.receiver.port) and reply.address == "/engine/describe"
    args = list(reply.params)
    score = live.session.engine.score

    def section(name: str, width: int) -> list[tuple[object, ...]]:
        at = args.index(name)
        count = args[at + 1]
        assert isinstance(count, int)
        items = args[at + 2 : at + 2 + count * width]
        return [tuple(items[i : i + width]) for i in range(0, len(items), width)]

    inputs = section("inputs", 4)
    assert [i[0] for i in inputs] == list(score.inputs)
    heart = dict((i[0], i[1:]) for i in inputs)["heartrate"]
    assert heart == pytest.approx((40.0, 200.0, 70.0))
    assert [s[0] for s in section("scenes", 1)] == ["meadow", "grove", "ruins"]
    assert section("events", 1) == [("discovery",)]
    assert section("stingers", 2) == [("discovery", "discovery")]
    assert live.session.stats()["accepted"] == 1


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


# -- subscriptions: renewal, expiry, a table dead subscribers cannot fill ------------------------
TTL_BUFFERS = round(defaults.SUBSCRIPTION_TTL * SR / BUFFER)
LEVELS_BUFFERS = round(defaults.LEVELS_PERIOD * SR / BUFFER)


def peer(host: str = "127.0.0.1") -> socket.socket:
    """A game's socket, sending and receiving on one port (as the bundled clients do)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    return sock


def test_a_subscription_ends_unless_renewed_and_renewing_keeps_it(live: Live) -> None:
    silent, renewing = Listener(), Listener()
    live.send("/engine/subscribe", silent.port)
    live.send("/engine/subscribe", renewing.port)
    live.run(15.0, silent, renew=lambda: live.send("/engine/subscribe", renewing.port))
    # the silent one heard feedback (levels every 0.2 s) until its TTL ran out; expiry is checked
    # with the levels, so it ends within one levels period of the TTL
    last = silent.messages[-1][0]
    assert TTL_BUFFERS - LEVELS_BUFFERS - 1 <= last <= TTL_BUFFERS + LEVELS_BUFFERS
    assert silent.of("/engine/beat")
    live.run(0.1, renewing)  # what is still sent goes to the renewing one only
    assert renewing.of("/engine/beat") and renewing.of("/engine/levels")
    # renewing is not a new subscription: the current scene came once, at the first one
    assert len(renewing.of("/engine/scene")) == 1
    stats = live.session.stats()
    assert stats["subscribers"] == 1 and stats["subscriptions_expired"] == 1
    assert live.session.dropped() == {}


def test_sixteen_dead_subscribers_cannot_keep_a_live_client_out(live: Live) -> None:
    dead = [peer() for _ in range(defaults.MAX_SUBSCRIBERS)]
    for sock in dead:  # each subscribes itself once, then never again
        live.send_from(sock, "/engine/subscribe")
    for sock in dead:
        sock.close()  # gone: sends to them fail (counted by the sender), nobody renews
    game = Listener()
    first_try = live.session.buffers
    live.send("/engine/subscribe", game.port)
    assert live.session.dropped() == {}  # not applied yet: the next buffer takes it
    live.run(
        defaults.SUBSCRIPTION_TTL, game, renew=lambda: live.send("/engine/subscribe", game.port)
    )
    beats = game.of("/engine/beat")
    assert beats, "the live client never got in"
    # refused while the dead were fresh, in at the first renewal after they went silent for
    # half the TTL: well within the TTL of its first try
    assert beats[0][0] - first_try < TTL_BUFFERS
    assert live.session.dropped()["too_many_subscribers"] >= 1
    assert live.session.stats()["subscribers_replaced"] == 1
    assert game.of("/engine/scene")[0][1] == ["meadow"]  # a newcomer: told the scene


def test_a_full_table_of_live_subscribers_is_not_raided(live: Live) -> None:
    clients = [Listener() for _ in range(defaults.MAX_SUBSCRIBERS)]
    newcomer = Listener()

    def renew_all() -> None:
        for client in clients:
            live.send("/engine/subscribe", client.port)
        live.send("/engine/subscribe", newcomer.port)

    renew_all()
    live.run(12.0, *clients, newcomer, renew=renew_all)
    assert newcomer.messages == []  # refused every time, and counted
    assert live.session.dropped() == {"too_many_subscribers": 1 + 4}
    late = [client.messages[-1][0] for client in clients]
    assert min(late) >= live.session.buffers - LEVELS_BUFFERS - 1  # all 16 still hear it
    stats = live.session.stats()
    assert stats["subscribers_replaced"] == 0 and stats["subscriptions_expired"] == 0


# -- destinations: the sender's own host, or an allowed network ------------------------------------
def test_replies_and_feedback_go_only_to_the_sender_s_own_host(live: Live) -> None:
    victim = Listener("127.0.0.1")
    with peer("127.0.0.2") as stranger, peer("127.0.0.1") as game:
        for address in ("/engine/subscribe", "/engine/stats", "/engine/unsubscribe"):
            live.send_from(stranger, address, victim.port, "127.0.0.1")
        live.send_from(stranger, "/engine/subscribe", victim.port, "localhost")
        live.run(0.5, victim)
        assert victim.messages == []  # nothing reflected at a third party
        assert live.session.dropped() == {"foreign_destination": 4}
        # the sender's own host, on another port: a game listening on a port of its own
        live.send_from(game, "/engine/stats", victim.port, "127.0.0.1")
        live.send_from(game, "/engine/subscribe", victim.port)
        live.run(0.5, victim)
        assert victim.of("/engine/stats") and victim.of("/engine/beat")
        # and a sender's own address, named or not, is its own
        live.send_from(stranger, "/engine/stats")
        live.run(0.01)
        stranger.settimeout(2.0)
        data, _ = stranger.recvfrom(65536)
        assert OscMessage(data).address == "/engine/stats"
    assert live.session.dropped() == {"foreign_destination": 4}


@pytest.fixture
def allowing() -> Iterator[Live]:
    """A session whose operator allowed 127.0.0.3 (``--allow 127.0.0.3/32``)."""
    yield from _live(Allowlist(["127.0.0.3/32"]))


def test_an_allowed_network_may_be_named_as_a_destination(allowing: Live) -> None:
    live = allowing
    allowed, other = Listener("127.0.0.3"), Listener("127.0.0.4")
    with peer("127.0.0.2") as controller:  # e.g. a show controller subscribing a display
        live.send_from(controller, "/engine/subscribe", allowed.port, "127.0.0.3")
        live.send_from(controller, "/engine/subscribe", other.port, "127.0.0.4")
        live.run(1.0, allowed, other)
    assert allowed.of("/engine/beat") and other.messages == []
    assert live.session.dropped() == {"foreign_destination": 1}


def test_a_flood_of_stats_requests_is_rate_limited(live: Live) -> None:
    """Each /engine/stats reply costs the audio thread a stats walk and a datagram: a flood of
    them is cut to the control rate, and the cut is counted."""
    flood = 1000
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as asker:
        asker.bind(("127.0.0.1", 0))
        asker.setblocking(False)
        request = encode("/engine/stats")
        for _ in range(flood):
            asker.sendto(request, ("127.0.0.1", live.receiver.port))
        time.sleep(0.5)  # the kernel may drop some of a burst this fast: count what came
        assert live.receiver.received > 200
        live.run(1.0)  # a second of audio: the burst, then 20 more
        time.sleep(0.1)
        replies = 0
        while True:
            try:
                asker.recv(65536)
            except BlockingIOError:
                break
            replies += 1
    allowed = defaults.CONTROL_BURST + defaults.CONTROL_RATE * 1.0
    assert defaults.CONTROL_BURST <= replies <= allowed + 1
    assert live.session.dropped()["control_rate"] == live.receiver.received - replies


@pytest.fixture
def metered() -> Iterator[Live]:
    server = manual_server(sr=SR, buffersize=BUFFER, seed=2)
    try:
        engine = Engine(load_score(FOREST), sr=SR, buffersize=BUFFER, seed=2, metering=True)
        with OscReceiver("127.0.0.1", 0) as receiver:
            yield Live(LiveSession(engine, receiver), server, receiver)
    finally:
        server.stop()
        server.shutdown()


def test_meter_and_key_come_with_the_levels_and_a_newcomer_learns_the_key(metered: Live) -> None:
    listener = Listener()
    metered.send("/engine/subscribe", listener.port)
    metered.run(4.0, listener)
    meters = listener.of("/engine/meter")
    assert 18 <= len(meters) <= 22  # every 0.2 s, with the levels
    lufs, peak = meters[-1][1]
    assert -40.0 < lufs < -10.0 and -40.0 < peak <= 0.5, meters[-1]  # forest at -20 LUFS
    keys = listener.of("/engine/key")
    assert keys and keys[0][1] == ["D", "dorian"], keys  # forest's key at its start
    late = Listener()
    metered.send("/engine/subscribe", late.port)
    metered.run(0.1, late)
    assert late.of("/engine/key")[0][1] == keys[-1][1]


def test_without_metering_there_is_no_meter_feedback(live: Live) -> None:
    listener = Listener()
    live.send("/engine/subscribe", listener.port)
    live.run(1.0, listener)
    assert listener.of("/engine/levels") and not listener.of("/engine/meter")
