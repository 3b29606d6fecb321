"""The address map: every message becomes commands or a counted drop, never an exception."""

from __future__ import annotations

import pytest

from engine.commands import ChangeScene, FireEvent, OverrideTempo, Reseed, SetInput
from engine.score.catalog import Catalog, ParamRange
from engine.score.loader import parse_score
from engine.state.router import Router

SCORE = """
inputs:
  heartrate:
    bind:
      - /state/heartrate
      - {address: /avatar/parameters/HeartRateFloat01, map: [[0, 40], [1, 200]]}
  danger: {}
layers: {pad: {instrument: pad}}
scenes: {calm: {layers: [pad]}, storm: {layers: [pad]}}
stingers: {found: {instrument: pad, notes: [[0, 1, 1]], event: pickup}}
"""


@pytest.fixture
def router() -> Router:
    catalog = Catalog({"pad": {"cutoff": ParamRange(100, 1000, 500)}})
    return Router(parse_score(SCORE, catalog))


def test_state_addresses(router: Router) -> None:
    assert router.route("/state/arousal", [0.5]) == [SetInput("arousal", 0.5)]
    assert router.route("/state/danger", [1]) == [SetInput("danger", 1.0)]
    assert router.route("/state/mood", [0.2, -0.4]) == [
        SetInput("valence", 0.2),
        SetInput("arousal", -0.4),
    ]
    assert router.route("/state/heartrate", [72]) == [SetInput("heartrate", 72.0)]
    assert router.route("/avatar/parameters/HeartRateFloat01", [0.5]) == [
        SetInput("heartrate", 120.0)
    ]
    assert router.route("/state/movement", [True]) == [SetInput("movement", 1.0)]


def test_control_addresses(router: Router) -> None:
    assert router.route("/scene", ["storm"]) == [ChangeScene("storm")]
    assert router.route("/event", ["pickup"]) == [FireEvent("pickup", 1.0)]
    assert router.route("/event", ["pickup", 0.25]) == [FireEvent("pickup", 0.25)]
    assert router.route("/tempo", [100]) == [OverrideTempo(100.0)]
    assert router.route("/tempo", [0]) == [OverrideTempo(None)]
    assert router.route("/seed", [7]) == [Reseed(7)]
    assert router.accepted == 6


def test_every_osc_number_type_is_coerced(router: Router) -> None:
    # i and h arrive as int, f and d as float, T/F as bool, and some tools send numbers as text
    # (the state bus clamps values to the input's range later)
    for value, expected in (
        (1, 1.0),
        (2**40, 2.0**40),
        (0.25, 0.25),
        (True, 1.0),
        (False, 0.0),
        (" -0.5 ", -0.5),
        ("1e-1", 0.1),
    ):
        assert router.route("/state/arousal", [value]) == [SetInput("arousal", expected)]


@pytest.mark.parametrize(
    ("address", "args", "reason"),
    [
        ("/state/arousal", [float("nan")], "non_finite"),
        ("/state/arousal", [float("inf")], "non_finite"),
        ("/state/arousal", ["high"], "bad_type"),
        ("/state/arousal", ["nan"], "bad_type"),
        ("/state/arousal", ["1e999"], "non_finite"),
        ("/state/arousal", [b"\x00\x01"], "bad_type"),
        ("/state/arousal", [None], "bad_type"),
        ("/state/arousal", [], "bad_args"),
        ("/state/mood", [0.1], "bad_args"),
        ("/scene", ["nowhere"], "unknown_scene"),
        ("/scene", [3], "bad_args"),
        ("/event", ["found"], "unknown_event"),
        ("/nothing/here", [1], "unknown_address"),
    ],
)
def test_bad_messages_are_counted_by_reason(
    router: Router, address: str, args: list, reason: str
) -> None:
    assert router.route(address, args) == []
    assert router.dropped[reason] == 1
    assert router.accepted == 0


def test_key_and_mode_on_demand(router: Router) -> None:
    from engine.commands import SetKey, SetMode

    assert router.route("/key", ["F#"]) == [SetKey(6)]
    assert router.route("/key", ["Bb", "dorian"]) == [SetKey(10, "dorian")]
    assert router.route("/key", [15]) == [SetKey(3)]  # a pitch class in any octave
    assert router.route("/key", ["2"]) == [SetKey(2)]
    assert router.route("/key", ["score"]) == [SetKey(None)]
    assert router.route("/mode", ["lydian"]) == [SetMode("lydian")]
    assert router.route("/mode", ["score"]) == [SetMode(None)]
    accepted = router.accepted
    for args in (["H"], [2.5], ["C", "bebop"], []):
        assert router.route("/key", args) == []
    assert router.route("/mode", ["bebop"]) == []
    assert router.route("/mode", [3]) == []
    assert router.accepted == accepted
    assert router.dropped == {"unknown_key": 2, "unknown_mode": 2, "bad_args": 1, "bad_type": 1}
