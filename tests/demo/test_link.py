"""The game's OSC link (demos/wander/link.py): throttled state, resubscription, feedback
parsing, and catching up after the engine (re)starts; against a fake engine on loopback."""

from __future__ import annotations

import itertools
import socket
import time
from collections.abc import Iterator

import pytest
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from demos.wander.link import EngineLink, Throttle, decode, encode, parse_engine


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeEngine:
    """A UDP socket standing in for ``soundscape play``: collects what the game sends."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.5)
        self.port = int(self.socket.getsockname()[1])
        self.game: tuple[str, int] | None = None

    def received(self, wait: float = 0.05) -> list[tuple[str, list[object]]]:
        messages: list[tuple[str, list[object]]] = []
        deadline = time.monotonic() + wait
        self.socket.settimeout(wait)
        while time.monotonic() < deadline:
            try:
                data, self.game = self.socket.recvfrom(65536)
            except TimeoutError:
                break
            messages += decode(data)
        return messages

    def reply(self, address: str, *args: object) -> None:
        assert self.game is not None, "nothing received yet: no address to answer"
        self.socket.sendto(encode(address, args), self.game)  # type: ignore[arg-type]

    def reply_bytes(self, data: bytes) -> None:
        assert self.game is not None
        self.socket.sendto(data, self.game)


@pytest.fixture
def engine() -> Iterator[FakeEngine]:
    fake = FakeEngine()
    yield fake
    fake.socket.close()


def poll_until(link: EngineLink, condition: object, clock: Clock) -> None:
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        link.poll(clock())
        if callable(condition) and condition():
            return
        time.sleep(0.005)
    raise AssertionError("feedback did not arrive")


# -- throttling --------------------------------------------------------------------------------
def test_throttle_sends_the_first_value_then_only_changes() -> None:
    throttle = Throttle(rate=20.0, epsilon={"/state/movement": 0.02})
    assert throttle.should_send("/state/movement", (0.5,), 0.0)
    assert not throttle.should_send("/state/movement", (0.5,), 0.5)  # unchanged
    assert not throttle.should_send("/state/movement", (0.51,), 0.6)  # within epsilon
    assert throttle.should_send("/state/movement", (0.6,), 0.7)  # a real change
    assert not throttle.should_send("/state/movement", (0.6,), 60.0)  # unchanged, ever


def test_throttle_caps_the_rate_at_20_per_second() -> None:
    throttle = Throttle(rate=20.0)
    sent = [
        t / 1000
        for t in range(0, 5000, 5)  # a value changing fast, offered at 200 Hz
        if throttle.should_send("/state/heartrate", (60 + t / 10,), t / 1000)
    ]
    assert 90 <= len(sent) <= 101
    assert min(b - a for a, b in itertools.pairwise(sent)) >= 0.05 - 1e-9


def test_throttle_settles_on_the_exact_resting_value() -> None:
    throttle = Throttle(settle=1.0, epsilon={"/state/movement": 0.02})
    assert throttle.should_send("/state/movement", (0.01,), 0.0)
    assert not throttle.should_send("/state/movement", (0.0,), 0.5)  # small, and too soon
    assert throttle.should_send("/state/movement", (0.0,), 1.0)  # still, for a second
    assert not throttle.should_send("/state/movement", (0.0,), 5.0)  # and never again


def test_the_heart_rate_is_sent_once_a_second_unchanged_like_a_strap() -> None:
    throttle = Throttle()
    assert throttle.should_send("/state/heartrate", (70.0,), 0.0)
    assert not throttle.should_send("/state/heartrate", (70.2,), 0.5)  # small, and too soon
    assert throttle.should_send("/state/heartrate", (70.0,), 1.0)  # the keepalive
    assert throttle.should_send("/state/movement", (0.0,), 0.0)
    assert not throttle.should_send("/state/movement", (0.0,), 5.0)  # a game value: never


def test_throttle_keys_are_independent_and_forget_resends() -> None:
    throttle = Throttle()
    assert throttle.should_send("/state/mood", (0.1, 0.2), 0.0)
    assert throttle.should_send("/state/heartrate", (70.0,), 0.0)
    assert not throttle.should_send("/state/mood", (0.1, 0.205), 0.5)
    assert throttle.should_send("/state/mood", (0.1, 0.25), 0.5)  # one of the pair moved
    throttle.forget()
    assert throttle.should_send("/state/heartrate", (70.0,), 0.51)


# -- the link ----------------------------------------------------------------------------------
def test_sends_state_scenes_and_events_as_osc(engine: FakeEngine) -> None:
    clock = Clock()
    sent: list[tuple[str, tuple[object, ...]]] = []
    link = EngineLink(
        "127.0.0.1",
        engine.port,
        clock=clock,
        on_send=lambda address, args: sent.append((address, tuple(args))),
    )
    link.subscribe()
    link.mood(0.5, -0.25)
    link.state("heartrate", 72.0)
    link.state("heartrate", 72.2)  # throttled: too soon and too small
    link.scene("grove")
    link.event("discovery", 1.7)  # intensity clamped to 0..1
    got = engine.received()
    assert [(a, [round(x, 3) if isinstance(x, float) else x for x in args]) for a, args in got] == [
        ("/engine/subscribe", []),
        ("/state/mood", [0.5, -0.25]),
        ("/state/heartrate", [72.0]),
        ("/scene", ["grove"]),
        ("/event", ["discovery", 1.0]),
    ]
    assert [a for a, _ in sent] == [a for a, _ in got]
    link.close()
    assert engine.received() == [("/engine/unsubscribe", [])]


def test_resubscribes_every_two_seconds_until_feedback_comes(engine: FakeEngine) -> None:
    clock = Clock()
    link = EngineLink("127.0.0.1", engine.port, clock=clock)
    link.subscribe()
    for step in range(1, 61):  # six seconds with nobody answering
        clock.now = step * 0.1
        link.poll()
    subscribes = [a for a, _ in engine.received() if a == "/engine/subscribe"]
    assert len(subscribes) == 1 + 3
    assert not link.connected()
    engine.reply("/engine/beat", 4, 0, 96.0)
    poll_until(link, lambda: link.feedback.beats == 1, clock)
    assert link.connected()
    for step in range(61, 80):  # connected: no more subscribing
        clock.now = step * 0.1
        link.poll()
        if step % 5 == 0:
            engine.reply("/engine/levels", "pad", 0.5)
            time.sleep(0.01)
    assert [a for a, _ in engine.received() if a == "/engine/subscribe"] == []
    link.close()


def test_renews_its_subscription_every_three_seconds_while_feedback_comes(
    engine: FakeEngine,
) -> None:
    """The engine ends a subscription that is not renewed within 10 s, even while it sends."""
    clock = Clock()
    link = EngineLink("127.0.0.1", engine.port, clock=clock)
    link.subscribe()
    assert [a for a, _ in engine.received()] == ["/engine/subscribe"]
    for step in range(1, 101):  # ten seconds of feedback, ten messages a second
        clock.now = step * 0.1
        expected = link.feedback.packets + 1
        engine.reply("/engine/levels", "pad", 0.5)
        poll_until(link, lambda n=expected: link.feedback.packets >= n, clock)
        assert link.connected()
    subscribes = [a for a, _ in engine.received() if a == "/engine/subscribe"]
    assert len(subscribes) == 3  # at about 3, 6 and 9 s
    link.close()


def test_feedback_is_parsed_bundles_too(engine: FakeEngine) -> None:
    clock = Clock()
    link = EngineLink("127.0.0.1", engine.port, clock=clock)
    link.subscribe()
    engine.received()
    engine.reply("/engine/scene", "ruins")
    engine.reply("/engine/levels", "wind", 0.25, "drums", 1.0)
    engine.reply("/engine/stinger", "discovery")
    bundle = OscBundleBuilder(IMMEDIATELY)
    for bar, beat in ((7, 2), (7, 3)):
        message = OscMessageBuilder("/engine/beat")
        for arg in (bar, beat, 101.5):
            message.add_arg(arg)
        bundle.add_content(message.build())
    engine.reply_bytes(bundle.build().dgram)
    engine.reply_bytes(b"\x00garbage")
    poll_until(link, lambda: link.feedback.beats == 2 and link.feedback.malformed == 1, clock)
    fb = link.feedback
    assert fb.scene == "ruins"
    assert fb.levels == {"wind": 0.25, "drums": 1.0}
    assert (fb.stinger, fb.stingers) == ("discovery", 1)
    assert (fb.bar, fb.beat, fb.tempo) == (7, 3, 101.5)
    link.close()


def test_stamped_feedback_is_held_until_its_time_tag(engine: FakeEngine) -> None:
    """``play --feedback-ahead`` sends beats ahead, time-tagged with when they are heard: the
    game takes each at its tag (so its visuals land on the beat), not on arrival; a tag too far
    ahead to trust is taken at once and counted."""
    base = time.time()  # python-osc reads a tag already past as "now", on the real clock
    clock, wall = Clock(), [base]
    link = EngineLink("127.0.0.1", engine.port, clock=clock, wall=lambda: wall[0])
    link.subscribe()
    engine.received()

    def stamped(stamp: float, beat: int) -> bytes:
        bundle = OscBundleBuilder(stamp)
        message = OscMessageBuilder("/engine/beat")
        for arg in (3, beat, 90.0):
            message.add_arg(arg)
        bundle.add_content(message.build())
        return bundle.build().dgram

    engine.reply_bytes(stamped(base + 0.5, 1))  # heard in half a second
    engine.reply_bytes(stamped(base + 5.0, 2))  # 5 s ahead: not a stamp to wait for
    poll_until(link, lambda: link.feedback.unheld == 1, clock)
    assert (link.feedback.beats, link.feedback.beat) == (1, 2)  # only the untrusted one
    wall[0] = base + 0.49
    link.poll(clock())
    assert link.feedback.beats == 1, "10 ms before its tag"
    wall[0] = base + 0.501
    link.poll(clock())
    assert (link.feedback.beats, link.feedback.beat) == (2, 1)
    link.close()


def test_catches_up_when_the_engine_comes_back(engine: FakeEngine) -> None:
    """A game that ran while no engine listened: when feedback starts, it sends its scene
    (if the engine plays another) and all its state again, no faster than 20 Hz."""
    clock = Clock()
    link = EngineLink("127.0.0.1", engine.port, clock=clock)
    link.subscribe()
    link.scene("ruins")
    link.mood(-0.5, 0.8)
    link.state("heartrate", 120.0)
    clock.now = 2.5
    link.poll()  # nothing came back: subscribe again
    assert [a for a, _ in engine.received()][-1] == "/engine/subscribe"
    clock.now = 2.6
    engine.reply("/engine/scene", "meadow")  # the engine's answer to subscribing
    poll_until(link, lambda: link.feedback.scene == "meadow", clock)
    assert engine.received() == [("/scene", ["ruins"])]
    link.mood(-0.5, 0.8)
    link.state("heartrate", 120.0)
    resent = engine.received()
    assert [a for a, _ in resent] == ["/state/mood", "/state/heartrate"]
    link.state("heartrate", 120.0, now=2.61)  # and only once
    assert engine.received() == []
    link.close()


def test_an_engine_that_answers_at_once_gets_nothing_twice(engine: FakeEngine) -> None:
    clock = Clock()
    link = EngineLink("127.0.0.1", engine.port, clock=clock)
    link.subscribe()
    link.scene("meadow")
    link.mood(0.7, -0.6)
    engine.received()
    clock.now = 0.03
    engine.reply("/engine/scene", "meadow")
    poll_until(link, link.connected, clock)
    clock.now = 0.2
    link.mood(0.7, -0.6)
    assert engine.received() == []
    link.close()


def test_no_engine_is_not_an_error() -> None:
    port = FakeEngine()
    port.socket.close()  # nobody listens there now
    link = EngineLink("127.0.0.1", port.port)
    for _ in range(5):
        link.subscribe()
        link.state("movement", 1.0, now=_ * 1.0)
        link.poll()
    assert not link.connected()
    link.close()


def test_parse_engine_addresses() -> None:
    assert parse_engine("127.0.0.1:9000") == ("127.0.0.1", 9000)
    assert parse_engine("localhost:9100") == ("localhost", 9100)
    assert parse_engine(":9001") == ("127.0.0.1", 9001)
    for bad in ("9000x", "host:", "host:0", "host:70000"):
        with pytest.raises(ValueError):
            parse_engine(bad)
    assert EngineLink("localhost", 9).address == ("127.0.0.1", 9)
