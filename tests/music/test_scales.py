"""Scales: mode tables, note-name parsing, degree arithmetic, snapping."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.music.scales import MODES, MODES_BY_BRIGHTNESS, Scale, pitch_class

scales = st.builds(Scale, st.integers(0, 11), st.sampled_from(sorted(MODES)))


def test_mode_table_has_every_named_mode() -> None:
    expected = {
        "major", "ionian", "minor", "aeolian", "dorian", "phrygian", "lydian", "mixolydian",
        "locrian", "harmonic_minor", "melodic_minor", "pentatonic", "minor_pentatonic", "blues",
        "whole_tone",
    }  # fmt: skip
    assert set(MODES) == expected
    assert MODES["major"] == MODES["ionian"] == (0, 2, 4, 5, 7, 9, 11)
    assert MODES["minor"] == MODES["aeolian"] == (0, 2, 3, 5, 7, 8, 10)
    assert MODES["pentatonic"] == (0, 2, 4, 7, 9)
    for mode, steps in MODES.items():
        assert steps[0] == 0, mode
        assert list(steps) == sorted(set(steps)), mode
        assert steps[-1] < 12, mode


def test_brightness_order_runs_lydian_to_locrian() -> None:
    assert MODES_BY_BRIGHTNESS[0] == "lydian"
    assert MODES_BY_BRIGHTNESS[-1] == "locrian"
    assert len(MODES_BY_BRIGHTNESS) == 7
    # Each step darker lowers exactly one scale degree by a semitone.
    sums = [sum(MODES[m]) for m in MODES_BY_BRIGHTNESS]
    assert sums == sorted(sums, reverse=True)
    assert all(a - b == 1 for a, b in itertools.pairwise(sums))


@pytest.mark.parametrize(
    ("name", "pc"),
    [
        ("C", 0), ("c", 0), ("C#", 1), ("Db", 1), ("D", 2), ("Eb", 3), ("E", 4), ("E#", 5),
        ("f", 5), ("f#", 6), ("Gb", 6), ("G", 7), ("Ab", 8), ("A", 9), ("Bb", 10), ("b", 11),
        ("Cb", 11), (" G ", 7), ("F♯", 6), ("B♭", 10), ("C##", 2),
    ],
)  # fmt: skip
def test_pitch_class_parses_names(name: str, pc: int) -> None:
    assert pitch_class(name) == pc


@pytest.mark.parametrize("bad", ["", "H", "C$", "#", "Do", "B-", "1", "Cbx"])
def test_pitch_class_rejects_garbage_with_clear_message(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid note name"):
        pitch_class(bad)


def test_pitch_class_rejects_non_strings() -> None:
    with pytest.raises(ValueError):
        pitch_class(5)  # type: ignore[arg-type]


def test_scale_validates_root_and_mode() -> None:
    with pytest.raises(ValueError, match="root"):
        Scale(12, "major")
    with pytest.raises(ValueError, match="unknown mode"):
        Scale(0, "klingon")


def test_degree_pitch_uses_c4_is_60() -> None:
    c_major = Scale(0, "major")
    assert c_major.degree_pitch(1, 4) == 60
    assert c_major.degree_pitch(5, 4) == 67
    assert c_major.degree_pitch(8, 4) == 72
    assert c_major.degree_pitch(0, 4) == 59
    assert c_major.degree_pitch(-6, 4) == 48
    assert Scale(2, "dorian").degree_pitch(1, 4) == 62
    assert Scale(9, "minor").degree_pitch(3, 4) == 72
    assert Scale(0, "pentatonic").degree_pitch(6, 4) == 72


@given(scales, st.integers(-20, 20), st.integers(0, 8))
def test_degree_pitch_wraps_by_octaves(scale: Scale, degree: int, octave: int) -> None:
    pitch = scale.degree_pitch(degree, octave)
    assert scale.degree_pitch(degree + scale.size, octave) == pitch + 12
    assert scale.degree_pitch(degree, octave + 1) == pitch + 12
    assert scale.contains(pitch)
    assert scale.degree_of(pitch) == (degree - 1) % scale.size + 1


@given(scales, st.floats(20, 110, allow_nan=False))
def test_snap_returns_the_nearest_scale_pitch(scale: Scale, pitch: float) -> None:
    snapped = scale.snap(pitch)
    assert scale.contains(snapped)
    nearby = scale.pitches(int(pitch) - 8, int(pitch) + 8)
    best = min(abs(p - pitch) for p in nearby)
    assert abs(snapped - pitch) == best
    assert snapped == min(p for p in nearby if abs(p - pitch) == best)  # ties go down


def test_snap_ties_go_down() -> None:
    c_major = Scale(0, "major")
    assert c_major.snap(61) == 60
    assert c_major.snap(63) == 62
    assert c_major.snap(61.5) == 62
    assert c_major.snap(64) == 64


def test_pitches_are_inclusive_and_ascending() -> None:
    assert Scale(0, "major").pitches(60, 72) == [60, 62, 64, 65, 67, 69, 71, 72]
    assert Scale(0, "major").pitches(61, 61) == []


def test_degree_of_and_contains() -> None:
    a_minor = Scale(9, "minor")
    assert a_minor.degree_of(69) == 1
    assert a_minor.degree_of(72) == 3
    assert a_minor.degree_of(70) is None
    assert a_minor.contains(60) and not a_minor.contains(61)


def test_size_with_mode_and_step() -> None:
    scale = Scale(7, "major")
    assert scale.size == 7 and Scale(7, "pentatonic").size == 5
    assert scale.with_mode("minor") == Scale(7, "minor")
    assert scale.step(67, 1) == 69
    assert scale.step(67, -1) == 66
    assert scale.step(66, 2) == 69


@given(scales, st.integers(0, 127))
def test_index_round_trip(scale: Scale, pitch: int) -> None:
    snapped = scale.snap(pitch)
    assert scale.at_index(scale.index_of(snapped)) == snapped
    assert scale.at_index(scale.index_of(snapped) + 1) > snapped
