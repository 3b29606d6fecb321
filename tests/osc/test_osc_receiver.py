"""The OSC receiver on real UDP over loopback: messages, bundles, time tags, garbage."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from pythonosc.osc_bundle_builder import OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.udp_client import SimpleUDPClient

from engine.osc.receiver import Message, OscReceiver


@pytest.fixture
def receiver() -> Iterator[OscReceiver]:
    with OscReceiver("127.0.0.1", 0) as r:
        yield r


def pairs(messages: list[Message]) -> list[tuple[str, tuple[object, ...]]]:
    return [(m.address, m.args) for m in messages]


def wait_for(receiver: OscReceiver, count: int, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while receiver.received + sum(receiver.dropped.values()) < count:
        assert time.monotonic() < deadline, "datagrams did not arrive"
        time.sleep(0.005)


def raw(receiver: OscReceiver, data: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(data, ("127.0.0.1", receiver.port))


def test_messages_arrive_with_their_arguments(receiver: OscReceiver) -> None:
    client = SimpleUDPClient("127.0.0.1", receiver.port)
    client.send_message("/state/arousal", 0.5)
    client.send_message("/state/mood", [0.25, -0.5])
    client.send_message("/scene", "grove")
    client.send_message("/event", ["discovery", 1])
    wait_for(receiver, 4)
    assert pairs(receiver.due()) == [
        ("/state/arousal", (0.5,)),
        ("/state/mood", (0.25, -0.5)),
        ("/scene", ("grove",)),
        ("/event", ("discovery", 1)),
    ]
    assert pairs(receiver.due()) == []


def test_garbage_is_counted_and_the_receiver_goes_on(receiver: OscReceiver) -> None:
    good = OscMessageBuilder("/state/movement")
    good.add_arg(0.75)
    datagram = good.build().dgram
    cut_float = b"/state/arousal\x00\x00,f\x00\x00\x7f"  # python-osc would pad it: 1.7e38
    for junk in (
        b"garbage",
        b"\x00\x01\x02",
        b"#bundle\x00" + b"\xff" * 12,
        b"/\xff\xfe",
        cut_float,
    ):
        raw(receiver, junk)
    raw(receiver, datagram)
    wait_for(receiver, 6)
    assert pairs(receiver.due()) == [("/state/movement", (0.75,))]
    assert receiver.dropped["malformed"] == 5
    # an unknown type tag: its size is unknown, so the message is discarded (as OSC 1.0 says)
    raw(receiver, b"/x\x00\x00,q\x00\x00")
    wait_for(receiver, 7)
    assert pairs(receiver.due()) == []
    assert receiver.dropped["unknown_tag"] == 1


def test_bundles_unpack_and_future_time_tags_wait(receiver: OscReceiver) -> None:
    at = time.time() + 0.3
    bundle = OscBundleBuilder(at)
    for address, value in (("/state/valence", -0.5), ("/state/arousal", 0.875)):
        message = OscMessageBuilder(address)
        message.add_arg(value)
        bundle.add_content(message.build())
    now = OscBundleBuilder(0)  # time tag 0: "immediately" in practice
    message = OscMessageBuilder("/scene")
    message.add_arg("ruins")
    now.add_content(message.build())
    raw(receiver, bundle.build().dgram)
    raw(receiver, now.build().dgram)
    wait_for(receiver, 3)
    assert pairs(receiver.due(at - 0.1)) == [("/scene", ("ruins",))]
    assert pairs(receiver.due(at + 0.01)) == [
        ("/state/valence", (-0.5,)),
        ("/state/arousal", (0.875,)),
    ]


def test_a_far_future_time_tag_does_not_block_the_thread(receiver: OscReceiver) -> None:
    bundle = OscBundleBuilder(time.time() + 3600 * 24 * 365)
    message = OscMessageBuilder("/state/arousal")
    message.add_arg(1.0)
    bundle.add_content(message.build())
    raw(receiver, bundle.build().dgram)
    SimpleUDPClient("127.0.0.1", receiver.port).send_message("/state/valence", 0.125)
    wait_for(receiver, 2)
    assert pairs(receiver.due()) == [("/state/valence", (0.125,))]


def test_the_sender_address_comes_with_each_message(receiver: OscReceiver) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.sendto(OscMessageBuilder("/engine/stats").build().dgram, ("127.0.0.1", receiver.port))
        wait_for(receiver, 1)
        before = time.time()
        [message] = receiver.due()
        assert message[:3] == ("/engine/stats", (), s.getsockname())
        assert before - 2 <= message.time <= time.time()
