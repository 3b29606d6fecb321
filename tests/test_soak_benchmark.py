"""The soak's own parts, without audio: its game session and its output check.

The soak (benchmarks/soak.py) trusts two things it builds itself: that the session says what a
real router must refuse, and that its output check finds every bad sample. Both are checked here
against the real parts (the score loader, the router), so a soak that passes means something.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from benchmarks.soak import OutputCheck
from benchmarks.soak_session import ACCEPTED, GameSession, SessionMessage
from engine import load_score
from engine.state.router import Router

SCORES = Path(__file__).resolve().parent.parent / "scores"


def _minutes(session: GameSession, minutes: float) -> list[SessionMessage]:
    return list(itertools.takewhile(lambda m: m.time < minutes * 60, session))


@pytest.mark.parametrize("name", ["forest", "combat", "meditation"])
def test_the_session_says_exactly_what_the_router_refuses(name: str) -> None:
    score = load_score(SCORES / f"{name}.yaml")
    router = Router(score)
    messages = _minutes(GameSession(score, seed=3), 20)
    for message in messages:
        router.route(message.address, message.args, at=message.time)
    expected = Counter(m.expected for m in messages)
    accepted = expected.pop(ACCEPTED)
    assert router.dropped == expected
    assert router.accepted == accepted
    assert {"non_finite", "bad_type", "bad_args", "unknown_address"} <= expected.keys()


@pytest.mark.parametrize("name", ["forest", "combat", "meditation"])
def test_the_session_reaches_every_input_scene_event_and_control(name: str) -> None:
    score = load_score(SCORES / f"{name}.yaml")
    messages = _minutes(GameSession(score, seed=3), 20)
    assert [m.time for m in messages] == sorted(m.time for m in messages)
    addresses = {m.address for m in messages}
    bound = {b.address for spec in score.inputs.values() for b in spec.bindings}
    assert bound | {"/state/mood", "/scene", "/event", "/tempo", "/seed"} <= addresses
    assert {m.args[0] for m in messages if m.address == "/scene"} >= set(score.scenes)
    events = {s.event for s in score.stingers.values()}
    assert {m.args[0] for m in messages if m.address == "/event"} >= events
    tempos = [m.args[0] for m in messages if m.address == "/tempo"]
    assert 0 in tempos and any(isinstance(t, float) and t > 0 for t in tempos)
    for spec in score.inputs.values():  # edges and beyond, for every input
        values = [
            m.args[0]
            for m in messages
            if m.address == f"/state/{spec.name}" and m.args and isinstance(m.args[0], float)
        ]
        assert spec.min in values and spec.max in values
        assert any(v < spec.min for v in values) or any(v > spec.max for v in values)


def test_the_session_is_seeded() -> None:
    score = load_score(SCORES / "combat.yaml")

    def first(seed: int) -> list[str]:
        return [repr(m) for m in itertools.islice(GameSession(score, seed), 2000)]

    assert first(5) == first(5)
    assert first(5) != first(6)


def test_the_output_check_counts_every_bad_sample() -> None:
    check = OutputCheck(ceiling=0.5)
    check.add(np.array([0.1, math.nan, math.inf, -0.6, 0.5, 0.5001], dtype=np.float32))
    check.add(np.array([-math.inf, 0.2], dtype=np.float32))
    assert (check.samples, check.non_finite, check.over_ceiling) == (8, 3, 2)
    assert check.peak == pytest.approx(0.6)
