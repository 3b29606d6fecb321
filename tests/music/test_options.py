"""Options: type checks, bounds, choices, defaults and clamping."""

from __future__ import annotations

import pytest

from engine.music.options import Option, resolve

SPECS = {
    "voices": Option(int, 4, min=3, max=6, doc="voices"),
    "gain": Option(float, 0.5, min=0.0, max=1.0, doc="gain"),
    "style": Option(str, "walk", choices=("walk", "markov"), doc="style"),
    "on": Option(bool, True, doc="switch"),
    "periods": Option(list, [7, 9], min=1, max=64, item=int, doc="periods"),
}


def test_check_accepts_and_converts() -> None:
    assert SPECS["voices"].check(5) == 5
    assert SPECS["gain"].check(1) == 1.0 and isinstance(SPECS["gain"].check(1), float)
    assert SPECS["style"].check("markov") == "markov"
    assert SPECS["on"].check(False) is False
    assert SPECS["periods"].check((3, 5)) == [3, 5]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("voices", 7, "at most 6"),
        ("voices", 2, "at least 3"),
        ("voices", 4.0, "must be int"),
        ("voices", True, "must be int"),
        ("gain", "loud", "must be float"),
        ("style", "jazz", "one of"),
        ("on", 1, "must be bool"),
        ("periods", 5, "must be a list"),
        ("periods", [3, 0], "at least 1"),
        ("periods", [3, "x"], "must be int"),
    ],
)
def test_check_rejects_with_a_message(name: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SPECS[name].check(value)


def test_resolve_fills_defaults_and_clamps() -> None:
    resolved = resolve(SPECS, {"voices": 99, "periods": [0, 100]})
    assert resolved == {
        "voices": 6,
        "gain": 0.5,
        "style": "walk",
        "on": True,
        "periods": [1, 64],
    }


def test_resolve_rejects_unknown_names_and_bad_types() -> None:
    with pytest.raises(ValueError, match="unknown option"):
        resolve(SPECS, {"voice": 4})
    with pytest.raises(ValueError, match="'style'"):
        resolve(SPECS, {"style": "jazz"})


def test_resolved_lists_are_copies() -> None:
    first = resolve(SPECS, {})
    first["periods"].append(11)  # type: ignore[union-attr]
    assert resolve(SPECS, {})["periods"] == [7, 9]
