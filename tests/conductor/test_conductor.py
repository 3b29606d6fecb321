"""The conductor's decisions, recorded without audio: timing, tempo, scenes, stingers, seeds."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

import pytest

from engine import defaults
from engine.events import NoteEvent, StemEvent
from engine.score.catalog import Catalog, ParamRange
from engine.score.loader import parse_score
from engine.score.model import Score
from tests.conductor.stage import Stage

CATALOG = Catalog(
    {
        "keys": {"cutoff": ParamRange(100, 8000, 2000)},
        "drums": {},
        "bell": {},
    }
)

SCORE = """
seed: 3
tempo:
  bpm: [60, {input: heartrate, curve: [[60, 0], [120, 60]]}]
  range: [50, 160]
  glide: 0.05
key: {root: A, mode: minor}
layers:
  keys:
    instrument: keys
    generator: {type: arpeggio, rate: 2}
    cutoff: {input: arousal, curve: [[-1, 500], [1, 5000]]}
    gain: {input: arousal, curve: [[-1, -20], [1, -6]]}
  beat:
    instrument: drums
    generator: {type: drums}
scenes:
  calm: {layers: [keys]}
  busy: {layers: [keys, beat]}
transitions:
  - {to: busy, quantize: bar, fade: 1}
  - {to: calm, quantize: beat, fade: 0.5}
stingers:
  ping: {instrument: bell, notes: [[0, 1, 1], [1, 5, 2]], quantize: beat, duck: {db: -9}}
