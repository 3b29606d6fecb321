"""Fuzzing the OSC reader: structure-aware cases, each parsed under a time limit.

A case is a valid OSC packet (messages, bundles, nested bundles, every type tag the reader
knows) built while recording where its size and count fields are, then damaged where it hurts:
bundle element and blob sizes set negative, zero, huge, unaligned, past the end or pointing
backwards; strings stripped of their terminator; type tags replaced by unknown ones or by a
huge count of tags; the packet truncated, extended, nested past the depth cap or grown past the
size cap. Each case is parsed with a wall-clock guard and must end in a bounded result or a
:class:`PacketError`, nothing else.

The same builder serves two drivers: tests/osc/test_fuzz.py draws its choices from Hypothesis
(10,000 cases in CI, shrinking on failure); :func:`run` draws them from a seeded
``random.Random`` (a million cases for docs/performance.md; ``python -m benchmarks --only fuzz``).
"""

from __future__ import annotations

import heapq
import random
import signal
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.osc.packet import LIMITS, NTP_DELTA, Limits, PacketError, Parsed, parse

#: A case slower than this fails the fuzz test (the reader takes microseconds).
CASE_LIMIT = 0.05
#: A case that runs this long is stopped by a timer signal, so a hang fails instead of hanging.
HANG_LIMIT = 2.0


