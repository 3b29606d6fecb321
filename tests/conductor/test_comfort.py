"""The comfort budget holds on a real render driven by a 5 Hz square wave on arousal: each
layer's gain (the trace), a parameter (the actions sent), the tempo at each bar line (the
trace) and the short-term loudness of the rendered audio move no faster, and in no larger step,
than the budget allows; the same drive without the budget breaks every one of them."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import pytest

from engine.catalog import default_catalog
from engine.commands import ChangeScene, FireEvent
from engine.conductor.comfort import Limiter, budget
from engine.conductor.conductor import Conductor
from engine.events import Action, Duck, Fade
from engine.score.loader import parse_score
from engine.score.model import ComfortSpec
from tests.conductor import comfortdrive as cd

VR = ComfortSpec.preset("vr")
LIMITS = budget(VR)
BUFFER = 256 / 48000  # the limiter's slack: one buffer


@pytest.fixture(scope="module")
def driven(tmp_path_factory: pytest.TempPathFactory) -> dict[str, cd.Driven]:
    folder = tmp_path_factory.mktemp("comfort")
    return {"vr": cd.run(VR, folder, "vr"), "none": cd.run(None, folder, "none")}


def measures(d: cd.Driven) -> dict[str, float]:
    return cd.report(d)


def test_the_budget_holds_on_the_rendered_audio_and_the_trace(
    driven: dict[str, cd.Driven],
) -> None:
    m = measures(driven["vr"])
    gain_rate, gain_step = LIMITS.gain
    for layer in ("pad", "beat"):
        assert m[f"{layer} gain dB/s"] <= gain_rate * (1 + BUFFER) + 1e-6
        assert m[f"{layer} gain step"] <= gain_step + 1e-9
        assert m[f"{layer} gain dB/s"] > 0.5  # it did move: the drive reached it
    assert m["cutoff range/s"] <= VR.param_rate * (1 + BUFFER) + 1e-6
    assert m["cutoff step"] <= VR.param_step + 1e-9
    assert m["tempo step"] <= VR.tempo_step + 1e-9
    assert m["tempo BPM/s"] <= VR.tempo_rate + 1e-9
    assert m["loudness dB/s"] <= VR.loudness_rate
    tempo = [bpm for _, bpm in driven["vr"].trace.tempo]
    assert sum(b != a for a, b in itertools.pairwise(tempo)) >= 3  # it did move
    assert len(driven["vr"].params) > 10


def test_without_the_budget_the_same_drive_breaks_it(driven: dict[str, cd.Driven]) -> None:
    m = measures(driven["none"])
    for layer in ("pad", "beat"):
        assert m[f"{layer} gain dB/s"] > 5 * LIMITS.gain[0]
        assert m[f"{layer} gain step"] > 5 * LIMITS.gain[1]
    assert m["cutoff range/s"] > VR.param_rate and m["cutoff step"] > VR.param_step
    assert m["tempo step"] > VR.tempo_step and m["tempo BPM/s"] > VR.tempo_rate
    assert m["loudness dB/s"] > 2 * VR.loudness_rate


def test_the_limiter_moves_no_faster_than_its_rate_and_never_saves_up_rest() -> None:
    limiter = Limiter(48000, 256)
    key = ("x", "gain")
    assert limiter.limit(key, 0.0, 0, 10.0, 1.0) == 0.0
    # at rest for ten seconds, then a jump: it starts from now, one buffer's worth
    first = limiter.limit(key, 30.0, 480000, 10.0, 1.0)
    assert math.isclose(first, 10.0 * 256 / 48000)
    values, sample = [first], 480000
    while values[-1] < 30.0:
        sample += 256
        values.append(limiter.limit(key, 30.0, sample, 10.0, 1.0))
    seconds = (sample - 480000 + 256) / 48000
    assert math.isclose(seconds, 3.0, abs_tol=256 / 48000)  # 30 dB at 10 dB/s
    assert not limiter.moving
    # a step cap below the rate's buffer share: every result at most `step` from the last
    slow = Limiter(48000, 4800)
    slow.limit(key, 0.0, 0, 100.0, 0.5)
    assert slow.limit(key, 10.0, 4800, 100.0, 0.5) == 0.5


def test_unused_the_budget_leaves_values_alone() -> None:
    limiter = Limiter(48000, 256)
    limiter.limit(("x", "g"), 0.0, 0, math.inf, math.inf)
    assert limiter.limit(("x", "g"), -80.0, 256, math.inf, math.inf) == -80.0


SCENES = """
layers:
  pad: {instrument: pad, generator: chords}
  bells: {instrument: bell, generator: sparkle}
scenes:
  calm: {layers: [pad]}
  open: {layers: [pad, bells]}
transitions:
  - {to: open, quantize: now, fade: 0.5}
stingers:
  hit: {instrument: bell, notes: [[0, 1, 1]], quantize: now, duck: {db: -12, release: 0.5}}
"""


@pytest.mark.parametrize("comfort", [None, VR])
def test_scene_fades_and_stinger_ducks_obey_the_loudness_budget(
    comfort: ComfortSpec | None,
) -> None:
    score = replace(parse_score(SCENES, default_catalog()), comfort=comfort)
    conductor = Conductor(score, default_catalog(), sr=48000, buffersize=256, seed=1)
    actions: list[Action] = []
    for i in range(400):
        if i == 100:
            conductor.apply(ChangeScene("open"), i * 256)
        if i == 200:
            conductor.apply(FireEvent("hit", 1.0), i * 256)
        conductor.step(i * 256, 256)
        actions += conductor.drain()
    fades = [a for a in actions if isinstance(a, Fade) and a.channel == "bells" and a.level > 0]
    ducks = [a for a in actions if isinstance(a, Duck)]
    assert fades and ducks
    if comfort is None:
        assert fades[0].seconds == 0.5 and ducks[0].seconds < 0.1
    else:
        assert fades[0].seconds == VR.fade
        assert all(d.seconds >= abs(-12) / LIMITS.gain[0] - 1e-9 for d in ducks)
