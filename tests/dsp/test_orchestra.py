"""The orchestra on a real pyo server: idle voices sleep, and the NaN watchdog recovers."""

from __future__ import annotations

import math

from engine.dsp.orchestra import Orchestra
from engine.dsp.pyolib import pyo
from engine.events import NoteEvent
from engine.score.catalog import Catalog, ParamRange
from engine.score.loader import parse_score

from .render_helper import LOOP_PLAYERS

SCORE = """
layers:
  keys: {instrument: keys, decay: 0.5, release: 0.1}
  pad: {instrument: pad}
scenes: {main: {layers: [keys, pad]}}
"""


def orchestra() -> Orchestra:
    catalog = Catalog(
        {"keys": {"decay": ParamRange(0.3, 10, 4), "release": ParamRange(0.05, 3, 1)}, "pad": {}}
    )
    return Orchestra(parse_score(SCORE, catalog), sr=48000, buffersize=256)


def output_is_finite(orch: Orchestra) -> bool:
    return all(math.isfinite(x) for x in orch.master.output.get(all=True))


def test_nan_on_the_bus_is_recovered(server: pyo.Server) -> None:
    orch = orchestra()
    for name in ("keys", "pad"):
        orch.resume(name)
        orch.fade(name, 1.0, 0.0)
    orch.note("keys", NoteEvent(0, 60, 0.8, 0.3))
    for _ in range(20):
        orch.tick()
        server.process()
    assert output_is_finite(orch) and orch.recoveries == 0
    # poison one channel past every clamp, as a pyo bug would
    orch.channels["keys"].left.value = float("nan")
    for _ in range(2 * orch.master.period_buffers + 2):
        orch.tick()
        server.process()
    assert orch.recoveries == 1
    for _ in range(40):
        orch.tick()
        server.process()
    assert output_is_finite(orch)
    assert orch.channels["keys"].is_finite()
    orch.note("keys", NoteEvent(0, 64, 0.8, 0.3))  # the rebuilt channel still plays
    peak = 0.0
    for _ in range(40):
        orch.tick()
        server.process()
        peak = max(peak, *(abs(x) for x in orch.channels["keys"].signal.get(all=True)))
    assert peak > 0.01 and orch.recoveries == 1


def test_idle_voices_sleep_and_wake_for_the_next_note(server: pyo.Server) -> None:
    orch = orchestra()
    orch.resume("keys")
    keys = orch.channels["keys"].instrument
    orch.note("keys", NoteEvent(0, 60, 0.8, 0.2))
    orch.tick()
    server.process()
    assert sum(keys._sleep.awake) == 1  # idle voices sleep at once; the playing one runs
    for _ in range(int(3 * 48000 / 256)):
        orch.tick()
        server.process()
    assert sum(keys._sleep.awake) == 0  # the note died away; every voice sleeps
    orch.note("keys", NoteEvent(10, 67, 0.8, 0.2))
    peak = 0.0
    for _ in range(10):
        server.process()
        peak = max(peak, *(abs(x) for x in keys.output.get(all=True)))
    assert sum(keys._sleep.awake) == 1 and peak > 0.01


def test_voice_clock_survives_suspend_and_resume(server: pyo.Server) -> None:
    orch = orchestra()
    keys = orch.channels["keys"].instrument
    orch.resume("keys")
    for _ in range(10):
        server.process()
    before = keys.voices.next_buffer_start()
    orch.suspend("keys")
    for _ in range(10):
        server.process()
    orch.resume("keys")
    assert keys.voices.next_buffer_start() == before + 10 * 256


def test_a_layer_suspended_from_the_start_keeps_time(server: pyo.Server) -> None:
    """Every layer is built suspended; one that enters later still knows the time (its clock
    ran all along), so its voices come free after their notes and fall asleep."""
    orch = orchestra()
    keys = orch.channels["keys"].instrument
    for _ in range(10):
        server.process()
    orch.resume("keys")
    assert keys.voices.next_buffer_start() >= 10 * 256  # a stopped clock stays at one buffer
    orch.note("keys", NoteEvent(0, 60, 0.8, 0.2))
    for _ in range(int(3 * 48000 / 256)):
        orch.tick()
        server.process()
    assert sum(keys._sleep.awake) == 0
    free = keys.voices.free_by(keys.voices.next_buffer_start())
    assert sorted(free) == list(range(keys.voices.count))


