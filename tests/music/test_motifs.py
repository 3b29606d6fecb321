"""Motifs in: note lists and MIDI files become key-relative material, and bad material gets
an error that says what and where."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from engine.music.midifile import read_notes
from engine.music.motifs import (
    Key,
    Metre,
    MotifError,
    from_pitches,
    parse_duration,
    parse_note_list,
)
from tests.music.midi_files import track_of, write_midi

D_MAJOR = Key(2, "major")
FOUR = Metre(4, 4)


def notes(
    items: str, key: Key = D_MAJOR, metre: Metre = FOUR, grid: int = 4
) -> list[tuple[int, int, int, int]]:
    motif = parse_note_list("m", [t.strip() for t in items.split(",")], key, metre, grid)
    return [(n.onset, n.length, n.index, n.alteration) for n in motif.notes]


def test_names_degrees_rests_and_durations() -> None:
    assert notes("D4 1/4, F#4 1/8, A4, r 1/4., ^5 1/16, ^b3 1/4, ^1+ 1/2, ^5- 1") == [
        (0, 4, 0, 0),  # the tonic
        (4, 2, 2, 0),  # the third
        (6, 2, 4, 0),  # A4 takes the previous duration
        (14, 1, 4, 0),  # after a dotted-quarter rest: the fifth
        (15, 4, 1, 1),  # ^b3 in D major is F, a raised second (E + 1)
        (19, 8, 7, 0),  # the tonic an octave up
        (27, 16, -3, 0),  # the fifth below
    ]


def test_material_is_stored_relative_to_its_key() -> None:
    in_d = notes("D4 1/4, E4, F#4, G4")
    in_bb = notes("Bb4 1/4, C5, D5, Eb5", key=Key(10, "major"))
    assert in_d == in_bb


def test_triplets_need_a_triplet_grid() -> None:
    assert [n[0] for n in notes("C4 1/12, D4, E4", key=Key(0, "major"), grid=3)] == [0, 1, 2]
    with pytest.raises(MotifError, match="grid") as error:
        notes("C4 1/12, D4, E4", key=Key(0, "major"))
    assert error.value.item == 0 and error.value.offset == 3


@pytest.mark.parametrize(
    ("items", "item", "offset", "message"),
    [
        ("D4 1/4, H4 1/4", 1, 0, "'H4' is not a note"),
        ("D4 1/4, E4 1/0", 1, 3, "not a duration"),
        ("D4 1/4, E4 quarter", 1, 3, "not a duration"),
        ("D4 1/2, E4 1/4, |, F#4 1", 2, 0, "lasts 3 beats"),
        ("D4 1/4 loud", 0, 0, "PITCH DURATION"),
        ("r 1/4, r 1/4", None, 0, "no notes"),
        ("A9 1/4", 0, 0, "outside MIDI"),
    ],
)
def test_bad_note_lists_say_which_item(
    items: str, item: int | None, offset: int, message: str
) -> None:
    with pytest.raises(MotifError, match=message) as error:
        notes(items)
    assert (error.value.item, error.value.offset) == (item, offset)


def test_dotted_durations() -> None:
    assert parse_duration("1/4.") == Fraction(3, 8)
    assert parse_duration("1/2..") == Fraction(7, 8)
    assert parse_duration("3/8") == Fraction(3, 8)


def test_the_top_voice_is_the_melody_and_the_rest_harmony() -> None:
    chords = [(0, 8, 62, 0.8), (0, 8, 66, 0.8), (0, 8, 69, 0.8), (8, 4, 71, 0.8), (8, 8, 67, 0.8)]
    inner = [(0, 8, 74, 0.8), (4, 4, 69, 0.8)]  # a note under a held melody note
    motif = from_pitches("m", chords + inner, D_MAJOR, FOUR, 4)
    assert [(n.onset, n.length, motif.pitch(n)) for n in motif.notes] == [(0, 8, 74), (8, 4, 71)]
    assert sorted(motif.pitch(n) for n in motif.harmony) == [62, 66, 67, 69, 69]


# -- MIDI files --------------------------------------------------------------------------------
def test_a_midi_file_reads_into_grid_notes_with_its_key(tmp_path: Path) -> None:
    lead = track_of(
        [(0, 1, 62, 100), (1, 0.5, 66, 90), (1.5, 0.49, 69, 80), (2.02, 2, 74, 100)],
        "lead",
        tpb=96,
    )
    pad = track_of([(0, 4, 50, 60)], "pad", channel=1, tpb=96)
    path = write_midi(tmp_path / "m.mid", [lead, pad], key="Bm", tpb=96)
    read = read_notes(path, FOUR, 4, track="lead")
    assert [(o, n, p) for o, n, p, _ in read.notes] == [
        (0, 4, 62),
        (4, 2, 66),
        (6, 2, 69),
        (8, 8, 74),
    ]
    assert read.key == Key(11, "minor")
    both = read_notes(path, FOUR, 4)
    assert len(both.notes) == 5
    assert [p for _, _, p, _ in read_notes(path, FOUR, 4, channel=2).notes] == [50]
    assert len(read_notes(path, FOUR, 4, track=2).notes) == 1


def test_drums_are_left_out_of_a_melody_unless_asked_for(tmp_path: Path) -> None:
    lead = track_of([(0, 1, 62, 100)], "lead")
    kit = track_of([(0, 0.25, 36, 100), (1, 0.25, 38, 100)], "kit", channel=9)
    path = write_midi(tmp_path / "m.mid", [lead, kit])
    assert [p for _, _, p, _ in read_notes(path, FOUR, 4).notes] == [62]
    assert [p for _, _, p, _ in read_notes(path, FOUR, 4, channel=10).notes] == [36, 38]


def test_in_six_eight_a_beat_is_an_eighth(tmp_path: Path) -> None:
    path = write_midi(
        tmp_path / "m.mid", [track_of([(0, 1.5, 62, 100), (1.5, 1.5, 64, 100)])], (6, 8)
    )
    read = read_notes(path, Metre(6, 8), 2)
    assert [(o, n) for o, n, _, _ in read.notes] == [(0, 6), (6, 6)]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "cannot read it"),
        (lambda p: p.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00"), "not a readable MIDI file"),
        (lambda p: p.write_bytes(b"RIFF" + bytes(60)), "not a readable MIDI file"),
        (lambda p: write_midi(p, [track_of([(0, 1, 62, 100)])], (3, 4)), "time signature 3/4"),
        (lambda p: write_midi(p, [track_of([])]), "no notes"),
    ],
)
def test_bad_midi_files_are_refused_by_name(tmp_path: Path, make: object, message: str) -> None:
    path = tmp_path / "bad.mid"
    make(path)  # type: ignore[operator]
    with pytest.raises(MotifError, match=message) as error:
        read_notes(path, FOUR, 4)
    assert str(path) in error.value.message


def test_a_missing_track_names_the_tracks_there_are(tmp_path: Path) -> None:
    path = write_midi(tmp_path / "m.mid", [track_of([(0, 1, 62, 100)], "lead")])
    with pytest.raises(MotifError, match=r"no track named 'melody'.*'lead'"):
        read_notes(path, FOUR, 4, track="melody")
