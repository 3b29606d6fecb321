"""``soundscape play``: a score in real time, until the duration elapses or a signal stops it.

The audio thread runs :meth:`LiveSession.process` once per buffer; this module sets everything up
around it and then keeps the main thread cheap and mostly asleep: every ``STATUS_PERIOD`` it
writes the applied-message log, keeps the recorded files in check (:mod:`engine.live.recordings`:
nothing is lost silently) and refreshes the status view. On SIGINT, SIGTERM or SIGHUP (its
terminal closed) it stops the recordings, fades out over ``FADE_OUT`` seconds, closes the device
and returns normally.

It also watches the audio (:mod:`engine.live.health`). If the private server of ``--audio dummy``
dies, it starts a new one and rebuilds the instruments on it while the conductor goes on (inputs,
scene, tempo and bar are kept; what was sounding is lost); if an external server dies, or the
private one cannot be restarted, it stops and the summary says why (``audio_failure``: the
command then exits with ``AUDIO_FAILED``). ``--duration`` is also a wall-clock limit, so a session
whose audio stopped still ends on time.
"""

from __future__ import annotations

import ipaddress
import json
import math
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from engine import defaults
from engine.dsp.realtime import realtime_server
from engine.errors import SoundscapeError, listen_problem
from engine.live.audio import connect_jack_outputs, default_backend
from engine.live.baselines import read_baselines, write_baselines
from engine.live.consoleproc import ConsoleProcess
from engine.live.health import StallWatch, audio_death
from engine.live.jack import DummyJackServer, JackMonitor
from engine.live.measure import PlayMeasures
from engine.live.oscquery import OscQueryServer
from engine.live.recordings import Recordings
from engine.live.reload import Reloader
from engine.live.session import LiveSession
from engine.osc.allow import Allowlist, check_binding, exposure
from engine.osc.receiver import OscReceiver
from engine.osc.sender import Destination
from engine.render.engine import Engine
from engine.render.outputs import check_output, describe
from engine.score.model import ComfortSpec, Score

