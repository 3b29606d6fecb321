"""Where placed sources sound from the head: the rotation, the router's addresses, and the
conductor's SetPosition actions (change-driven), without audio. docs/spatial.md."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.commands import OrientListener, PlaceSource, SetInput
from engine.conductor.conductor import Conductor
from engine.conductor.space import clamp_position, relative, wrap180
from engine.errors import ScoreError
from engine.events import SetPosition
from engine.score.catalog import Catalog, ParamRange
from engine.score.loader import parse_score
from engine.state.router import Router

CATALOG = Catalog({"pad": {"cutoff": ParamRange(100, 1000, 500)}, "bell": {}})

SCORE = """
inputs:
  danger: {}
layers:
  pad: {instrument: pad, position: {azimuth: 90, distance: 2}}
  wind:
    instrument: pad
    position: {azimuth: {input: danger, curve: [[0, -90], [1, 90]]}}
  plain: {instrument: pad}
scenes: {main: {layers: [pad, wind, plain]}}
stingers:
  bang: {instrument: bell, notes: [[0, 1, 1]], position: {azimuth: -45, elevation: 30}}
  flat: {instrument: bell, notes: [[0, 1, 1]]}
"""

SR, BS = 48000, 256


def _conductor() -> Conductor:
    return Conductor(parse_score(SCORE, CATALOG), CATALOG, sr=SR, buffersize=BS, seed=1)


def _positions(conductor: Conductor, start: int) -> dict[str, tuple[float, float, float]]:
    conductor.step(start, BS)
    return {
        a.channel: (a.azimuth, a.elevation, a.distance)
        for a in conductor.drain()
        if isinstance(a, SetPosition)
    }


def approx(values: tuple[float, ...]) -> object:
    return pytest.approx(values, abs=1e-9)


def test_the_head_frame() -> None:
    # +azimuth is to the right; turning the head right (+yaw) brings it ahead.
    assert relative(90, 0, 2, 0, 0, 0) == approx((90, 0, 2))
    assert relative(90, 0, 2, 90, 0, 0) == approx((0, 0, 2))
    assert relative(90, 0, 2, 180, 0, 0) == approx((-90, 0, 2))
    assert relative(0, 0, 1, -90, 0, 0) == approx((90, 0, 1))
    # Looking up (+pitch) lowers what is ahead; a source above is then ahead.
    assert relative(0, 0, 1, 0, 30, 0) == approx((0, -30, 1))
    assert relative(0, 30, 1, 0, 30, 0) == approx((0, 0, 1))
    # Right ear down (+roll): the top of the head points right, so a source on the right is
    # above the head, and one above is on its left.
    _, el, _ = relative(90, 0, 1, 0, 0, 90)
    assert el == pytest.approx(90)
    assert relative(0, 90, 1, 0, 0, 90) == approx((-90, 0, 1))


@given(
    st.floats(-180, 180),
    st.floats(-89, 89),
    st.floats(-720, 720),
    st.floats(-89, 89),
    st.floats(-720, 720),
)
def test_a_rotation_keeps_directions_in_range_and_is_undone_by_its_inverse(
    az: float, el: float, yaw: float, pitch: float, roll: float
) -> None:
    r_az, r_el, dist = relative(az, el, 3.0, yaw, pitch, roll)
    assert -180 <= r_az < 180 and -90 <= r_el <= 90 and dist == 3.0
    # A pure yaw turn is a subtraction of bearings.
    y_az, y_el, _ = relative(az, el, 1.0, yaw, 0, 0)
    assert abs(wrap180(y_az - (az - yaw))) < 1e-6 or abs(el) > 89
    assert y_el == pytest.approx(el, abs=1e-9)


def test_world_positions_are_wrapped_and_clamped() -> None:
    assert clamp_position(190, 100, 0) == (-170, 90, 0.1)
    assert clamp_position(-540, -100, 1e6) == (-180, -90, 1000)


def test_router_addresses() -> None:
    router = Router(parse_score(SCORE, CATALOG))
    assert router.route("/source/pad/position", [10, 5, 3]) == [PlaceSource("pad", 10, 5, 3)]
    assert router.route("/source/bang/position", ["1", 2, 3.5]) == [
        PlaceSource("stinger:bang", 1, 2, 3.5)
    ]
    assert router.route("/listener/orientation", [90, 0, 0]) == [OrientListener(90, 0, 0)]
    assert router.route("/source/plain/position", [1, 2, 3]) == []  # not placed
    assert router.route("/source/flat/position", [1, 2, 3]) == []
    assert router.route("/source/nobody/position", [1, 2, 3]) == []
    assert router.route("/source/pad/size", [1]) == []
    assert router.route("/source/pad/position", [1, 2]) == []
    assert router.route("/source/pad/position", [1, float("nan"), 2]) == []
    assert router.route("/listener/orientation", [float("inf"), 0, 0]) == []
    assert router.route("/listener/orientation", ["left", 0, 0]) == []
    assert router.dropped == {
        "unknown_source": 3,
        "unknown_address": 1,
        "bad_args": 1,
        "non_finite": 2,
        "bad_type": 1,
    }


def test_the_conductor_sends_positions_on_change_only() -> None:
    conductor = _conductor()
    first = _positions(conductor, 0)
    assert set(first) == {"pad", "wind", "stinger:bang"}  # unplaced ones get none
    assert first["pad"] == approx((90, 0, 2))
    assert first["wind"] == approx((-90, 0, 1))
    assert first["stinger:bang"] == approx((-45, 30, 1))
    assert _positions(conductor, BS) == {}  # nothing moved: nothing sent
    conductor.apply(OrientListener(90, 0, 0), 2 * BS)
    turned = _positions(conductor, 2 * BS)
    assert turned["pad"] == approx((0, 0, 2))
    assert turned["wind"] == approx((-180, 0, 1))
    conductor.apply(OrientListener(90, 0, 0), 3 * BS)  # the same again: nothing
    assert _positions(conductor, 3 * BS) == {}
    conductor.apply(PlaceSource("pad", -30, 0, 5), 4 * BS)
    assert _positions(conductor, 4 * BS) == {"pad": approx((-120, 0, 5))}


def test_a_mapped_position_follows_its_input_until_a_game_places_it() -> None:
    conductor = _conductor()
    _positions(conductor, 0)
    conductor.apply(SetInput("danger", 1.0), BS)
    moved: dict[str, tuple[float, float, float]] = {}
    for i in range(1, 1200):  # the input's smoothing (0.5 s to 63 %)
        moved.update(_positions(conductor, i * BS))
    assert set(moved) == {"wind"}
    assert moved["wind"][0] == pytest.approx(90, abs=0.5)
    conductor.apply(PlaceSource("wind", 0, 0, 1), 1200 * BS)
    assert _positions(conductor, 1200 * BS) == {"wind": approx((0, 0, 1))}
    conductor.apply(SetInput("danger", 0.0), 1201 * BS)
    for i in range(1201, 1400):
        assert "wind" not in _positions(conductor, i * BS)


def test_resend_gives_every_position_again() -> None:
    conductor = _conductor()
    _positions(conductor, 0)
    conductor.resend()
    again = {a.channel for a in conductor.drain() if isinstance(a, SetPosition)}
    assert again == {"pad", "wind", "stinger:bang"}


def test_a_position_out_of_range_is_a_score_error() -> None:
    bad = SCORE.replace("azimuth: 90, distance: 2", "azimuth: 90, distance: 0")
    with pytest.raises(ScoreError) as info:
        parse_score(bad, CATALOG)
    assert "distance" in str(info.value)
    bad = SCORE.replace("azimuth: 90, distance: 2", "azimuth: 90, height: 2")
    with pytest.raises(ScoreError) as info:
        parse_score(bad, CATALOG)
    assert "height" in str(info.value)


def test_unplaced_scores_send_no_positions() -> None:
    text = SCORE.split("stingers:")[0].replace(", position: {azimuth: 90, distance: 2}", "")
    text = text.replace(
        "    position: {azimuth: {input: danger, curve: [[0, -90], [1, 90]]}}\n", ""
    )
    conductor = Conductor(parse_score(text, CATALOG), CATALOG, sr=SR, buffersize=BS, seed=1)
    for i in range(50):
        conductor.step(i * BS, BS)
        assert not any(isinstance(a, SetPosition) for a in conductor.drain())
