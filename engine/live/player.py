"""``soundscape play``: a score in real time, until the duration elapses or a signal stops it.

The audio thread runs :meth:`LiveSession.process` once per buffer; this module sets everything up
around it and then keeps the main thread cheap and mostly asleep: every ``STATUS_PERIOD`` it
writes the applied-message log and refreshes the status view. On SIGINT, SIGTERM or SIGHUP (its
terminal closed) it stops the recordings, fades out over ``FADE_OUT`` seconds, closes the device
and returns normally.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from engine import defaults
from engine.dsp.server import record_to
from engine.errors import SoundscapeError, listen_problem
from engine.live.audio import connect_jack_outputs, default_backend, realtime_server
from engine.live.jack import DummyJackServer, JackMonitor
from engine.live.measure import PlayMeasures
from engine.live.session import LiveSession
from engine.osc.receiver import OscReceiver
from engine.osc.sender import Destination
from engine.render.engine import Engine
from engine.score.model import Score
from engine.state.timeline import END_MARK, format_message

#: Steps of the fade-out ramp (pyo smooths each step over a buffer).
FADE_STEPS = 25


@dataclass
class PlayOptions:
    audio: str | None = None  # portaudio, jack, dummy; None: the sound card
    sr: int = defaults.SAMPLE_RATE
    buffersize: int = defaults.BUFFER_SIZE
    seed: int | None = None
    host: str = defaults.OSC_HOST
    port: int = defaults.OSC_PORT
    feedback: list[Destination] = field(default_factory=list)
    record: Path | None = None  # WAV of what is played
    record_osc: Path | None = None  # timeline of what was applied, sample-stamped
    duration: float | None = None  # seconds of audio, then stop; None: until a signal
    jack_server: str | None = None  # --audio jack: which server (None: the default)
    score_file: str = "SCORE"  # named in the replay hint of --record-osc


#: Called every STATUS_PERIOD with the session (the status view); None for silence.
Status = Callable[[LiveSession, JackMonitor | None], None]


def play(
    score: Score,
    options: PlayOptions,
    *,
    status: Status | None = None,
    ready: Callable[[str], None] = print,
    keep_playing: Callable[[], bool] = lambda: True,
) -> dict[str, Any]:
    """Play until a signal, ``options.duration`` or ``keep_playing()`` turning False (checked
    every ``STATUS_PERIOD``); returns the exit summary (:meth:`LiveSession.stats` and more)."""
    audio = options.audio or default_backend()
    seed = score.seed if options.seed is None else options.seed
    sys.setswitchinterval(defaults.SWITCH_INTERVAL)
    try:
        receiver = OscReceiver(options.host, options.port)
    except OSError as exc:
        raise SoundscapeError(
            f"cannot listen on {options.host}:{options.port}: {listen_problem(exc)}"
        ) from None
    jackd = (
        DummyJackServer(sr=options.sr, buffersize=options.buffersize) if audio == "dummy" else None
    )
    monitor: JackMonitor | None = None
    server = None
    session: LiveSession | None = None
    measures = PlayMeasures()
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set())
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    try:
        if jackd is not None:
            jackd.start()
        jack_name = jackd.name if jackd is not None else options.jack_server
        if audio != "portaudio":
            monitor = JackMonitor.connect(jack_name)
        server = realtime_server(
            audio, sr=options.sr, buffersize=options.buffersize, seed=seed, jack_server=jack_name
        )
        sr, buffersize = int(server.getSamplingRate()), int(server.getBufferSize())
        if (sr, buffersize) != (options.sr, options.buffersize):  # a JACK server sets its own
            ready(f"note: the audio server runs at {sr} Hz, {buffersize} frames; playing at that")
            options = replace(options, sr=sr, buffersize=buffersize)
        engine = Engine(score, sr=sr, buffersize=buffersize, seed=seed)
        watcher = monitor
        session = LiveSession(
            engine, receiver, xruns=lambda: watcher.xruns if watcher is not None else None
        )
        for destination in options.feedback:
            session.feedback.subscribe(destination)
        osc_log = (
            _open_osc_log(options.record_osc, score, seed, options) if options.record_osc else None
        )
        if osc_log is not None:
            session.log_applied()
        server.setCallback(session.process)
        if options.record is not None:
            options.record.parent.mkdir(parents=True, exist_ok=True)
            record_to(server, str(options.record))
        session.prime()
        receiver.start()
        server.start()
        measures.audio_started()
        if audio != "portaudio":
            connect_jack_outputs(jack_name)
        ready(f"listening on {options.host}:{receiver.port}")
        seconds_per_buffer = options.buffersize / options.sr
        while not stop.wait(defaults.STATUS_PERIOD):
            if osc_log is not None:
                _write_applied(session, osc_log, options.sr)
            if monitor is not None:
                measures.sample_load(monitor.load)
            if status is not None:
                status(session, monitor)
            if (
                options.duration is not None
                and session.buffers * seconds_per_buffer >= options.duration
            ):
                break
            if not keep_playing():
                break
        if options.record is not None:
            server.recstop()
        if osc_log is not None:
            _write_applied(session, osc_log, options.sr)
            length = (
                _wav_seconds(options.record)
                if options.record is not None
                else session.buffers * seconds_per_buffer
            )
            osc_log.write(f"{END_MARK}{length!r}\n")
            osc_log.close()
        _fade_out(server)
        summary = {**_summary(session), **measures.results()}
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if server is not None:
            server.stop()
            time.sleep(0.05)
            server.shutdown()
        if session is not None:
            session.close()
        receiver.close()
        if monitor is not None:
            monitor.close()
        if jackd is not None:
            jackd.stop()
    return summary


def _fade_out(server: Any) -> None:
    for step in range(FADE_STEPS, -1, -1):
        server.setAmp((step / FADE_STEPS) ** 2)
        time.sleep(defaults.FADE_OUT / FADE_STEPS)


def _open_osc_log(path: Path, score: Score, seed: int, options: PlayOptions) -> IO[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    log = path.open("w", encoding="utf-8")
    log.write(
        f"# soundscape play: replay with soundscape render {options.score_file} "
        f"--timeline {path.name} --seed {seed} --sr {options.sr} "
        f"--buffer {options.buffersize}\n"
    )
    return log


def _write_applied(session: LiveSession, log: IO[str], sr: int) -> None:
    """Applied messages as timeline lines, and where scenes and stingers landed as comments
    (``# 12.5 landed /engine/scene ruins``: for people; a replay recomputes them)."""
    applied, landed = session.applied, session.feedback.landed
    assert applied is not None and landed is not None
    lines = []
    while applied:
        sample, address, args = applied.popleft()
        lines.append((sample, format_message(sample / sr, address, args)))
    while landed:
        sample, address, args = landed.popleft()
        lines.append((sample, f"# {sample / sr!r} landed {address} {' '.join(map(str, args))}"))
    for _, line in sorted(lines, key=lambda item: item[0]):
        log.write(line + "\n")
    log.flush()


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def _summary(session: LiveSession) -> dict[str, Any]:
    stats = session.stats()
    conductor = session.engine.conductor
    return {
        **{k: v for k, v in stats.items() if k != "dropped_by_reason"},
        "xruns": None if stats["xruns"] < 0 else stats["xruns"],
        "dropped": stats["dropped_by_reason"],
        "seconds": session.buffers * session.engine.buffersize / session.engine.sr,
        "scene": conductor.scene.name,
        "tempo": conductor.transport.bpm,
        "inputs": dict(conductor.bus.values),
        "targets": dict(conductor.bus.targets),
        "osc_age_ms": session.ages.percentiles_ms(),
        "last_error": session.last_error,
    }


def write_summary(summary: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
