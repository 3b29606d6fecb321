"""The bounds-checked OSC reader: what it reads (the same as python-osc on what the engine
supports), and one clear reason for each datagram it refuses."""

from __future__ import annotations

import math
import struct
import time

import pytest
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_packet import OscPacket

from benchmarks.fuzz import normal_traffic
from engine.osc.packet import LIMITS, PacketError, parse


def message(address: str, *args: object) -> bytes:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def reason(data: bytes) -> str:
    with pytest.raises(PacketError) as refused:
        parse(data)
    return refused.value.reason


def test_every_value_the_engine_takes_reads_as_python_osc_reads_it() -> None:
    datagrams = [
        *normal_traffic(),
        message("/x", 1, -(2**31), 2**40, 0.1, "text", True, False, None, b"blob", [1, [2.5]]),
        message("/x", float("inf"), float("-inf")),
        message("/addressonly"),
    ]
    for data in datagrams:
        ours = [(m.address, m.args) for m in parse(data)]
        theirs = [(t.message.address, t.message.params) for t in OscPacket(data).messages]
        assert len(ours) == len(theirs)
        for (address, args), (their_address, their_args) in zip(ours, theirs, strict=True):
            assert address == their_address
            assert list(args) == [
                tuple(_tuples(a)) if isinstance(a, list) else a for a in their_args
            ]


def _tuples(values: list[object]) -> list[object]:
    return [tuple(_tuples(v)) if isinstance(v, list) else v for v in values]


def test_nan_floats_and_the_other_tags_come_through_for_the_router_to_judge() -> None:
    [nan] = parse(message("/x", float("nan")))
    assert math.isnan(nan.args[0])  # type: ignore[arg-type]
    # I (impulse) carries no value: /event ,sI is /event NAME
    data = b"/event\x00\x00,sIcrmt\x00ping\x00\x00\x00\x00" + struct.pack(
        ">iI4BII", 0x41, 0xFF0000FF, 1, 2, 3, 4, 5, 6
    )
    [event] = parse(data)
    assert event.args == ("ping", "A", 0xFF0000FF, (1, 2, 3, 4), (5, 6))


def test_time_tags_become_unix_seconds_and_immediately_becomes_zero() -> None:
    at = time.time() + 10
    bundle = OscBundleBuilder(at)
    bundle.add_content(OscMessageBuilder("/a").build())
    inner = OscBundleBuilder(IMMEDIATELY)
    inner.add_content(OscMessageBuilder("/b").build())
    bundle.add_content(inner.build())
    first, second = parse(bundle.build().dgram)
    assert first.address == "/a" and first.time == pytest.approx(at, abs=1e-6)
    assert second.address == "/b" and second.time == 0.0


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "malformed"),
        (b"/ab", "malformed"),  # not whole words
        (b"garbage\x00", "malformed"),  # neither "/" nor "#bundle"
        (b"/abc", "malformed"),  # a string without its terminator
        (b"/a\x00\x00,f\x00\x00", "malformed"),  # a float tag with no float
        (b"/a\x00\x00,f\x00\x00" + bytes(8), "malformed"),  # bytes left over
        (b"/a\x00\x00xf\x00\x00" + bytes(4), "malformed"),  # tags without the comma
        (b"/a\x00\x00,q\x00\x00", "unknown_tag"),
        (b"/a\x00\x00,[\x00\x00", "malformed"),  # an array never closed
        (b"/a\x00\x00,]\x00\x00", "malformed"),
        (b"/a\x00\x00,\xff\x00\x00", "malformed"),  # tags that are not UTF-8
        (b"/a\x00\x00,b\x00\x00" + struct.pack(">i", -4), "malformed"),  # negative blob
        (b"/a\x00\x00,b\x00\x00" + struct.pack(">i", 2**31 - 1), "malformed"),  # past the end
        (b"#bundle\x00" + bytes(4), "malformed"),  # a bundle cut in its time tag
        (b"#bundle\x00" + bytes(8) + struct.pack(">i", 0), "malformed"),  # empty element
        (b"#bundle\x00" + bytes(8) + struct.pack(">i", -8) + b"/a\x00\x00", "malformed"),
        (
            b"#bundle\x00" + bytes(8) + struct.pack(">i", 6) + b"/a\x00\x00\x00\x00\x00\x00",
            "malformed",
        ),
        (b"#bundle\x00" + bytes(8) + struct.pack(">i", 8) + b"/a\x00\x00", "malformed"),
        (b"#bundle\x00" + bytes(8) + struct.pack(">i", 4) + b"xyz\x00", "malformed"),
        (b"/a\x00\x00" + bytes(LIMITS.max_size), "too_large"),
        (b"/a\x00\x00,[[[[[[[[[[\x00", "too_deep"),
        (b"/a\x00\x00," + b"T" * 100 + b"\x00\x00\x00", "too_many_args"),
        (b"/a\x00\x00," + b"N" * 66 + b"\x00", "too_many_args"),
    ],
)
def test_each_damage_is_refused_with_its_reason(data: bytes, expected: str) -> None:
    assert reason(data) == expected


def test_nesting_and_message_counts_are_capped() -> None:
    inner = message("/a")
    for _ in range(LIMITS.max_depth):
        inner = b"#bundle\x00" + bytes(7) + b"\x01" + struct.pack(">i", len(inner)) + inner
    deep = b"#bundle\x00" + bytes(7) + b"\x01" + struct.pack(">i", len(inner)) + inner
    assert [m.address for m in parse(inner)] == ["/a"]  # at the cap: read
    assert reason(deep) == "too_deep"  # one more: refused
    element = struct.pack(">i", 4) + b"/a\x00\x00"
    full = b"#bundle\x00" + bytes(7) + b"\x01" + element * LIMITS.max_messages
    assert len(parse(full)) == LIMITS.max_messages
    assert reason(full + element) == "too_many_messages"


def test_the_reader_is_faster_than_python_osc_on_normal_traffic() -> None:
    from benchmarks.fuzz import speed

    result = speed(rounds=1000)
    assert result.ratio > 1, result