#: Steps of the fade-out ramp (pyo smooths each step over a buffer).
FADE_STEPS = 25
#: Exit status of ``soundscape play`` when the audio server died and playing could not go on.
AUDIO_FAILED = 4


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
    record_midi: Path | None = None  # every note played, as a MIDI file
    duration: float | None = None  # seconds of audio, then stop; None: until a signal
    jack_server: str | None = None  # --audio jack: which server (None: the default)
    score_file: str = "SCORE"  # named in the replay hint of --record-osc
    watch: bool = False  # reload the score when its files change (/engine/reload works anyway)
    soundfonts: tuple[str, ...] = ()  # --soundfont: where reloads look for SoundFonts first
    comfort: str | None = None  # --comfort: a preset that outlasts reloads (docs/comfort.md)
    oscquery: int | None = None  # serve OSCQuery on this TCP port (0: any free one); None: no
    console: int | None = None  # --console: the browser console's port (0: any); None: none
    score_path: Path | None = None  # the score file, which the console shows with its errors
    feedback_ahead: float = defaults.FEEDBACK_AHEAD  # s; 0: feedback un-bundled, when computed
    output_latency: float | None = None  # s; None: JACK's playback latency, or two buffers
    baselines: Path | None = None  # listeners' resting heart rates by seed, read and written
    spatial: str = defaults.SPATIAL_MODE  # how placed layers sound (docs/spatial.md)


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
    for output in (options.record, options.record_osc, options.record_midi, options.baselines):
        if output is not None:
            check_output(output)  # before any audio: a bad path costs nothing
    known = read_baselines(options.baselines) if options.baselines is not None else {}
    try:
        receiver = OscReceiver(options.host, options.port, allow=options.allow.permits)
    except OSError as exc:
        raise SoundscapeError(
            f"cannot listen on {options.host}:{options.port}: {listen_problem(exc)}"
        ) from None
    jackd = (
        DummyJackServer(sr=options.sr, buffersize=options.buffersize) if audio == "dummy" else None
    )
    monitor: JackMonitor | None = None
    console: ConsoleProcess | None = None
    server = None
    session: LiveSession | None = None
    reloader: Reloader | None = None
    measures = PlayMeasures()
    recordings = Recordings()
    restarts, failure = 0, None
    oscquery: OscQueryServer | None = None
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set())
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    try:
        if options.oscquery is not None:  # before the audio: starting a process costs time
            oscquery = OscQueryServer.start(
                score, host=options.host, osc_port=receiver.port, http_port=options.oscquery
            )
            ready(
                f"oscquery on http://{options.host}:{oscquery.port}/"
                + (" (advertised over mDNS)" if oscquery.mdns else "")
            )
        if options.console is not None:  # before the audio: a port in use costs nothing
            console = ConsoleProcess.start(
                engine_host=_local_address(options.host),
                engine_port=receiver.port,
                port=options.console,
                score=options.score_path,
                soundfonts=options.soundfonts,
            )
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
        engine = Engine(
            score, sr=sr, buffersize=buffersize, seed=seed, metering=True, spatial=options.spatial
        )
        if options.comfort is not None:
            engine.conductor.comfort_override = ComfortSpec.preset(options.comfort)
        engine.conductor.bus.adopt_listener(seed, known)
        watcher, lost_xruns = monitor, 0  # lost_xruns: counted by monitors of dead servers
        session = LiveSession(
            engine,
            receiver,
            xruns=lambda: lost_xruns + watcher.xruns if watcher is not None else None,
            allowlist=options.allow,
            subscription_ttl=options.subscription_ttl,
            feedback_ahead=options.feedback_ahead,
            output_latency=_output_latency(options, None),
        )
        for destination in options.feedback:
            session.feedback.subscribe(destination, permanent=True)
        if options.record_osc is not None:
            header = _osc_log_header(options.record_osc, score, seed, options)
            recordings.log_osc(session, options.record_osc, header)
        if options.record_midi is not None:
            recordings.record_midi(session, options.record_midi)
        reloader = Reloader(
            session,
            Path(score.file),
            watch=options.watch,
            say=ready,
            soundfonts=options.soundfonts,
        )
        server.setCallback(session.process)
        if options.record is not None:
            recordings.record(server, options.record, options.buffersize)
        session.prime()
        receiver.start()
        server.start()
        measures.audio_started()
        if audio != "portaudio":
            session.feedback.latency = _output_latency(options, connect_jack_outputs(jack_name))
        if options.allow:
            ready(exposure(options.host, receiver.port, options.allow))
        if console is not None:
            ready(console.ready_line)
        ready(f"listening on {options.host}:{receiver.port}")
        seconds_per_buffer = options.buffersize / options.sr
        wall_end = _wall_end(options.duration)
        stall = StallWatch(defaults.AUDIO_STALL)
        if options.watch:
            ready(f"watching {Path(score.file).name} and its files: an edit plays from a bar line")
        while not stop.wait(defaults.RELOAD_POLL if reloader.busy() else defaults.STATUS_PERIOD):
            reloader.poll()
            recordings.update(session)
            if console is not None and console.ended() is not None:
                ready(f"note: the console stopped ({console.ended()}); the music plays on")
                console = None
            if monitor is not None:
                measures.sample_load(monitor.load)
            if status is not None:
                status(session, monitor)
            death = audio_death(
                jackd=jackd,
                monitor=monitor,
                pyo_booted=server.getIsBooted(),
                stalled=stall.stalled(session.buffers),
            )
            if death is not None and not server.getIsBooted():
                death = _more_specific(death, jackd, monitor)
            if death is not None:
                _count_death(session, death)
                if jackd is None or restarts >= defaults.AUDIO_RESTARTS:
                    failure = death
                    break
                ready(f"note: {death}; starting a new one")
                if monitor is not None:
                    lost_xruns += monitor.xruns
                    monitor.close()
                noticed = time.monotonic()
                try:
                    recordings.cut(f"{death} (a new server cannot append to the take)")
                    server, monitor = _restart(jackd, server, session, options, seed)
                except SoundscapeError as exc:
                    failure = f"{death}, and restarting it failed: {exc}"
                    break
                watcher, restarts = monitor, restarts + 1
                stall.reset()
                ready(f"note: playing again, {time.monotonic() - noticed:.2f} s after")
            if (
                options.duration is not None
                and session.buffers * seconds_per_buffer >= options.duration
            ) or time.monotonic() >= wall_end:
                break
            if not keep_playing():
                break
        if failure is None:  # stopped by a signal: say if the audio had died unnoticed so far
            failure = audio_death(
                jackd=jackd, monitor=monitor, pyo_booted=server.getIsBooted(), stalled=None
            )
            if failure is not None:
                _count_death(session, failure)
        recordings.finish(session)
        _fade_out(server)
        summary = {
            **_summary(session),
            "baselines_error": _keep_baselines(session, options.baselines),
            **measures.results(),
            "recordings": recordings.outcomes(),
            "audio_restarts": restarts,
            "audio_failure": failure,
        }
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if console is not None:
            console.stop()
        if server is not None and server.getIsBooted():  # pyo shuts down by itself if JACK dies
            _close_audio(server, monitor)
        elif monitor is not None:
            _bounded(monitor.close)
        if reloader is not None:
            reloader.close()
        if session is not None:
            session.close()
        receiver.close()
        if oscquery is not None:
            oscquery.close()
        if jackd is not None:
            jackd.stop()
    return summary


def _keep_baselines(session: LiveSession, path: Path | None) -> str | None:
    """Write the listeners' baselines (the one listening now included) to ``path``; the reason
    if that failed."""
    if path is None:
        return None
    bus = session.engine.conductor.bus
    bus.keep_baseline()
    try:
        write_baselines(path, dict(bus.baselines))
    except OSError as exc:
        return f"cannot write {path}: {describe(exc)}"
    return None