class Choose(Protocol):
    def __call__(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``."""
        ...


@dataclass
class Built:
    """A packet under construction, with where its fields are (offsets into :attr:`data`)."""

    data: bytearray = field(default_factory=bytearray)
    sizes: list[int] = field(default_factory=list)  # int32 sizes: bundle elements, blobs
    strings: list[tuple[int, int]] = field(default_factory=list)  # (start, padded end)
    tags: list[tuple[int, int]] = field(default_factory=list)  # type tag strings

    def add(self, other: Built) -> None:
        shift = len(self.data)
        self.data += other.data
        self.sizes += [at + shift for at in other.sizes]
        self.strings += [(a + shift, b + shift) for a, b in other.strings]
        self.tags += [(a + shift, b + shift) for a, b in other.tags]

    def string(self, text: bytes, *, tags: bool = False) -> None:
        start = len(self.data)
        self.data += text + b"\x00" * (4 - len(text) % 4)
        (self.tags if tags else self.strings).append((start, len(self.data)))

    def int32(self, value: int, *, size: bool = False) -> None:
        if size:
            self.sizes.append(len(self.data))
        self.data += struct.pack(">i", value)


ADDRESSES = (b"/state/arousal", b"/state/mood", b"/event", b"/scene", b"/", b"/a/b/c/d/e/f")
TIME_TAGS = (0, 1, (NTP_DELTA + 1_700_000_000) << 32, (NTP_DELTA + 2_000_000_000) << 32, 2**64 - 1)
TAGS = "ifhdsSbTFNIcrmt["


def build_message(choose: Choose, depth: int = 0) -> Built:
    built = Built()
    built.string(ADDRESSES[choose(0, len(ADDRESSES) - 1)])
    if choose(0, 9) == 0:  # an address alone, no type tag string
        return built
    tags, args = _arguments(choose, depth)
    built.string(b"," + tags.encode(), tags=True)
    built.add(args)
    return built


def _arguments(choose: Choose, depth: int) -> tuple[str, Built]:
    tags = ""
    args = Built()
    for _ in range(choose(0, 6)):
        tag = TAGS[choose(0, len(TAGS) - 1)]
        if tag == "[" and depth < 3:
            inner_tags, inner = _arguments(choose, depth + 1)
            tags += "[" + inner_tags + "]"
            args.add(inner)
            continue
        tag = "f" if tag == "[" else tag
        tags += tag
        if tag in "ifcrm":
            args.int32(choose(-(2**31), 2**31 - 1))
        elif tag in "hdt":
            args.data += struct.pack(">q", choose(-(2**63), 2**63 - 1))
        elif tag in "sS":
            args.string(b"x" * choose(0, 12))
        elif tag == "b":
            length = choose(0, 9)
            args.int32(length, size=True)
            args.data += b"\xab" * length + b"\x00" * (-length % 4)
    return tags, args


def build_bundle(choose: Choose, depth: int = 1) -> Built:
    built = Built()
    built.data += b"#bundle\x00" + struct.pack(">Q", TIME_TAGS[choose(0, len(TIME_TAGS) - 1)])
    for _ in range(choose(0, 4)):
        element = (
            build_bundle(choose, depth + 1)
            if depth < 4 and choose(0, 3) == 0
            else build_message(choose)
        )
        built.int32(len(element.data), size=True)
        built.add(element)
    return built


def build(choose: Choose) -> Built:
    return build_bundle(choose) if choose(0, 2) == 0 else build_message(choose)


def _set_size(built: Built, choose: Choose) -> None:
    at = built.sizes[choose(0, len(built.sizes) - 1)]
    (old,) = struct.unpack_from(">i", built.data, at)
    value = (
        -1,
        -4,
        -(2**31),
        0,
        old + choose(1, 3),  # unaligned
        old - 4 * choose(1, 4),  # short: the next element starts inside this one
        len(built.data),  # past the end
        len(built.data) + 4 * choose(1, 1000),
        2**31 - 1,
        choose(-(2**31), 2**31 - 1),
    )[choose(0, 9)]
    struct.pack_into(">I", built.data, at, value & 0xFFFFFFFF)  # as int32, wrapped


def _break_string(built: Built, choose: Choose) -> None:
    start, end = built.strings[choose(0, len(built.strings) - 1)]
    for at in range(start, end):
        if built.data[at] == 0:
            built.data[at] = 0x41  # no terminator: the string runs into what follows


def _break_tags(built: Built, choose: Choose) -> None:
    start, end = built.tags[choose(0, len(built.tags) - 1)]
    if choose(0, 1):  # one tag becomes unknown, a bracket, a non-ASCII byte or the terminator
        if end - start > 2:
            built.data[choose(start + 1, end - 2)] = choose(1, 255)
    else:  # a huge count of tags for the arguments there are
        tag = b"ifsbTN[]"[choose(0, 7)]
        count = choose(1, 20_000)
        text = b"," + bytes([tag]) * count
        built.data[start:end] = text + b"\x00" * (4 - len(text) % 4)


def _reshape(built: Built, choose: Choose) -> None:
    data = built.data
    kind = choose(0, 5)
    if kind == 0:  # truncated, aligned or not
        del data[choose(0, len(data)) :]
    elif kind == 1:  # trailing words
        data += bytes(choose(0, 255) for _ in range(4 * choose(1, 4)))
    elif kind == 2:  # a byte flipped anywhere
        if data:
            data[choose(0, len(data) - 1)] ^= choose(1, 255)
    elif kind == 3:  # nested past the cap
        for _ in range(choose(1, 3 * LIMITS.max_depth)):
            data[:] = b"#bundle\x00" + bytes(7) + b"\x01" + struct.pack(">i", len(data)) + data
    elif kind == 4:  # past the size cap
        data += bytes(LIMITS.max_size + 4 - len(data) + 4 * choose(0, 3))
    else:  # many messages in one bundle
        message = b"/a\x00\x00,T\x00\x00"
        count = choose(1, 3 * LIMITS.max_messages)
        element = struct.pack(">i", len(message)) + message
        data[:] = b"#bundle\x00" + bytes(7) + b"\x01" + element * count


def mutate(built: Built, choose: Choose) -> bytes:
    """Between zero and three damages, each to a field that exists in this packet."""
    for _ in range(choose(0, 3)):
        kind = choose(0, 3)
        if kind == 0 and built.sizes:
            _set_size(built, choose)
        elif kind == 1 and built.strings:
            _break_string(built, choose)
        elif kind == 2 and built.tags:
            length = len(built.data)
            _break_tags(built, choose)
            if len(built.data) != length:
                break  # a new tag count moved what follows: offsets are stale from here on
        else:
            _reshape(built, choose)
            break  # offsets are stale from here on
    return bytes(built.data)


def case(choose: Choose) -> bytes:
    return mutate(build(choose), choose)


@contextmanager
def hang_guard(seconds: float = HANG_LIMIT) -> Iterator[None]:
    """Raise TimeoutError in the main thread if the body runs longer than ``seconds``."""

    def expire(*_: object) -> None:
        raise TimeoutError(f"still parsing after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check(data: bytes, limits: Limits = LIMITS) -> tuple[float, list[Parsed] | str]:
    """Parse one case: (seconds taken, messages or the refusal's reason). Raises only if the
    reader broke its promise: another exception, or a result beyond the limits."""
    start = time.perf_counter()
    try:
        result: list[Parsed] | str = parse(data, limits)
    except PacketError as exc:
        result = exc.reason
    seconds = time.perf_counter() - start
    if not isinstance(result, str):
        assert len(result) <= limits.max_messages
        for message in result:
            assert message.address.startswith("/")
            assert _count(message.args) <= limits.max_args
            assert 0 < message.size <= len(data)
    return seconds, result


def _count(args: tuple[object, ...]) -> int:
    return sum(_count(a) if isinstance(a, tuple) else 1 for a in args)


@dataclass
class FuzzResult:
    cases: int
    seconds: float
    cases_per_second: float
    slowest_wall_ms: float  # as first measured: includes being preempted on a busy machine
    slowest_ms: float  # the slowest cases parsed again, best of 5: the reader's own cost
    slowest_hex: str
    slowest_bytes: int
    outcomes: dict[str, int]


def run(cases: int, seed: int = 1, keep: int = 20) -> FuzzResult:
    rng = random.Random(seed)
    choose: Callable[[int, int], int] = rng.randint
    outcomes: dict[str, int] = {}
    slowest: list[tuple[float, int, bytes]] = []  # a min-heap of the ``keep`` slowest
    start = time.perf_counter()
    with hang_guard(max(HANG_LIMIT, cases * 0.001)):
        for n in range(cases):
            data = case(choose)
            seconds, result = check(data)
            key = result if isinstance(result, str) else "accepted"
            outcomes[key] = outcomes.get(key, 0) + 1
            if len(slowest) < keep:
                heapq.heappush(slowest, (seconds, n, data))
            elif seconds > slowest[0][0]:
                heapq.heapreplace(slowest, (seconds, n, data))
    total = time.perf_counter() - start
    retimed = [(min(check(data)[0] for _ in range(5)), data) for _, _, data in slowest]
    cost, worst = max(retimed, key=lambda item: item[0])
    return FuzzResult(
        cases,
        total,
        cases / total,
        max(item[0] for item in slowest) * 1000,
        cost * 1000,
        worst[:64].hex() + ("..." if len(worst) > 64 else ""),
        len(worst),
        dict(sorted(outcomes.items())),
    )


def table(result: FuzzResult) -> str:
    outcomes = ", ".join(f"{k} {v:,}" for k, v in result.outcomes.items())
    return (
        f"{result.cases:,} cases in {result.seconds:.0f} s: {result.cases_per_second:,.0f} "
        "cases/s (building, damaging and parsing)\n"
        f"slowest parse {result.slowest_ms:.2f} ms (re-timed, best of 5; first measured "
        f"{result.slowest_wall_ms:.2f} ms wall), {result.slowest_bytes} bytes: "
        f"{result.slowest_hex}\n"
        f"outcomes: {outcomes}"
    )


def as_json(result: FuzzResult) -> dict[str, Any]:
    return result.__dict__.copy()


# -- the reader against python-osc's on normal traffic ------------------------------------------
def normal_traffic() -> list[bytes]:
    """What games send: single values, a pair, an event, a small bundle of a frame's state."""
    from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
    from pythonosc.osc_message_builder import OscMessageBuilder

    def message(address: str, *args: object) -> Any:
        builder = OscMessageBuilder(address)
        for arg in args:
            builder.add_arg(arg)
        return builder.build()

    bundle = OscBundleBuilder(IMMEDIATELY)
    for address in ("/state/arousal", "/state/valence", "/state/movement", "/state/heartrate"):
        bundle.add_content(message(address, 0.5))
    return [
        message("/state/arousal", 0.5).dgram,
        message("/state/mood", 0.25, -0.5).dgram,
        message("/event", "discovery", 0.8).dgram,
        message("/seed", 42).dgram,
        bundle.build().dgram,
    ]


@dataclass
class SpeedResult:
    ours_us: float  # per datagram of the normal mix
    python_osc_us: float
    ratio: float  # python-osc's time / ours


def speed(rounds: int = 20_000) -> SpeedResult:
    from pythonosc.osc_packet import OscPacket

    datagrams = normal_traffic()

    def best(parser: Callable[[bytes], object]) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(rounds):
                for data in datagrams:
                    parser(data)
            times.append(time.perf_counter() - start)
        return min(times) / (rounds * len(datagrams)) * 1e6

    ours = best(parse)
    theirs = best(lambda data: OscPacket(data).messages)
    return SpeedResult(ours, theirs, theirs / ours)


def speed_table(result: SpeedResult) -> str:
    return (
        f"normal traffic (1 value, 2 values, an event, a seed, a 4-message bundle): "
        f"{result.ours_us:.2f} µs a datagram, python-osc {result.python_osc_us:.2f} µs: "
        f"{result.ratio:.1f}x as fast"
    )
