"""Everything a sender can grow stays bounded, over real UDP on loopback: far-future bundles,
floods of one address, floods of events. What does not fit is dropped and counted, the rest is
applied in order, and the audio callback's work per buffer stays small (measured on a manual
pyo server, the way tests/live/test_session.py drives a session)."""

from __future__ import annotations

import resource
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.parsing.ntp import system_time_to_ntp

from engine import defaults, load_score
from engine.dsp.server import manual_server
from engine.live.session import LiveSession
from engine.osc.receiver import Bounds, OscReceiver
from engine.render.engine import Engine

SCORES = Path(__file__).resolve().parents[2] / "scores"
SR, BUFFER = 48000, 256


def message(address: str, *args: object) -> bytes:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def bundle(at: float, datagrams: list[bytes]) -> bytes:
    """A bundle of ready-made messages, due at Unix time ``at``."""
    elements = b"".join(struct.pack(">i", len(data)) + data for data in datagrams)
    return b"#bundle\x00" + system_time_to_ntp(at) + elements


def send_paced(receiver: OscReceiver, datagrams: list[bytes]) -> None:
    """Send without overrunning the kernel's socket buffer (its losses would not be counted):
    every 16 datagrams, wait until the receiver has read what was sent."""
    start = receiver.datagrams
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for n, data in enumerate(datagrams, 1):
            s.sendto(data, ("127.0.0.1", receiver.port))
            if n % 16 == 0 or n == len(datagrams):
                deadline = time.monotonic() + 5
                while receiver.datagrams - start < n:
                    assert time.monotonic() < deadline, "datagrams did not arrive"
                    time.sleep(0.0005)


def f32(value: float) -> float:
    """What a value sent as an OSC float (32 bits) arrives as."""
    return float(struct.unpack(">f", struct.pack(">f", value))[0])


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


@pytest.fixture
def receiver() -> Iterator[OscReceiver]:
    with OscReceiver("127.0.0.1", 0) as r:
        yield r


def test_far_future_bundles_are_dropped_and_memory_stays_flat(receiver: OscReceiver) -> None:
    values = [message("/state/arousal", n / 100) for n in range(100)]
    far = bundle(time.time() + 3600, values)  # an hour ahead: past the horizon
    send_paced(receiver, [far] * 20)  # warm up the buffers
    before = rss_mb()
    send_paced(receiver, [far] * 2000)
    assert receiver.dropped["too_far_ahead"] == 2020 * 100
    assert receiver.held == 0
    assert rss_mb() - before < 5  # the tester's 697,000 held messages took 220 MB


def test_held_messages_stop_at_their_cap_and_the_rest_are_counted() -> None:
    bounds = Bounds(held_max=1000)
    with OscReceiver("127.0.0.1", 0, bounds=bounds) as receiver:
        values = [message("/state/arousal", n / 100) for n in range(100)]
        soon = bundle(time.time() + 30, values)  # within the horizon: held
        send_paced(receiver, [soon] * 15)
        assert receiver.held == 1000
        assert receiver.dropped == {"held_full": 500}
        # what is held is released when due, at most `limit` a call, in order
        later = time.time() + 31
        first = receiver.due(later, limit=300)
        assert [m.args[0] for m in first] == [f32(n / 100) for n in range(100)] * 3
        assert len(receiver.due(later)) == 700 and receiver.held == 0


def test_held_bytes_are_capped_too() -> None:
    bounds = Bounds(held_bytes=64 * 1024)
    with OscReceiver("127.0.0.1", 0, bounds=bounds) as receiver:
        long = message("/scene", "x" * 4000)  # ~4 kB a message
        send_paced(receiver, [bundle(time.time() + 30, [long])] * 40)
        assert receiver.held == 64 * 1024 // len(long)
        assert receiver.dropped["held_full"] == 40 - receiver.held