mutation: {every: 2, probability: 1}
"""


@dataclass
class Recorder:
    buffersize: int
    start: int = 0
    notes: list[tuple[int, str, float, float, str]] = field(default_factory=list)
    calls: list[tuple] = field(default_factory=list)

    def note(self, channel: str, event: NoteEvent) -> None:
        assert 0 <= event.offset < self.buffersize
        assert event.duration > 0 and 0 <= event.velocity <= 1
        self.notes.append(
            (self.start + event.offset, channel, event.pitch, event.duration, event.voice)
        )

    def expect(self, channel: str, count: int) -> None:
        self.calls.append(("expect", self.start, channel, count))

    def stem(self, channel: str, event: StemEvent) -> None:
        assert 0 <= event.offset < self.buffersize
        self.calls.append(("stem", self.start + event.offset, channel, event))

    def set_param(self, channel: str, name: str, value: float) -> None:
        self.calls.append(("param", channel, name, value))

    def set_mix(self, channel: str, gain_db: float, pan: float, reverb: float) -> None:
        self.calls.append(("mix", channel, gain_db))

    def fade(self, channel: str, level: float, seconds: float) -> None:
        self.calls.append(("fade", channel, level, seconds))

    def duck(self, channel: str, db: float, seconds: float) -> None:
        self.calls.append(("duck", channel, db, self.start))

    def suspend(self, channel: str) -> None:
        self.calls.append(("suspend", channel, self.start))

    def resume(self, channel: str) -> None:
        self.calls.append(("resume", channel, self.start))

    def set_dynamics(self, db: float) -> None:
        self.calls.append(("dynamics", db))


def score() -> Score:
    return parse_score(SCORE, CATALOG, file="test.yaml")


def run(seconds: float, *, buffersize: int = 256, seed: int = 3, messages=(), sr: int = 48000):
    """Run the conductor alone; ``messages`` are (time, address, args)."""
    recorder = Recorder(buffersize)
    log: list[tuple[int, str, dict]] = []
    stage = Stage(
        score(),
        CATALOG,
        recorder,
        sr=sr,
        buffersize=buffersize,
        seed=seed,
        observer=lambda s, k, d: log.append((s, k, d)),
    )
    pending = sorted(messages, key=lambda m: m[0])
    for start in range(0, int(seconds * sr), buffersize):
        recorder.start = start
        while pending and round(pending[0][0] * sr) < start + buffersize:
            _, address, args = pending.pop(0)
            stage.handle(address, args, start)
        stage.step(start, buffersize)
    return recorder, log, stage.conductor


def test_notes_are_deterministic_per_seed() -> None:
    a, _, _ = run(20)
    b, _, _ = run(20)
    c, _, _ = run(20, seed=4)
    assert a.notes and a.notes == b.notes
    assert a.notes != c.notes


def test_each_buffers_notes_are_announced_one_buffer_ahead() -> None:
    """The performer hears, one buffer ahead, how many notes each layer starts (it wakes voices
    then): every buffer's notes, counted per channel, were announced by the buffer before."""
    bs = 256
    recorder, _, _ = run(20, buffersize=bs)
    played: Counter[tuple[int, str]] = Counter()
    for sample, channel, *_ in recorder.notes:
        played[(sample // bs * bs, channel)] += 1
    announced = {
        (start + bs, channel): count
        for kind, start, channel, count in (c for c in recorder.calls if c[0] == "expect")
    }
    assert played and announced == dict(played)


def test_note_times_do_not_depend_on_buffer_size() -> None:
    small, _, _ = run(12, buffersize=64)
    large, _, _ = run(12, buffersize=512)
    assert small.notes == large.notes


def test_beats_follow_tempo_and_heart_rate_leads_it_at_bar_lines() -> None:
    _, log, _conductor = run(
        40,  # a strap sends once a second (a silent one would fall back: the watchdog)
        messages=[(float(t), "/state/heartrate", [60 if t < 10 else 120]) for t in range(40)],
    )
    beats = [(s, d) for s, k, d in log if k == "beat"]
    first = [d["bpm"] for s, d in beats if s < 10 * 48000]
    assert first[0] == pytest.approx(70.0, abs=0.1)  # the default heart rate, 70, maps to 70 BPM
    assert min(first) >= 60.0 and first[-1] < 66.0  # eases toward 60, 5 % a bar at most
    bpms = [d["bpm"] for _, d in beats]
    for a, b in itertools.pairwise(bpms):
        assert b <= a * 1.05 + 1e-9  # glides, no lurch
    assert bpms[-1] > 90
    # beats are evenly spaced inside a bar, at the bar's tempo
    (s0, d0), (s1, _) = beats[0], beats[1]
    assert s1 - s0 == round(48000 * 60 / d0["bpm"])


def test_scene_change_lands_on_the_next_bar_line() -> None:
    _, log, _ = run(12, messages=[(2.3, "/scene", ["busy"])])
    scenes = [s for s, k, _ in log if k == "scene"]
    bar_starts = [s for s, k, d in log if k == "beat" and d["beat"] == 0]
    assert len(scenes) == 1 and scenes[0] in bar_starts and scenes[0] > 2.3 * 48000


def test_a_bar_is_decided_its_lead_before_the_line_and_later_requests_land_a_bar_later() -> None:
    _, quiet, _ = run(12)
    lines = [s for s, k, d in quiet if k == "beat" and d["beat"] == 0]
    line = lines[2]
    lead = round(defaults.BAR_LEAD * 48000)
    before = (line - lead - 256) / 48000  # applied in the buffer before the window opens
    inside = (line - lead + 256) / 48000  # applied after the bar was decided
    _, early, _ = run(12, messages=[(before, "/scene", ["busy"])])
    _, late, _ = run(12, messages=[(inside, "/scene", ["busy"])])
    assert [s for s, k, _ in early if k == "scene"] == [line]
    assert [s for s, k, _ in late if k == "scene"] == [lines[3]]
    # tempo: a heart rate arriving inside the window moves the bar after, not this one
    _, moved, _ = run(12, messages=[(inside, "/state/heartrate", [120])])
    bpm = {d["bar"]: d["bpm"] for s, k, d in moved if k == "beat"}
    still = {d["bar"]: d["bpm"] for s, k, d in quiet if k == "beat"}
    assert bpm[2] == still[2] and bpm[3] > still[3]


def test_entering_layers_wake_before_their_bar_line_not_in_it() -> None:
    recorder, log, _ = run(12, messages=[(2.3, "/scene", ["busy"])])
    (landing,) = [s for s, k, _ in log if k == "scene"]
    (resume,) = [c[2] for c in recorder.calls if c[:2] == ("resume", "beat")]
    assert landing - round(defaults.BAR_LEAD * 48000) - 256 <= resume < landing - 256
    assert min(n[0] for n in recorder.notes if n[1] == "beat") >= landing


def test_entering_and_leaving_layers_fade_and_suspend() -> None:
    recorder, log, _ = run(16, messages=[(1.0, "/scene", ["busy"]), (8.2, "/scene", ["calm"])])
    calls = recorder.calls
    assert ("resume", "beat") in [c[:2] for c in calls]
    assert ("fade", "beat", 1.0, 1.0) in calls
    assert ("fade", "beat", 0.0, 0.5) in calls
    leave = next(s for s, k, d in log if k == "scene" and d["scene"] == "calm")
    suspend = [c[2] for c in calls if c[:2] == ("suspend", "beat")]
    assert suspend and 0 <= suspend[0] - leave <= 0.5 * 48000 + 256
    drums = [n for n in recorder.notes if n[1] == "beat"]
    assert drums and all(n[0] < leave + 0.5 * 48000 + 256 for n in drums)


def test_stinger_lands_on_a_beat_and_ducks_the_others() -> None:
    recorder, log, _ = run(8, messages=[(3.1, "/event", ["ping"])])
    stings = [s for s, k, _ in log if k == "stinger"]
    beats = [s for s, k, _ in log if k == "beat"]
    assert len(stings) == 1 and stings[0] in beats
    pings = [n for n in recorder.notes if n[1] == "stinger:ping"]
    assert pings[0][0] == stings[0] and len(pings) == 2
    ducks = [c for c in recorder.calls if c[0] == "duck"]
    assert ducks[0][2] == -9 and ducks[-1][2] == 0


def test_continuous_parameters_follow_state_only_when_it_moves() -> None:
    recorder, _, _ = run(14, messages=[(1.0, "/state/arousal", [1.0])])
    cutoffs = [c[3] for c in recorder.calls if c[:3] == ("param", "keys", "cutoff")]
    assert cutoffs[0] == pytest.approx(2750) and cutoffs[-1] == pytest.approx(5000, rel=0.01)
    assert len(cutoffs) < 14 * 48000 / 256 / 2  # change-driven, not every buffer


def test_mutation_happens_and_is_logged() -> None:
    _, log, _ = run(30)
    assert any(k == "mutation" for _, k, _ in log)


def test_pitches_are_in_the_scale() -> None:
    recorder, _, _conductor = run(20)
    a_minor = {9, 11, 0, 2, 4, 5, 7}
    melodic = [n for n in recorder.notes if n[1] != "beat"]
    assert melodic and all(int(n[2]) % 12 in a_minor for n in melodic)