def test_expected_notes_find_their_voices_awake(server: pyo.Server) -> None:
    """Told a buffer ahead that three notes come, an instrument wakes three voices then, and
    the notes take those: their own buffer starts no stream."""
    orch = orchestra()
    orch.resume("keys")
    keys = orch.channels["keys"].instrument
    assert keys._sleep is not None and sum(keys._sleep.awake) == 0
    orch.expect("keys", 3)
    woken = [i for i, awake in enumerate(keys._sleep.awake) if awake]
    assert len(woken) == 3
    server.process()
    for pitch in (60, 64, 67):
        orch.note("keys", NoteEvent(5, pitch, 0.8, 0.2))
    assert [i for i, awake in enumerate(keys._sleep.awake) if awake] == woken
    assert all(keys.voices._start[i] == keys.voices.next_buffer_start() + 5 for i in woken)


def test_housekeeping_is_spread_over_the_period(server: pyo.Server) -> None:
    """Each instrument tidies up (idle voices to sleep) once per leveler period, not all in one
    buffer; and each tidy puts at most SLEEP_BUDGET voices to sleep."""
    orch = orchestra()
    ticks: list[tuple[int, str]] = []
    now = [0]
    for name, channel in orch.channels.items():
        orch.resume(name)
        instrument = channel.instrument
        original = instrument.tick

        def counted(name: str = name, original=original) -> None:
            ticks.append((now[0], name))
            original()

        instrument.tick = counted  # type: ignore[method-assign]
    period = orch.master.period_buffers
    for buffer in range(2 * period):
        now[0] = buffer
        orch.tick()
        server.process()
    assert sorted(name for _, name in ticks) == ["keys", "keys", "pad", "pad"]
    assert len({b for b, _ in ticks}) == 4  # never two in one buffer

    keys = orch.channels["keys"].instrument
    assert keys._sleep is not None
    for pitch in range(60, 68):
        keys.play(NoteEvent(0, pitch, 0.8, 0.05))
    for _ in range(int(1.5 * 48000 / 256)):
        server.process()
    asleep = [sum(keys._sleep.awake)]
    while asleep[-1]:
        keys._sleep.sleep_due(keys.voices.next_buffer_start())
        asleep.append(sum(keys._sleep.awake))
    assert asleep == [8, 4, 0]


DROP_ALL = """
from engine.dsp.server import manual_server
from engine.dsp.instruments import INSTRUMENTS
from engine.events import NoteEvent
s = manual_server(sr=48000, buffersize=256, seed=1)
SYNTHS = sorted(n for n in INSTRUMENTS if n not in LOOP_PLAYERS)
for name in [*SYNTHS, "keys", "bell", "drone", "drums"]:
    inst = INSTRUMENTS[name](sr=48000, buffersize=256, params={})
    inst.play(NoteEvent(0, 60, 0.8, 0.05, "kick"))
    for _ in range(2000):
        s.process()
    inst.tick()
    for _ in range(2000):
        s.process()
    inst.suspend()
    inst.resume()
    inst.suspend()
    del inst
for _ in range(1000):
    s.process()
print("survived")
""".replace("LOOP_PLAYERS", repr(sorted(LOOP_PLAYERS)))


def test_building_sleeping_and_dropping_every_instrument_does_not_crash() -> None:
    """Build, sleep, suspend and drop instruments in turn, in a process of its own.

    A version that held pyo's C streams segfaulted on this sequence by hand (pyo's Dummy.__del__
    decrefs its streams when others hold them); streams are now only named, never held.
    """
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", DROP_ALL], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0 and "survived" in result.stdout, result.stderr[-2000:]
