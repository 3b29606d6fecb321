"""``soundscape play``: a score in real time, until the duration elapses or a signal stops it.

The audio thread runs :meth:`LiveSession.process` once per buffer; this module sets everything up
around it and then keeps the main thread cheap and mostly asleep: every ``STATUS_PERIOD`` it
writes the applied-message log, keeps the recorded files in check (:mod:`engine.live.recordings`:
nothing is lost silently) and refreshes the status view. On SIGINT, SIGTERM or SIGHUP (its
terminal closed) it stops the recordings, fades out over ``FADE_OUT`` seconds, closes the device
and returns normally.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from engine import defaults
from engine.errors import SoundscapeError
from engine.live.audio import connect_jack_outputs, default_backend, realtime_server
from engine.live.jack import DummyJackServer, JackMonitor
from engine.live.measure import PlayMeasures
from engine.live.recordings import Recordings
from engine.live.session import LiveSession
from engine.osc.allow import Allowlist, check_binding, exposure
from engine.osc.receiver import OscReceiver
from engine.osc.sender import Destination
from engine.render.engine import Engine
from engine.render.outputs import check_output
from engine.score.model import Score

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
    feedback: list[Destination] = field(default_factory=list)  # permanent subscribers
    allow: Allowlist = field(default_factory=Allowlist)  # who may send, beyond this machine
    subscription_ttl: float = defaults.SUBSCRIPTION_TTL
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
    check_binding(options.host, options.allow)
    for output in (options.record, options.record_osc):
        if output is not None:
            check_output(output)  # before any audio: a bad path costs nothing
    try:
        receiver = OscReceiver(options.host, options.port, allow=options.allow.permits)
    except OSError as exc:
        raise SoundscapeError(
            f"cannot listen on {options.host}:{options.port}: {exc.strerror}"
        ) from None
    jackd = (
        DummyJackServer(sr=options.sr, buffersize=options.buffersize) if audio == "dummy" else None
    )
    monitor: JackMonitor | None = None
    server = None
    session: LiveSession | None = None
    measures = PlayMeasures()
    recordings = Recordings()
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
            engine,
            receiver,
            xruns=lambda: watcher.xruns if watcher is not None else None,
            allowlist=options.allow,
            subscription_ttl=options.subscription_ttl,
        )
        for destination in options.feedback:
            session.feedback.subscribe(destination, permanent=True)
        if options.record_osc is not None:
            header = _osc_log_header(options.record_osc, score, seed, options)
            recordings.log_osc(session, options.record_osc, header)
        server.setCallback(session.process)
        if options.record is not None:
            recordings.record(server, options.record, options.buffersize)
        session.prime()
        receiver.start()
        server.start()
        measures.audio_started()
        if audio != "portaudio":
            connect_jack_outputs(jack_name)
        if options.allow:
            ready(exposure(options.host, receiver.port, options.allow))
        ready(f"listening on {options.host}:{receiver.port}")
        seconds_per_buffer = options.buffersize / options.sr
        while not stop.wait(defaults.STATUS_PERIOD):
            recordings.update(session)
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
        recordings.finish(session)
        _fade_out(server)
        summary = {
            **_summary(session),
            **measures.results(),
            "recordings": recordings.outcomes(),
        }
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


def _osc_log_header(path: Path, score: Score, seed: int, options: PlayOptions) -> str:
    return (
        f"# soundscape play: replay with soundscape render {options.score_file} "
        f"--timeline {path.name} --seed {seed} --sr {options.sr} "
        f"--buffer {options.buffersize}"
    )


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
