"""The crash sweep's cases: what each subprocess renders, as plain data plus a deterministic plan.

A :class:`Case` names an instrument and a kind; :func:`plan` expands it, with a seeded RNG, into
construction params, a per-buffer schedule of ``play``/``set_param``/``suspend``/``resume`` calls,
and the number of non-finite values it sends (which must all be counted in ``rejected``).
Kept free of pytest so ``sweep_worker.py`` can import it in a bare subprocess.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from engine.dsp.instrument import Instrument
from engine.dsp.instruments import INSTRUMENTS
from engine.dsp.instruments.drums import KIT
from engine.events import NoteEvent

#: Instruments that play a score's own recording: tests/stems covers them (as render_helper says).
LOOP_PLAYERS = frozenset({"stem", "ambience"})

#: Audio rendered per case: long enough for rare events (the sweep notes found crashes at 9 s).
SECONDS = 30.0
#: Any sample of the dry signal (before the 0.95 output ceiling) above this counts as a blow-up.
#: Typical use peaks at 0.2-0.6. Legitimate extremes go well past 1 and are rounded off by the
#: ceiling: the loudest measured was the pad, 8 full-velocity voices in the sub-bass passing its
#: low-pass unfiltered, at 13.6 (+23 dB over its typical peak). Divergence (the MoogLP bug this
#: sweep found) runs to inf within milliseconds, so 20 separates the two.
PEAK_BOUND = 20.0
NAN, INF = float("nan"), float("inf")

Call = Callable[[Instrument], None]


@dataclass(frozen=True)
class Case:
    instrument: str
    kind: str  # param | static | random | notes | invalid | suspend
    arg: str = ""
    seconds: float = SECONDS
    sr: int = 48000
    bs: int = 256

    @property
    def name(self) -> str:
        name = f"{self.instrument}:{self.kind}" + (f":{self.arg}" if self.arg else "")
        return name if (self.sr, self.bs) == (48000, 256) else f"{name}@{self.sr}/{self.bs}"


@dataclass
class Plan:
    params: dict[str, float]
    calls: list[tuple[int, Call]]
    expected_rejected: int


def cases() -> list[Case]:
    """Every case of the sweep, for every registered instrument."""
    out: list[Case] = []
    for name, cls in INSTRUMENTS.items():
        if name in LOOP_PLAYERS:  # they play a score's files (tests/stems)
            continue
        out += [Case(name, "param", p) for p in cls.PARAMS]
        out += [Case(name, "static", "min"), Case(name, "static", "max")]
        out += [Case(name, "random", str(i)) for i in range(6)]
        out += [Case(name, "notes"), Case(name, "invalid"), Case(name, "suspend")]
        # Other server settings the engine may run with (real-time buffers, 44.1 kHz).
        out += [Case(name, "notes", bs=64), Case(name, "random", "bs", bs=1024)]
        out += [Case(name, "notes", sr=44100, bs=512)]
    return out


def _values(lo: float, hi: float, default: float) -> list[float]:
    """In-range grid, then out-of-range, then non-finite, then back in range."""
    span = hi - lo
    grid = [lo, hi, (lo + hi) / 2, lo + 0.1 * span, lo + 0.9 * span, default]
    wild = [lo - 10 * span, hi + 10 * span, -1e12, 1e12, 0.0, -1.0, 1e-9]
    return [*grid, *wild, NAN, INF, -INF, hi, lo, default]


def _busy_notes(rng: random.Random, case: Case, buffers: int, bs: int) -> list[tuple[int, Call]]:
    """A dense random note stream, the background every case plays over."""
    calls: list[tuple[int, Call]] = []
    drums = case.instrument == "drums"
    index = 1
    while index < buffers:
        event = NoteEvent(
            offset=rng.randrange(bs),
            pitch=rng.uniform(12, 115),
            velocity=rng.uniform(0.1, 1.0),
            duration=rng.choice([0.02, 0.1, 0.4, 1.5, 5.0]),
            voice=rng.choice(KIT) if drums else "",
        )
        calls.append((index, lambda inst, e=event: inst.play(e)))
        index += rng.randrange(3, 40)
    return calls


def _extreme_notes(case: Case, buffers: int, bs: int) -> list[tuple[int, Call]]:
    """Edge values that are valid: extreme pitch/velocity/duration/offset, crowded buffers."""
    poly = max(INSTRUMENTS[case.instrument].POLYPHONY, len(KIT))
    voices = KIT if case.instrument == "drums" else ("",)
    singles = [
        (0, 0.0, 1.0, 60.0),
        (bs - 1, 127.0, 1.0, 0.001),
        (0, 127.0, 0.0, 1.0),
        (bs - 1, 0.0, 1e-9, 60.0),
        (128, 60.0, 1.0, 0.001),
        (0, 0.0, 1.0, 0.001),
    ]
    calls: list[tuple[int, Call]] = []
    for step, index in enumerate(range(2, buffers, 47)):
        offset, pitch, vel, dur = singles[step % len(singles)]
        voice = voices[step % len(voices)]
        calls.append((index, _play(NoteEvent(offset, pitch, vel, dur, voice))))
        if step % 4 == 0:  # a crowded buffer: three times the polyphony, same and spread offsets
            for n in range(3 * poly):
                event = NoteEvent(
                    (n * 37) % bs,
                    (n * 13) % 128,
                    1.0,
                    60.0 if n % 2 else 0.001,
                    voices[n % len(voices)],
                )
                calls.append((index + 1, _play(event)))
    return calls


def _invalid_notes(case: Case, buffers: int, bs: int) -> tuple[list[tuple[int, Call]], int]:
    """Non-finite fields (must be rejected) and finite nonsense (must be clamped)."""
    bad = [
        NoteEvent(0, NAN, 0.8, 1.0),
        NoteEvent(0, 60, NAN, 1.0),
        NoteEvent(0, 60, 0.8, NAN),
        NoteEvent(0, INF, 0.8, 1.0),
        NoteEvent(0, 60, -INF, 1.0),
        NoteEvent(0, 60, 0.8, INF),
        NoteEvent(NAN, 60, 0.8, 1.0),  # type: ignore[arg-type]
    ]
    odd = [
        NoteEvent(-5, 60, 0.8, 1.0),
        NoteEvent(bs * 10, 60, 0.8, 1.0),
        NoteEvent(3, -1000, 0.8, 1.0),
        NoteEvent(3, 1e9, 0.8, 1.0),
        NoteEvent(3, 60, 5.0, 1.0),
        NoteEvent(3, 60, -1.0, 1.0),
        NoteEvent(3, 60, 0.8, -1.0),
        NoteEvent(3, 60, 0.8, 1e12),
        NoteEvent(3, 60, 0.8, 0.5, "??"),
        NoteEvent(3.7, 60.5, 0.8, 0.5, "kick"),  # type: ignore[arg-type]
    ]
    calls: list[tuple[int, Call]] = []
    rejected = 0
    for step, index in enumerate(range(2, buffers, 11)):
        pool, is_bad = (bad, True) if step % 2 else (odd, False)
        event = pool[(step // 2) % len(pool)]
        calls.append((index, _play(event)))
        rejected += int(is_bad)
    return calls, rejected


def _param_changes(
    case: Case, rng: random.Random, buffers: int, bs: int, sr: int
) -> tuple[list[tuple[int, Call]], int]:
    specs = INSTRUMENTS[case.instrument].PARAMS
    calls: list[tuple[int, Call]] = []
    rejected = 0
    if case.kind == "param":
        spec = specs[case.arg]
        values = _values(spec.min, spec.max, spec.default)
        ramps: list[float | None] = [None, 0.0, 1e-9, 0.5, 100.0, -1.0, NAN]
        every = max(1, buffers // (len(values) + 1))
        for n, value in enumerate(values):
            ramp = ramps[n % len(ramps)]
            calls.append(((n + 1) * every, _set(case.arg, value, ramp)))
            rejected += int(not math.isfinite(value) or (ramp is not None and math.isnan(ramp)))
    else:  # random: a random parameter to a random in-range value twice a second
        step = max(1, round(0.5 * sr / bs))
        for index in range(step, buffers, step):
            name = rng.choice(sorted(specs))
            spec = specs[name]
            calls.append((index, _set(name, rng.uniform(spec.min, spec.max), rng.uniform(0, 2))))
    return calls, rejected


def _suspensions(buffers: int, bs: int, sr: int) -> tuple[list[tuple[int, Call]], int]:
    calls: list[tuple[int, Call]] = []
    period = round(sr / bs)
    for n, index in enumerate(range(period, buffers, period)):
        action = _suspend if n % 2 == 0 else _resume
        calls.append((index, action))
        if n % 3 == 0:  # repeated calls must be harmless
            calls.append((index + 1, action))
    return calls, 0


def _suspend(inst: Instrument) -> None:
    inst.suspend()


def _resume(inst: Instrument) -> None:
    inst.resume()


def plan(case: Case, *, sr: int, bs: int) -> Plan:
    """Expand ``case`` into construction params, calls and the expected ``rejected`` count."""
    rng = random.Random(case.name)
    buffers = math.ceil(case.seconds * sr / bs)
    specs = INSTRUMENTS[case.instrument].PARAMS
    params: dict[str, float] = {}
    calls = _busy_notes(rng, case, buffers, bs)
    rejected = 0
    if case.kind == "static":
        params = {n: (s.min if case.arg == "min" else s.max) for n, s in specs.items()}
    elif case.kind in ("param", "random"):
        extra, rejected = _param_changes(case, rng, buffers, bs, sr)
        calls += extra
    elif case.kind == "notes":
        calls += _extreme_notes(case, buffers, bs)
    elif case.kind == "invalid":
        extra, rejected = _invalid_notes(case, buffers, bs)
        calls += extra
    elif case.kind == "suspend":
        extra, rejected = _suspensions(buffers, bs, sr)
        calls += extra
    return Plan(params, calls, rejected)


def _play(event: NoteEvent) -> Call:
    return lambda inst: inst.play(event)


def _set(name: str, value: float, ramp: float | None) -> Call:
    return lambda inst: inst.set_param(name, value, ramp)
