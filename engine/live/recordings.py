"""What ``soundscape play`` writes while it plays, watched so that nothing is lost silently: the
WAV of what is heard (``--record``), the log of applied messages (``--record-osc``) and the
notes played, as MIDI (``--record-midi``, written when the session ends).

The main thread calls :meth:`Recordings.update` every ``STATUS_PERIOD``:

- The WAV's header is rewritten for every frame on disk, so a killed session keeps all but its
  last fraction of a second. Its length is compared with the buffers computed: pyo writes each
  buffer in C and ignores write errors, so a file that falls behind has failed writes (a full
  disk, the file size limit). The recording is then stopped (``recstop`` seals the header over
  what was written), a message says why, and the music plays on.
- Applied messages are appended to the log, a batch at a time; a failed write cuts the log back
  to its last whole batch, says why, and the music plays on (the messages are still drained, so
  nothing piles up).

The audio thread does no more work than before: all of this is file metadata and a few small
writes from the main thread. The outcome of each file goes into the exit summary (``recordings``)
and ``soundscape play`` exits 3 if one failed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from engine import defaults
from engine.dsp.server import record_to, recorded_bytes
from engine.live.linelog import LineLog
from engine.live.session import LiveSession
from engine.render.midirecord import MidiRecorder
from engine.render.outputs import OutputError, describe, why_writes_stopped
from engine.render.wavfile import GrowingWav, frames_in_header
from engine.state.timeline import END_MARK, format_message

#: Where messages about a failed recording go (the status view owns stdout).
Say = Callable[[str], None]


def say_on_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass
class Outcome:
    """One file's fate, as the exit summary reports it."""

    path: str
    kind: str  # "audio" (--record), "osc" (--record-osc) or "midi" (--record-midi)
    ok: bool = True
    seconds: float = 0.0  # of the session the file holds
    error: str | None = None


class WavTake:
    """``--record``: pyo writes the WAV; this keeps its header current and notices failures."""

    def __init__(self, server: Any, path: Path, buffersize: int, say: Say) -> None:
        self.server = server
        self.buffersize = buffersize
        self.say = say
        self.outcome = Outcome(str(path), "audio")
        self.recording = True
        record_to(server, str(path))
        try:
            self.wav = GrowingWav(path)
        except (OSError, ValueError) as exc:
            server.recstop()
            raise OutputError(path, f"pyo could not create it ({exc})") from None

    def update(self, buffers: int) -> None:
        """``buffers``: how many the session had computed, read before this call."""
        if not self.recording:
            return
        try:
            if self.wav.deleted():
                self.fail("the file was deleted while recording")
                return
            size = self.wav.refresh_header()
        except OSError as exc:
            self.fail(describe(exc))
            return
        self.outcome.seconds = self.wav.seconds(size)
        if self.wav.frames(size) < (buffers - defaults.RECORD_LAG_BUFFERS) * self.buffersize:
            self.fail(why_writes_stopped(self.wav.path, size, recorded_bytes(self.buffersize)))

    def stop(self) -> None:
        """Stop recording (if still on) and check that the header holds what is on disk."""
        if self.recording:
            self.server.recstop()
            self.recording = False
            on_disk = self.wav.frames()
            self.outcome.seconds = on_disk / self.wav.layout.sr
            try:
                declared = frames_in_header(self.wav.path)
            except (OSError, EOFError) as exc:
                declared, reason = -1, f"it cannot be read back ({exc})"
            else:
                reason = f"its header holds {declared} of the {on_disk} frames on disk"
            if declared != on_disk:
                self._report(reason)
        self.wav.close()

    def fail(self, reason: str) -> None:
        self.server.recstop()  # libsndfile seals the header over what it wrote
        self.recording = False
        self.outcome.seconds = self.wav.seconds()
        self._report(reason)

    def _report(self, reason: str) -> None:
        self.outcome.ok, self.outcome.error = False, reason
        self.say(
            f"error: recording {self.outcome.path} failed after {self.outcome.seconds:.1f} s: "
            f"{reason}. The file keeps those {self.outcome.seconds:.1f} s; the music plays on."
        )


