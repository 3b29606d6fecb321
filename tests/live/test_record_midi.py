"""``soundscape play --record-midi``: a live session's notes as a MIDI file, written when it
ends, with feedback still flowing; a file that cannot be written is an error in the summary."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import mido

from tests.live.conftest import Listener
from tests.playing import ROOT

LEGEND = ROOT / "scores" / "legend.yaml"


def test_a_live_session_is_written_as_midi(player, listener: Listener, tmp_path: Path) -> None:
    out = tmp_path / "session.mid"
    live = player(
        "--record-midi", str(out), "--feedback", f"127.0.0.1:{listener.port}", score=LEGEND
    )
    time.sleep(8.0)
    summary = live.stop(signal.SIGTERM)
    midi_outcome = [r for r in summary["recordings"] if r["kind"] == "midi"]
    assert midi_outcome and midi_outcome[0]["ok"] and midi_outcome[0]["error"] is None
    midi = mido.MidiFile(out)
    tracks = {t.name: t for t in midi.tracks}
    lead = [m for m in tracks["lead"] if m.type == "note_on" and m.velocity > 0]
    assert len(lead) >= 3  # the theme, stated: at least its first bar
    tempos = [m for m in tracks["tempo"] if m.type == "set_tempo"]
    assert tempos and listener.of("/engine/beat")  # the feedback observer still hears beats
    beats_heard = len(listener.of("/engine/beat"))
    seconds = mido.MidiFile(out).length
    assert seconds > 4 and beats_heard > 4


def test_a_midi_file_that_cannot_be_written_fails_the_session(player, tmp_path: Path) -> None:
    target = tmp_path / "gone" / "session.mid"
    live = player("--record-midi", str(target), score=LEGEND)
    (tmp_path / "gone").rmdir()  # made by the check before the audio started; now it is gone
    (tmp_path / "gone").write_text("a file where the folder was")
    time.sleep(3.0)
    summary = live.stop(signal.SIGTERM, expect=3)
    outcome = next(r for r in summary["recordings"] if r["kind"] == "midi")
    assert not outcome["ok"] and "cannot write" in outcome["error"]
