"""Recordings as sample sets: file names, key splits, velocity layers, round robin."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from engine.samples.audio import AssetError
from engine.samples.recordings import (
    Recording,
    buffers,
    key_ranges,
    parse_name,
    parse_note,
    read_recordings,
    scan_folder,
)
from tests.samples.sounds import frequency, midi_hz, write_sine

SR = 48000


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("C4", 60),
        ("c4", 60),
        ("Cs4", 61),
        ("C#4", 61),
        ("Db4", 61),
        ("Bb3", 58),
        ("B3", 59),
        ("A0", 21),
        ("C-1", 0),
        ("G9", 127),
        ("60", 60),
        ("0", 0),
    ],
)
def test_note_names(text: str, number: int) -> None:
    assert parse_note(text) == number


@pytest.mark.parametrize("text", ["H4", "C", "Cx4", "128", "G#9", "-1", "C44x"])
def test_bad_note_names(text: str) -> None:
    with pytest.raises(ValueError):
        parse_note(text)


@pytest.mark.parametrize(
    ("stem", "parsed"),
    [
        ("C4", (60, 127, 0)),
        ("piano_60", (60, 127, 0)),
        ("piano_60_v80", (60, 80, 0)),
        ("marimba_Fs3_v64_rr2", (54, 64, 2)),
        ("Db4_rr3_v100", (61, 100, 3)),
        ("soft_piano_C#4", (61, 127, 0)),
    ],
)
def test_file_names(stem: str, parsed: tuple[int, int, int]) -> None:
    assert parse_name(stem) == parsed


def test_keys_split_at_midpoints() -> None:
    assert key_ranges([60, 67, 72]) == {60: (0, 63), 67: (64, 69), 72: (70, 127)}
    assert key_ranges([60, 62]) == {60: (0, 61), 62: (62, 127)}  # halfway: the lower note
    assert key_ranges([48]) == {48: (0, 127)}


def test_a_folder_becomes_zones_with_layers_and_round_robin(tmp_path: Path) -> None:
    folder = tmp_path / "marimba"
    write_sine(folder / "C4_v64.wav", 60, amp=0.2)
    write_sine(folder / "C4_v127.flac", 60, amp=0.8)
    write_sine(folder / "mar_67_rr1.ogg", 67)
    write_sine(folder / "mar_67_rr2.aiff", 67.1)
    (folder / "notes.txt").write_text("not a sound")
    recordings = scan_folder(folder)
    assert [(r.note, r.velocities, r.turn) for r in recordings] == [
        (60, (0, 64), 0),
        (60, (65, 127), 0),
        (67, (0, 127), 1),
        (67, (0, 127), 2),
    ]
    sample_set = read_recordings("marimba", recordings, SR)
    assert sample_set.sr == SR and len(sample_set.samples) == 4
    # velocity layers
    soft, loud = sample_set.zones_for(60, 30), sample_set.zones_for(60, 100)
    assert soft[0].sample != loud[0].sample
    assert (
        max(abs(sample_set.samples[soft[0].sample]))
        < 0.3
        < max(abs(sample_set.samples[loud[0].sample]))
    )
    # midpoint split: 63 plays the C4 recording, 64 the G4 one
    assert sample_set.zones_for(63, 100)[0].root == 60
    assert sample_set.zones_for(64, 100)[0].root == 67
    # round robin: turns alternate between the two G4 files
    picks = [sample_set.zones_for(67, 100, turn)[0].sample for turn in range(4)]
    assert picks[0] == picks[2] != picks[1] == picks[3]
    # every buffer is at the engine's rate and sounds its root
    for zone in sample_set.zones:
        buffer = sample_set.samples[zone.sample]
        assert len(buffer) == pytest.approx(0.5 * SR, abs=2)
        cents = 1200 * math.log2(frequency(buffer[2000:18000], SR) / midi_hz(zone.root))
        assert abs(cents) < 12  # the rr2 file is 10 cents sharp on purpose
    # the headers predict the memory
    assert sum(buffers(recordings, SR).values()) == pytest.approx(sample_set.nbytes, abs=64)


def test_a_file_two_layers_share_is_read_once(tmp_path: Path) -> None:
    tone = write_sine(tmp_path / "C4.wav", 60)
    cache: dict[object, object] = {}
    a = read_recordings("a", [Recording(tone, 60)], SR, cache)  # type: ignore[arg-type]
    b = read_recordings("b", [Recording(tone, 62)], SR, cache)  # type: ignore[arg-type]
    assert a.samples[0] is b.samples[0]


def test_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(AssetError, match=r"missing: no such folder"):
        scan_folder(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("no sounds here")
    with pytest.raises(AssetError, match=r"empty: no sound files in it \(.wav, .flac"):
        scan_folder(empty)
    odd = tmp_path / "odd"
    write_sine(odd / "kick.wav", 36)
    with pytest.raises(AssetError, match=r"kick.wav: cannot tell the note from the name 'kick'"):
        scan_folder(odd)
    twice = tmp_path / "twice"
    write_sine(twice / "C4.wav", 60)
    write_sine(twice / "piano_60.flac", 60)
    with pytest.raises(AssetError, match=r"piano_60.flac: the same note, velocity layer and "):
        scan_folder(twice)
    bad_top = tmp_path / "top"
    write_sine(bad_top / "C4_v200.wav", 60)
    with pytest.raises(AssetError, match=r"velocity top _v200 is outside 1..127"):
        scan_folder(bad_top)