class OscLog:
    """``--record-osc``: applied messages as timeline lines, with where scenes and stingers
    landed as comments (``# 12.5 landed /engine/scene ruins``: for people; a replay recomputes
    them)."""

    def __init__(self, path: Path, header: str, say: Say) -> None:
        try:
            self.log = LineLog(path)
        except OSError as exc:
            raise OutputError(path, describe(exc)) from None
        self.say = say
        self.outcome = Outcome(str(path), "osc")
        if not self.log.write([header]):
            raise OutputError(path, self.log.error or "the first line could not be written")

    def update(self, session: LiveSession) -> None:
        lines = _drain(session)  # always drained: the session's queues must not grow
        seconds = session.buffers * session.engine.buffersize / session.engine.sr
        if not self.log.ok:
            return
        if self.log.write(lines):
            self.outcome.seconds = seconds
        else:
            self._report()

    def finish(self, session: LiveSession, length: float) -> None:
        """The last messages and the ``# end SECONDS`` line, then close."""
        self.update(session)
        if self.log.ok and not self.log.write([f"{END_MARK}{length!r}"]):
            self._report()
        self.log.close()

    def _report(self) -> None:
        self.outcome.ok, self.outcome.error = False, self.log.error
        self.say(
            f"error: logging applied messages to {self.outcome.path} failed after "
            f"{self.outcome.seconds:.1f} s: {self.log.error}. The log keeps those "
            f"{self.outcome.seconds:.1f} s; the music plays on."
        )


def _drain(session: LiveSession) -> list[str]:
    applied, landed = session.applied, session.feedback.landed
    assert applied is not None and landed is not None
    sr = session.engine.sr
    lines = []
    while applied:
        sample, address, args = applied.popleft()
        lines.append((sample, format_message(sample / sr, address, args)))
    while landed:
        sample, address, args = landed.popleft()
        lines.append((sample, f"# {sample / sr!r} landed {address} {' '.join(map(str, args))}"))
    return [line for _, line in sorted(lines, key=lambda item: item[0])]


class MidiTake:
    """``--record-midi``: the conductor's reports are kept (a list append per note, in the audio
    callback, up to :data:`defaults.MAX_RECORDED_MIDI_EVENTS`) and written when the session
    ends; a failed write is an error in the summary, never a success line."""

    def __init__(self, session: LiveSession, path: Path, say: Say) -> None:
        engine = session.engine
        self.path = path
        self.say = say
        self.recorder = MidiRecorder(engine.score, engine.sr)
        self.outcome = Outcome(str(path), "midi")
        engine.listeners.append(self.recorder.take)
        before = engine.conductor.observer
        keep = self.recorder.observe

        def both(sample: int, kind: str, detail: dict[str, object]) -> None:
            if before is not None:
                before(sample, kind, detail)
            keep(sample, kind, detail)

        engine.conductor.observer = both

    def finish(self, seconds: float) -> None:
        try:
            parts = self.recorder.write(self.path)
        except OSError as exc:
            self.outcome.ok = False
            self.outcome.error = f"cannot write {self.path}: {exc.strerror or exc}"
            self.say(self.outcome.error)
            return
        self.outcome.seconds = seconds
        notes = sum(len(part.notes) for part in parts)
        self.say(f"{self.path}: {notes} notes on {len(parts)} tracks, with the tempo map")
        if self.recorder.dropped:
            self.outcome.error = (
                f"the recording reached its cap of {self.recorder.limit} events; "
                f"{self.recorder.dropped} later notes are not in {self.path}"
            )
            self.say(self.outcome.error)


class Recordings:
    """The session's files: started before the audio, updated from the main thread, finished
    before the fade-out."""

    def __init__(self, say: Say = say_on_stderr) -> None:
        self.say = say
        self.take: WavTake | None = None
        self.osc: OscLog | None = None
        self.midi: MidiTake | None = None

    def log_osc(self, session: LiveSession, path: Path, header: str) -> None:
        self.osc = OscLog(path, header, self.say)
        session.log_applied()

    def record_midi(self, session: LiveSession, path: Path) -> None:
        self.midi = MidiTake(session, path, self.say)

    def record(self, server: Any, path: Path, buffersize: int) -> None:
        self.take = WavTake(server, path, buffersize, self.say)

    def update(self, session: LiveSession) -> None:
        buffers = session.buffers  # before the file's size: see WavTake.update
        if self.take is not None:
            self.take.update(buffers)
        if self.osc is not None:
            self.osc.update(session)

    def finish(self, session: LiveSession) -> None:
        seconds = session.buffers * session.engine.buffersize / session.engine.sr
        if self.take is not None:
            self.take.update(session.buffers)
            self.take.stop()
            if self.take.outcome.ok:  # the replay's length is the take's
                seconds = self.take.outcome.seconds
        if self.osc is not None:
            self.osc.finish(session, seconds)
        if self.midi is not None:
            self.midi.finish(seconds)

    def cut(self, reason: str) -> None:
        """End the WAV take here (the audio server it records from died): it keeps what it
        holds, and counts as failed, since the session goes on without it."""
        if self.take is not None and self.take.recording:
            self.take.fail(reason)

    def outcomes(self) -> list[dict[str, Any]]:
        files = [f for f in (self.take, self.osc, self.midi) if f is not None]
        return [asdict(f.outcome) for f in files]

    def failed(self) -> bool:
        return any(not f.outcome.ok for f in (self.take, self.osc, self.midi) if f is not None)