def _local_address(host: str) -> str:
    """Where a client on this machine reaches an engine listening on ``host``: loopback for
    loopback and every-interface bindings, else that address itself."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "127.0.0.1"
    return "127.0.0.1" if address.is_loopback or address.is_unspecified else str(address)


def _wall_end(duration: float | None) -> float:
    """When a session with this ``--duration`` must end by the wall clock, whatever the audio
    did (``time.monotonic`` seconds)."""
    if duration is None:
        return math.inf
    return time.monotonic() + duration + defaults.DURATION_SLACK


def _output_latency(options: PlayOptions, measured: float | None) -> float:
    """The output latency stamps add (s): --output-latency, else what JACK measured, else
    ``OUTPUT_LATENCY_BUFFERS`` buffers."""
    if options.output_latency is not None:
        return options.output_latency
    if measured is not None:
        return measured
    return defaults.OUTPUT_LATENCY_BUFFERS * options.buffersize / options.sr


def _more_specific(death: str, jackd: DummyJackServer | None, monitor: JackMonitor | None) -> str:
    """When pyo lost its JACK client, the server itself has often died too, and the JACK
    monitor hears why a moment later (both notice the same broken connection, in either
    order): wait up to ``defaults.DEATH_GRACE`` for that more specific reason."""
    deadline = time.monotonic() + defaults.DEATH_GRACE
    while monitor is not None and time.monotonic() < deadline:
        if (jackd is not None and jackd.death() is not None) or monitor.shutdown is not None:
            return (
                audio_death(jackd=jackd, monitor=monitor, pyo_booted=False, stalled=None) or death
            )
        time.sleep(0.02)
    return death


def _count_death(session: LiveSession, death: str) -> None:
    """An audio death is an error of the session (the callback is not running: no race)."""
    session.errors += 1
    session.last_error = death


def _restart(
    jackd: DummyJackServer, server: Any, session: LiveSession, options: PlayOptions, seed: int
) -> tuple[Any, JackMonitor]:
    """A new private server, a new pyo server on it, the engine's instruments rebuilt there and
    playing on: returns the new pyo server and monitor. The old pyo server is left as pyo shut it
    down; its objects go with the old orchestra. Tries ``AUDIO_RESTART_ATTEMPTS`` times: the new
    server may die too, before it has played for ``AUDIO_RESTART_SETTLE``."""
    for attempt in range(1, defaults.AUDIO_RESTART_ATTEMPTS + 1):
        jackd.restart()
        deadline = time.monotonic() + defaults.AUDIO_RESTART_SETTLE
        while server.getIsBooted() and time.monotonic() < deadline:
            time.sleep(0.01)  # pyo shuts its server down from JACK's thread when jackd dies
        monitor = JackMonitor.connect(jackd.name)
        try:
            server = realtime_server(
                "dummy",
                sr=options.sr,
                buffersize=options.buffersize,
                seed=seed,
                jack_server=jackd.name,
            )
            session.engine.rebuild_sound(defaults.AUDIO_RESTART_FADE_IN)
            session.feedback.levels = session.engine.orchestra.levels
            server.setCallback(session.process)
            server.start()
            session.feedback.latency = _output_latency(options, connect_jack_outputs(jackd.name))
            time.sleep(defaults.AUDIO_RESTART_SETTLE)
            if server.getIsBooted():
                return server, monitor
            problem = jackd.death() or "pyo lost its new JACK client at once"
        except Exception as exc:  # pyo refuses objects on a server that just shut down, etc.
            problem = f"{type(exc).__name__}: {exc}"
        monitor.close()
        if attempt == defaults.AUDIO_RESTART_ATTEMPTS:
            raise SoundscapeError(f"{attempt} attempts, the last: {problem}")
    raise AssertionError("unreachable")


def _close_audio(server: Any, monitor: JackMonitor | None) -> None:
    def close() -> None:
        server.stop()
        time.sleep(0.05)
        server.shutdown()
        if monitor is not None:
            monitor.close()

    _bounded(close)


def _bounded(action: Callable[[], None]) -> None:
    """Run ``action`` but wait for it at most ``AUDIO_CLOSE_TIMEOUT``: a JACK server that froze
    (stopped, not dead) never answers a client's goodbye, and the engine must still exit. The
    thread left waiting is a daemon; the process ends without it."""
    worker = threading.Thread(target=action, name="audio-close", daemon=True)
    worker.start()
    worker.join(defaults.AUDIO_CLOSE_TIMEOUT)


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
        # from the same count as "buffers": the callback may still run while this is read
        "seconds": stats["buffers"] * session.engine.buffersize / session.engine.sr,
        "scene": conductor.scene.name,
        "tempo": conductor.transport.bpm,
        "inputs": dict(conductor.bus.values),
        "targets": dict(conductor.bus.targets),
        "heard": dict(conductor.bus.last_heard),
        "osc_age_ms": session.ages.percentiles_ms(),
        "last_error": session.last_error,
        "samples": session.engine.assets.summary(),
        "why": [f"{seconds:.2f} s {reason}" for seconds, reason in session.feedback.whys],
    }


def write_summary(summary: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