# -- the session: coalescing, the per-buffer take, events ------------------------------------
class Live:
    def __init__(self, score: str) -> None:
        self.server = manual_server(sr=SR, buffersize=BUFFER, seed=2)
        engine = Engine(load_score(SCORES / score), sr=SR, buffersize=BUFFER, seed=2)
        self.receiver = OscReceiver("127.0.0.1", 0).start()
        self.session = LiveSession(engine, self.receiver)
        self.session.log_applied()

    def buffer(self) -> float:
        """One buffer; returns how long the session's own work (the audio callback's) took."""
        start = time.perf_counter()
        self.session.process()
        spent = time.perf_counter() - start
        self.server.process()  # type: ignore[attr-defined]
        return spent

    def close(self) -> None:
        self.session.close()
        self.receiver.close()
        self.server.stop()  # type: ignore[attr-defined]
        self.server.shutdown()  # type: ignore[attr-defined]


@pytest.fixture
def forest() -> Iterator[Live]:
    live = Live("forest.yaml")
    yield live
    live.close()


@pytest.fixture
def meditation() -> Iterator[Live]:
    live = Live("meditation.yaml")
    yield live
    live.close()


def test_ten_thousand_values_in_one_buffer_apply_once_per_address_the_last(forest: Live) -> None:
    for _ in range(20):
        forest.buffer()
    datagrams = []
    for n in range(5000):
        datagrams += [message("/state/arousal", n / 5000), message("/state/valence", -n / 5000)]
    datagrams.append(message("/scene", "ruins"))
    receiver = forest.receiver
    send_paced(receiver, datagrams)
    assert receiver.waiting == 3  # two coalesced slots and the scene
    forest.buffer()
    applied = [(address, args) for _, address, args in forest.session.applied or ()]
    assert applied == [
        ("/state/arousal", (f32(4999 / 5000),)),
        ("/state/valence", (f32(-4999 / 5000),)),
        ("/scene", ("ruins",)),
    ]
    assert forest.session.stats()["coalesced"] == 2 * 4999
    targets = forest.session.engine.conductor.bus.targets
    assert targets["arousal"] == pytest.approx(4999 / 5000, abs=1e-6)
    assert targets["valence"] == pytest.approx(-4999 / 5000, abs=1e-6)


def test_held_messages_due_together_are_coalesced_and_spread_over_buffers(
    forest: Live,
) -> None:
    receiver, session = forest.receiver, forest.session
    at = time.time() + 0.3
    events = [message("/nowhere", n) for n in range(100)]  # discrete: none may be coalesced
    values = [message("/state/arousal", n / 100) for n in range(100)]
    send_paced(receiver, [bundle(at, values + events)] * 5)
    while time.time() < at + 0.01:
        time.sleep(0.01)
    buffers = 0
    while receiver.held or receiver.waiting:
        forest.buffer()
        buffers += 1
    # 1,000 held messages due at one instant: at most OSC_TAKE_PER_BUFFER a buffer
    assert buffers >= 1000 // defaults.OSC_TAKE_PER_BUFFER
    assert session.engine.router.dropped["unknown_address"] == 500  # all, in order
    assert session.engine.conductor.bus.targets["arousal"] == pytest.approx(0.99, abs=1e-6)
    assert session.stats()["coalesced"] > 0


def test_an_event_flood_is_rate_limited_and_the_callback_stays_short(meditation: Live) -> None:
    receiver, session = meditation.receiver, meditation.session
    for _ in range(40):
        meditation.buffer()
    chime = message("/event", "chime")
    send_paced(receiver, [chime] * 16000)
    assert receiver.waiting == defaults.OSC_INBOX_MAX
    assert receiver.dropped["inbox_full"] == 16000 - defaults.OSC_INBOX_MAX
    spent = [meditation.buffer() for _ in range(round(4 * SR / BUFFER))]  # 4 s of audio
    router = session.engine.router
    fired = router.accepted
    assert fired <= defaults.EVENTS_BURST + 4 * defaults.EVENTS_RATE
    assert session.engine.dropped()["event_rate"] == defaults.OSC_INBOX_MAX - fired
    assert session.errors == 0
    # the tester's 16,000 chimes stalled the callback for 1.5 s; now each buffer's OSC work is
    # at most OSC_TAKE_PER_BUFFER refusals. Other engineers share the cores: judge the median
    # and a generous worst case, not a single quiet-machine number.
    spent.sort()
    assert spent[len(spent) // 2] < 0.002
    assert spent[-1] < 0.05
