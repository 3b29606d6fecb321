"""The OSC reader under a structure-aware fuzzer: valid packets (messages, bundles, nested
bundles, every type tag) damaged in their size, count and tag fields, 10,000 cases, each parsed
under a time limit. Every case ends in a bounded result or a counted refusal, never an exception
and never slowly. benchmarks/fuzz.py runs the same cases a million at a time."""

from __future__ import annotations

import time
from typing import ClassVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.fuzz import CASE_LIMIT, build, case, check, hang_guard
from engine.osc.packet import PacketError, parse

REASONS = {
    "malformed",
    "unknown_tag",
    "too_large",
    "too_deep",
    "too_many_messages",
    "too_many_args",
}


class Draws:
    """The builder's choices, drawn from Hypothesis (so a failure shrinks to a small case)."""

    strategies: ClassVar[dict[tuple[int, int], st.SearchStrategy[int]]] = {}

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def __call__(self, low: int, high: int) -> int:
        strategy = self.strategies.get((low, high))
        if strategy is None:  # building a strategy costs more than drawing from it
            strategy = self.strategies[low, high] = st.integers(low, high)
        return self.draw(strategy)


@st.composite
def damaged_packets(draw: st.DrawFn) -> bytes:
    return case(Draws(draw))


@st.composite
def valid_packets(draw: st.DrawFn) -> bytes:
    return bytes(build(Draws(draw)).data)


FUZZ = settings(
    max_examples=10_000,
    deadline=None,  # the time limit is ours, on the parse alone (not on building the case)
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


@FUZZ
@given(damaged_packets())
def test_every_damaged_packet_ends_fast_in_a_bounded_result_or_a_reason(data: bytes) -> None:
    with hang_guard():
        seconds, result = check(data)
        if seconds >= CASE_LIMIT:  # other engineers' tests share the 2 cores: measure again
            seconds = min(check(data)[0] for _ in range(3))
    assert seconds < CASE_LIMIT, f"{seconds * 1000:.1f} ms for {data[:64].hex()}"
    assert isinstance(result, list) or result in REASONS


@settings(max_examples=500, deadline=None, database=None)
@given(valid_packets())
def test_every_undamaged_packet_is_read_whole(data: bytes) -> None:
    messages = parse(data)
    assert sum(m.size for m in messages) <= len(data)
    assert all(m.address.startswith("/") for m in messages)


def test_the_worst_shapes_within_the_size_cap_stay_fast() -> None:
    """Shapes built to be slow: the most tags, the most messages, the deepest nesting, the
    longest string, all at or near 64 KiB."""
    message = b"/a\x00\x00,T\x00\x00"
    flat = b"#bundle\x00" + bytes(7) + b"\x01" + (b"\x00\x00\x00\x08" + message) * 5000
    nested = message
    for _ in range(3000):
        nested = b"#bundle\x00" + bytes(7) + b"\x01" + len(nested).to_bytes(4, "big") + nested
    shapes = {
        "too_many_messages": flat[:65536],
        "too_deep": nested,
        "too_many_args": b"/a\x00\x00," + b"T" * 65526 + b"\x00",
        "malformed": b"/" + b"a" * 65535,  # a string with no end
    }
    for reason, data in shapes.items():
        assert len(data) <= 65536
        start = time.perf_counter()
        try:
            parse(data)
        except PacketError as exc:
            assert exc.reason == reason
        assert time.perf_counter() - start < CASE_LIMIT
