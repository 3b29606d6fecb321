"""MIDI out: a render's notes written as a MIDI file read back with mido into the same notes,
each onset within 1 ms of where the render played it, with the tempo map of the render."""

from __future__ import annotations

from pathlib import Path

import mido
import pytest

from engine import cli, load_score
from engine.events import Action, NoteEvent, Play
from engine.render.midirecord import GM_DRUMS, MidiRecorder
from engine.render.offline import render
from engine.state.timeline import load_timeline

ROOT = Path(__file__).resolve().parents[2]
SR = 48000


def played(path: Path) -> tuple[list[tuple[float, int, int, str]], list[tuple[float, int]]]:
    """(seconds, pitch, channel, track) of every note-on, and (seconds, tempo) of every tempo
    change, read with mido's own clock (it follows the file's tempo map)."""
    midi = mido.MidiFile(path)
    names = {i: t.name for i, t in enumerate(midi.tracks)}
    notes, tempos = [], []
    for index, track in enumerate(midi.tracks):
        tick, seconds, tempo = 0, 0.0, 500000
        changes = [
            (m_tick, m.tempo) for m_tick, m in _absolute(midi.tracks[0]) if m.type == "set_tempo"
        ]
        del tick, seconds, tempo
        for at, message in _absolute(track):
            if message.type == "note_on" and message.velocity > 0:
                notes.append(
                    (
                        _seconds(at, changes, midi.ticks_per_beat),
                        message.note,
                        message.channel,
                        names[index],
                    )
                )
            if message.type == "set_tempo":
                tempos.append((_seconds(at, changes, midi.ticks_per_beat), message.tempo))
    return sorted(notes), tempos


def _absolute(track: mido.MidiTrack) -> list[tuple[int, mido.Message]]:
    out, tick = [], 0
    for message in track:
        tick += message.time
        out.append((tick, message))
    return out


def _seconds(tick: int, changes: list[tuple[int, int]], tpb: int) -> float:
    seconds, last_tick, tempo = 0.0, 0, 500000
    for at, new in changes:
        if at >= tick:
            break
        seconds += mido.tick2second(at - last_tick, tpb, tempo)
        last_tick, tempo = at, new
    return seconds + mido.tick2second(tick - last_tick, tpb, tempo)


@pytest.mark.parametrize("name", ["forest", "combat"])
def test_a_renders_midi_holds_its_notes_within_a_millisecond(tmp_path: Path, name: str) -> None:
    score = load_score(ROOT / "scores" / f"{name}.yaml")
    timeline = load_timeline(ROOT / "scores" / f"{name}.timeline.jsonl")
    recorder = MidiRecorder(score, SR)
    log: list[tuple[int, str, NoteEvent]] = []
    beats: list[tuple[int, float]] = []

    def observe(sample: int, kind: str, detail: dict[str, object]) -> None:
        recorder.observe(sample, kind, detail)
        if kind == "beat":
            beats.append((sample, float(detail["bpm"])))  # type: ignore[arg-type]

    def take(actions: list[Action]) -> None:  # the render's own note log: what the orchestra got
        log.extend((a.sample, a.channel, a.note) for a in actions if isinstance(a, Play))

    render(
        score,
        tmp_path / "out.wav",
        45.0,
        timeline=timeline,
        sr=SR,
        observer=observe,
        listeners=[recorder.take, take],
    )
    parts = recorder.write(tmp_path / "out.mid")
    notes, tempos = played(tmp_path / "out.mid")

    expected = []
    for sample, channel, event in log:
        pitch = GM_DRUMS[event.voice] if event.voice else round(event.pitch)
        track = "stingers" if channel.startswith("stinger:") else channel
        expected.append((sample / SR, pitch, track))
    assert len(notes) == len(expected) == sum(len(p.notes) for p in parts) > 50
    by_note: dict[tuple[int, str], list[float]] = {}
    for t, pitch, _, track in notes:
        by_note.setdefault((pitch, track), []).append(t)
    wanted: dict[tuple[int, str], list[float]] = {}
    for t, pitch, track in expected:
        wanted.setdefault((pitch, track), []).append(t)
    assert sorted(by_note) == sorted(wanted)
    worst = max(
        abs(a - b)
        for key in wanted
        for a, b in zip(sorted(wanted[key]), sorted(by_note[key]), strict=True)
    )
    assert worst < 1e-3, worst
    # the tempo map: a change wherever a bar's tempo moved, at that bar's first beat
    assert len({bpm for _, bpm in beats}) > 1 and len(tempos) > 1
    for at, tempo in tempos:
        sample, bpm = min(beats, key=lambda b: abs(b[0] / SR - at))
        assert abs(sample / SR - at) < 1e-3
        assert tempo == mido.bpm2tempo(bpm * 4 / score.meter.unit)
    drums = [n for n in notes if n[3] == "drums"]
    assert all(channel == 9 for _, _, channel, _ in drums)


def test_the_midi_file_has_the_meter_and_the_keys(tmp_path: Path) -> None:
    out = tmp_path / "forest.mid"
    assert cli.main([
        "render", str(ROOT / "scores" / "forest.yaml"), "--timeline",
        str(ROOT / "scores" / "forest.timeline.jsonl"), "--duration", "40",
        "--out", str(tmp_path / "forest.wav"), "--midi", str(out), "--quiet",
    ]) == 0  # fmt: skip
    midi = mido.MidiFile(out)
    metas = [m for m in midi.tracks[0] if m.is_meta]
    assert [(m.numerator, m.denominator) for m in metas if m.type == "time_signature"] == [(4, 4)]
    keys = [m.key for m in metas if m.type == "key_signature"]
    assert len(keys) >= 2  # forest's mode moves with valence along its timeline
    names = [t.name for t in midi.tracks]
    assert names[0] == "tempo" and "pad" in names and "melody" in names


def test_a_midi_file_that_cannot_be_written_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").mkdir()
    code = cli.main([
        "render", str(ROOT / "scores" / "forest.yaml"), "--duration", "1",
        "--out", str(tmp_path / "x.wav"), "--midi", str(tmp_path / "taken"), "--quiet",
    ])  # fmt: skip
    captured = capsys.readouterr()
    assert code != 0
    assert f"cannot write {tmp_path / 'taken'}" in captured.err
    assert "notes on" not in captured.out
