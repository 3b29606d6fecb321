"""Why the music changed (issue 14, item 7): every scene, key, tempo and stinger change, and each
layer level crossing 6 dB, is told with its cause, and the cause names what really moved.

A real offline render of forest.yaml (pyo and all) follows a scripted session in which one thing
changes at a time, with the conductor's observer collecting its "why" reports; then the feedback
path's rate limit, with a real UDP socket.
"""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path
from typing import Any

import pytest
from pythonosc.osc_message import OscMessage

from engine import defaults, load_score
from engine.conductor.why import Explainer
from engine.live.feedback import Feedback
from engine.render.offline import render
from engine.score.catalog import Catalog
from engine.score.loader import parse_score
from engine.state.timeline import TimedMessage
from tests.playing import FOREST

SR = 48000
#: One change at a time, each long after the last has settled (forest smooths inputs over 1.5 s
#: or less): arousal alone, then the heart alone, then a scene, an event and a tempo override.
SCRIPT = [
    TimedMessage(0.0, "/state/mood", (0.6, -0.7)),
    TimedMessage(12.0, "/state/mood", (0.6, 0.9)),
    TimedMessage(32.0, "/scene", ("grove",)),
    TimedMessage(36.0, "/event", ("discovery", 0.8)),
    TimedMessage(42.0, "/tempo", (70,)),
    TimedMessage(48.0, "/key", ("A", "dorian")),
    # the heart as a strap sends it, once a second (a silent one falls back: the watchdog)
    *(TimedMessage(float(t), "/state/heartrate", (64 if t < 24 else 130,)) for t in range(56)),
]
SECONDS = 56.0

Reason = tuple[float, str, str, str]  # (seconds, kind, subject, cause)


@pytest.fixture(scope="module")
def told(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Reason], Path]:
    reasons: list[Reason] = []

    def observe(sample: int, kind: str, detail: dict[str, Any]) -> None:
        if kind == "why":
            reasons.append((sample / SR, detail["kind"], detail["subject"], detail["cause"]))

    out = tmp_path_factory.mktemp("why") / "told.wav"
    render(load_score(FOREST), out, SECONDS, timeline=SCRIPT, observer=observe)
    return reasons, out


def between(reasons: list[Reason], kind: str, start: float, end: float) -> list[Reason]:
    return [r for r in reasons if r[1] == kind and start <= r[0] < end]


def test_arousal_alone_is_named_for_the_tempo_and_the_levels_it_moved(told) -> None:
    reasons, _ = told
    tempo = between(reasons, "tempo", 12.0, 24.0)
    assert tempo, reasons
    assert all(r[3].startswith("tempo.bpm <- arousal ") for r in tempo), tempo
    # the pad's gain falls 9 dB from arousal 0 to 1 (and 3.7 dB more as the heart races): it
    # crosses 6 dB below where it entered once both moved, and both are named, arousal first
    levels = between(reasons, "level", 12.0, 32.0)
    assert [r[2].split()[0] for r in levels] == ["pad"], reasons
    assert levels[0][2].startswith("pad -6"), levels
    assert levels[0][3].startswith("layers.pad.gain <- arousal 0.00->0.9"), levels
    assert "-0.69->0.89" in tempo[0][3], "the cause starts where the input stood when last told"


def test_the_heart_alone_is_named_for_the_tempo(told) -> None:
    reasons, _ = told
    tempo = between(reasons, "tempo", 24.0, 32.0)
    assert tempo, reasons
    assert tempo[0][3].startswith("tempo.bpm <- heartrate 64."), tempo
    assert all(r[3].startswith("tempo.bpm <- heartrate ") for r in tempo), tempo


