"""``soundscape serve``: a performance for many listeners, in real time, steered over OSC.

One loop renders every listener engine a buffer each in turn (engine/ensemble/performance.py),
paced to the wall clock and kept ``SERVE_AHEAD`` ahead of it. Between buffers it takes the OSC
messages that arrived (a bounded number per buffer: the receiver's thread parsed them and
queues them within its own bounds) and hands each to the coordinator, which stamps it for one
listener or for all. Each buffer of each listener's mix goes to the sinks: its WAV file
(``--record-dir``) and the listeners' streams (``--http``: engine/ensemble/web.py). What pages
send comes through the :class:`Inbox`, drained between buffers like the OSC messages. A buffer
finished after its moment is counted ``late``: the measure of whether this machine keeps up
with this many listeners.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from engine import defaults
from engine.ensemble.cluster import Cluster
from engine.ensemble.formfeedback import PREFIX as CONTROL_PREFIX
from engine.ensemble.formfeedback import FormFeedback
from engine.ensemble.performance import Performance
from engine.ensemble.web import WebStreams
from engine.errors import SoundscapeError
from engine.osc.allow import Allowlist, check_binding, exposure
from engine.osc.receiver import OscReceiver
from engine.osc.sender import OscSender
from engine.score.model import Score

#: Called after each buffer with every listener's mix, by id, and the buffer's first sample.
Sink = Callable[[dict[str, np.ndarray], int], None]


@dataclass(frozen=True)
class ServeOptions:
    listeners: int | tuple[str, ...] = defaults.SERVE_LISTENERS
    sr: int = 48000
    buffersize: int = 256
    seed: int | None = None
    host: str = "127.0.0.1"
    port: int = defaults.OSC_PORT
    allow: Allowlist = field(default_factory=Allowlist)
    duration: float | None = None
    record_dir: Path | None = None
    spatial: str = defaults.SPATIAL_MODE
    #: ``--ray ADDRESS``: listener engines as Ray actors (``auto``, ``HOST:PORT``, ``local``).
    ray: str | None = None
    #: ``--listeners-per-actor K``: listener engines each Ray actor hosts (with ``ray`` only).
    per_actor: int = defaults.RAY_LISTENERS_PER_ACTOR
    #: Serve the listener pages on this port (0: any free one); None: no web server.
    http: int | None = None
    #: Where the streams are encoded: "loop" (the web server's thread) or "render" (the sink).
    stream_encode: str = defaults.STREAM_ENCODE_ON


@dataclass
class ServeStats:
    buffers: int = 0
    late: int = 0  # buffers finished after the moment they were due to be heard
    received: int = 0
    from_pages: int = 0  # messages taken from the inbox (the listener pages' inputs)
    render_seconds: float = 0.0  # wall time spent rendering, all listeners
    dropped: Counter[str] = field(default_factory=Counter)
    #: Games subscribed to the form's beats, scenes and keys: how many, messages sent.
    feedback: dict[str, int] = field(default_factory=dict)


class Inbox:
    """Messages for the performance from other threads (the web server's), bounded: the render
    loop takes them between buffers; beyond ``limit`` waiting they are dropped and counted."""

    def __init__(self, limit: int = defaults.INBOX_MAX) -> None:
        self.limit = limit
        self._items: deque[tuple[str, tuple[object, ...]]] = deque()
        self._lock = threading.Lock()
        self.dropped: Counter[str] = Counter()

    def put(self, address: str, args: tuple[object, ...]) -> bool:
        with self._lock:
            if len(self._items) >= self.limit:
                self.dropped["inbox_full"] += 1
                return False
            self._items.append((address, args))
            return True

    def take(self, limit: int) -> list[tuple[str, tuple[object, ...]]]:
        """Up to ``limit`` messages, oldest first."""
        with self._lock:
            count = min(limit, len(self._items))
            return [self._items.popleft() for _ in range(count)]


class Recorder:
    """Each listener's mix to ``DIR/listener-ID.wav`` (24-bit), a sink."""

    def __init__(self, folder: Path, ids: list[str], sr: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.files = {
            listener_id: soundfile.SoundFile(
                str(folder / f"listener-{listener_id}.wav"),
                "w",
                samplerate=sr,
                channels=2,
                subtype="PCM_24",
            )
            for listener_id in ids
        }

    def __call__(self, blocks: dict[str, np.ndarray], sample: int) -> None:
        for listener_id, block in blocks.items():
            self.files[listener_id].write(block)

    def close(self) -> None:
        for file in self.files.values():
            file.close()


def serve(
    score: Score,
    options: ServeOptions,
    *,
    ready: Callable[[str], None] = print,
    sinks: tuple[Sink, ...] = (),
    stop: threading.Event | None = None,
    started: Callable[[Performance | Cluster, OscReceiver], None] | None = None,
) -> dict[str, Any]:
    """Serve until ``options.duration`` has played, ``stop`` is set, or SIGINT/SIGTERM;
    returns the summary. ``started`` is called once everything is listening (embedding and
    tests: the performance and the receiver, e.g. its port)."""
    if options.duration is not None and options.duration <= 0:
        raise SoundscapeError("--duration must be more than 0 seconds")
    check_binding(options.host, options.allow)
    stop = stop or threading.Event()
    try:
        receiver = OscReceiver(options.host, options.port, allow=options.allow.permits)
    except OSError as exc:
        raise SoundscapeError(f"cannot listen on {options.host}:{options.port}: {exc}") from None
    performance: Performance | Cluster | None = None
    recorder: Recorder | None = None
    web: WebStreams | None = None
    form: FormFeedback | None = None
    inbox = Inbox()
    in_main = threading.current_thread() is threading.main_thread()
    previous = (
        {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
        if in_main
        else {}
    )
    stats = ServeStats()
    try:
        try:
            if options.ray is not None:
                performance = Cluster(
                    score,
                    options.listeners,
                    address=options.ray,
                    seed=options.seed,
                    sr=options.sr,
                    buffersize=options.buffersize,
                    spatial=options.spatial,
                    per_actor=options.per_actor,
                )
            else:
                performance = Performance(
                    score,
                    options.listeners,
                    seed=options.seed,
                    sr=options.sr,
                    buffersize=options.buffersize,
                    spatial=options.spatial,
                )
        except ValueError as exc:
            raise SoundscapeError(str(exc)) from None
        outputs = list(sinks)
        if options.record_dir is not None:
            recorder = Recorder(options.record_dir, performance.ids, options.sr)
            outputs.append(recorder)
        ids = performance.ids
        if isinstance(performance, Performance):  # on Ray the form is the coordinator's
            form = FormFeedback(
                OscSender(receiver.reply_socket()),
                options.allow,
                sr=options.sr,
                buffersize=options.buffersize,
            )
            form.follow(performance.listeners[ids[0]].engine.conductor)
        if options.http is not None:
            web = WebStreams(
                score,
                ids,
                sr=options.sr,
                host=options.host,
                port=options.http,
                allow=options.allow,
                inbox=inbox,
                encode_on=options.stream_encode,
            )
            outputs.append(web)
            web.start()
        receiver.start()
        if options.allow:
            ready(exposure(options.host, receiver.port, options.allow, replies=False))
        ready(
            f"serving {len(ids)} listeners ({_ids(ids)}) of {score.title!r} "
            f"on {options.host}:{receiver.port}; /listener/ID/... reaches one, the rest reach all"
        )
        if web is not None:
            ready(f"listener pages on {web.url} (each listener at {web.url}listen/ID)")
        if started is not None:
            started(performance, receiver)
        _run(performance, receiver, inbox, form, options, outputs, stats, stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        receiver.close()
        if web is not None:
            web.close()
        if recorder is not None:
            recorder.close()
        if form is not None:
            stats.dropped.update(form.dropped)
            stats.feedback = form.summary()
            form.close()
        summary = _summary(performance, receiver, inbox, web, options, stats)
        if performance is not None:
            performance.close()
    return summary


def _run(
    performance: Performance | Cluster,
    receiver: OscReceiver,
    inbox: Inbox,
    form: FormFeedback | None,
    options: ServeOptions,
    sinks: list[Sink],
    stats: ServeStats,
    stop: threading.Event,
) -> None:
    # a step is one buffer in one process, a chunk of them on Ray (its blocks are that long)
    chunk = performance.chunk if isinstance(performance, Cluster) else 1
    period = chunk * options.buffersize / options.sr
    total = None if options.duration is None else max(1, round(options.duration / period))
    origin = time.monotonic()
    index = 0
    while not stop.is_set() and (total is None or index < total):
        due = origin + index * period  # when this buffer starts to be heard
        wait = due - defaults.SERVE_AHEAD - time.monotonic()
        if wait > 0:
            stop.wait(wait)
        for message in receiver.due(limit=defaults.OSC_TAKE_PER_BUFFER):
            stats.received += 1
            if not message.address.startswith(CONTROL_PREFIX):
                performance.send(message.address, *message.args)
            elif form is not None:
                form.control(message, performance.sample)
            else:
                stats.dropped["no_feedback_on_ray"] += 1
        for address, args in inbox.take(defaults.INBOX_TAKE_PER_BUFFER):
            stats.from_pages += 1
            performance.send(address, *args)
        sample = performance.sample
        began = time.monotonic()
        blocks = performance.step()
        if form is not None:
            form.release(performance.sample)
        for sink in sinks:
            sink(blocks, sample)
        finished = time.monotonic()
        stats.render_seconds += finished - began
        if finished > due + period:
            stats.late += 1
        index += 1
    stats.buffers = index * chunk


def _ids(ids: list[str]) -> str:
    return ", ".join(ids) if len(ids) <= 8 else f"{ids[0]} … {ids[-1]}"


def _summary(
    performance: Performance | Cluster | None,
    receiver: OscReceiver,
    inbox: Inbox,
    web: WebStreams | None,
    options: ServeOptions,
    stats: ServeStats,
) -> dict[str, Any]:
    seconds = stats.buffers * options.buffersize / options.sr
    dropped = Counter(receiver.dropped)
    dropped.update(inbox.dropped)
    dropped.update(stats.dropped)
    if web is not None:
        dropped.update(web.dropped)
    listeners: dict[str, Any] = {}
    rejoins: list[dict[str, Any]] = []
    if isinstance(performance, Cluster):
        report = performance.report()
        dropped.update(performance.dropped)
        dropped.update(report["dropped"])
        rejoins = report["rejoins"]
        for listener_id, status in report["listeners"].items():
            dropped.update(status.get("refused", {}))
            listeners[listener_id] = status
    elif performance is not None:
        dropped.update(performance.refused())
        listeners = {i: listener.status() for i, listener in performance.listeners.items()}
    extra = {"rejoins": rejoins} if isinstance(performance, Cluster) else {}
    return {
        **extra,
        "listeners": listeners,
        "seconds": round(seconds, 3),
        "buffers": stats.buffers,
        "late": stats.late,
        "received": stats.received,
        "from_pages": stats.from_pages,
        "feedback": stats.feedback,
        "dropped": dict(dropped),
        # how much of the wall clock rendering took: under 1 keeps up, with room to spare
        "load": round(stats.render_seconds / seconds, 4) if seconds else 0.0,
        **({"http": web.summary()} if web is not None else {}),
    }