def test_commands_are_named_as_sent(told) -> None:
    reasons, _ = told
    scene = between(reasons, "scene", 32.0, SECONDS)
    assert [(r[2], r[3]) for r in scene] == [("grove", "/scene grove")]
    stinger = between(reasons, "stinger", 36.0, SECONDS)
    assert [(r[2], r[3]) for r in stinger] == [("discovery", "/event discovery 0.80")]
    tempo = between(reasons, "tempo", 42.0, SECONDS)
    assert tempo and all(r[3] == "/tempo 70" for r in tempo), tempo
    key = between(reasons, "key", 48.0, SECONDS)
    assert [(r[2], r[3]) for r in key] == [("A dorian", "/key A dorian")], reasons


def test_nothing_that_did_not_move_is_named(told) -> None:
    reasons, _ = told
    causes = " ".join(r[3] for r in reasons)
    assert "movement" not in causes  # never sent
    assert not between(reasons, "scene", 0.0, 32.0), "no scene change before /scene"
    assert not between(reasons, "stinger", 0.0, 36.0)
    # each tempo reason is a step of at least WHY_TEMPO_STEP from the one before it
    steps = [r[2] for r in reasons if r[1] == "tempo"]
    for subject in steps:
        before, after = (float(x) for x in subject.removesuffix(" bpm").split("->"))
        assert abs(after - before) >= defaults.WHY_TEMPO_STEP - 1.0  # printed rounded


def test_telling_why_does_not_change_the_sound(told, tmp_path: Path) -> None:
    _, heard = told
    plain = tmp_path / "plain.wav"
    render(load_score(FOREST), plain, SECONDS, timeline=SCRIPT)
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (heard, plain)]
    assert digest[0] == digest[1]


def test_a_rule_names_the_term_that_moved_the_value_most() -> None:
    score = parse_score(
        """
inputs:
  a: {range: [0, 1]}
  b: {range: [0, 100]}
tempo:
  bpm: [80, {input: a, curve: [[0, 0], [1, 40]]}, {input: b, curve: [[0, 0], [100, 10]]}]
  range: [40, 200]
layers:
  x: {instrument: keys}
scenes:
  s: {layers: [x]}
""",
        Catalog({"keys": {}}),
        "<test>",
    )
    mapping = score.tempo.bpm
    explainer = Explainer()
    explainer.remember("tempo", {"a": 0.0, "b": 0.0})
    # b moved further as a share of its range, but its term moved the tempo 2 bpm, under a
    # quarter of the 12 that a's moved it
    cause = explainer.rule("tempo", "tempo.bpm", mapping, {"a": 0.3, "b": 20.0})
    assert cause == "tempo.bpm <- a 0.00->0.30"
    assert explainer.rule("tempo", "tempo.bpm", mapping, {"a": 0.3, "b": 20.0}) == "tempo.bpm"
    both = explainer.rule("tempo", "tempo.bpm", mapping, {"a": 0.4, "b": 0.0})
    assert both == "tempo.bpm <- a 0.30->0.40, b 20.00->0.00"  # 4 bpm, then 2: both named


def test_why_is_rate_limited_on_the_engine_s_time_and_the_excess_is_counted() -> None:
    game = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    game.bind(("127.0.0.1", 0))
    game.settimeout(0.5)
    try:
        feedback = Feedback(sr=SR, buffersize=256)
        feedback.subscribe(("127.0.0.1", game.getsockname()[1]), permanent=True)
        for i in range(40):  # a burst at one instant, then one a second for 10 s
            feedback.observe(100, "why", {"kind": "level", "subject": f"x{i}", "cause": "c"})
        for s in range(1, 11):
            feedback.observe(s * SR, "why", {"kind": "tempo", "subject": f"t{s}", "cause": "c"})
        feedback.release(11 * SR)
        got = []
        while True:
            try:
                got.append(OscMessage(game.recv(65536)))
            except TimeoutError:
                break
        whys = [m for m in got if m.address == "/engine/why"]
        assert len(whys) == defaults.WHY_BURST + 10  # the burst, then every later one
        assert feedback.why_dropped == 40 - defaults.WHY_BURST
        assert [reason for _, reason in feedback.whys][-1] == "tempo t10: c"
        assert len(feedback.whys) == defaults.WHY_KEEP
        feedback.close()
    finally:
        game.close()
