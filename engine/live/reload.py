"""Live reload: a changed score is read in another process, staged beside the audio and played
from the next bar line (``soundscape play --watch``, and ``/engine/reload`` on demand).

Reading a score (YAML, motifs, samples) is CPU-bound Python, and a CPU-bound Python thread next
to pyo's callback is what caused 1,914 xruns in 30 s (notes/pyo.md): it happens in a worker
process, so the audio thread never waits for it. The worker sends back the score and only the
sound files that changed (compared by digest), so taking its answer costs the main thread a
small unpickle. Building the channels the new score adds is done by the main thread between
the audio callback's buffers (pyo objects made beside a running server); the engine then swaps
scores at the bar line (:meth:`engine.render.engine.Engine.reload`).

A score that does not load keeps the last good one playing: the error, as
``file:line:column: field: problem``, is printed and sent to subscribers as ``/engine/error``.
Watching uses watchdog (the operating system's file events; see docs/osc.md, "Live reload").
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from engine import defaults
from engine.catalog import default_catalog
from engine.errors import SoundscapeError
from engine.live.session import LiveSession
from engine.samples.model import SampleSet
from engine.score.assets import Assets, load_assets
from engine.score.files import is_material, score_files
from engine.score.loader import load_score
from engine.score.model import Score


@dataclass
class Read:
    """What the worker process sends back: a score with the sounds that changed, or an error."""

    score: Score | None = None
    error: str = ""
    #: Sample sets whose digest differs from the ones the engine holds, by channel.
    changed: dict[str, SampleSet] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def read_score(path: str, sr: int, digests: dict[str, str], soundfonts: tuple[str, ...]) -> Read:
    """Load the score at ``path`` and its sounds at ``sr`` (in the worker process)."""
    started = time.perf_counter()
    try:
        score = load_score(path, default_catalog(), soundfonts)
        assets = load_assets(score, sr)
    except SoundscapeError as exc:
        return Read(error=str(exc), seconds=time.perf_counter() - started)
    now = {channel: digest(sample_set) for channel, sample_set in assets.sets.items()}
    changed = {c: s for c, s in assets.sets.items() if digests.get(c) != now[c]}
    return Read(score, "", changed, now, time.perf_counter() - started)


def digest(sample_set: SampleSet) -> str:
    """A digest of what a sampler plays: every buffer's samples and every zone."""
    h = hashlib.blake2b(digest_size=16)
    for buffer in sample_set.samples:
        h.update(buffer.tobytes())
    h.update(repr(sample_set.zones).encode())
    return h.hexdigest()


def _warm() -> None:
    """Nothing: submitted once so the worker has imported the engine before the first edit."""


def _yield_to_the_audio() -> None:
    """The worker's first act: a lower CPU priority, so on a busy machine the audio process
    gets the core first and a reload is the one that waits."""
    os.nice(defaults.RELOAD_NICENESS)


class Reloader:
    """Reads the score again when its files change (with ``watch``) or ``/engine/reload`` asks,
    and stages each good read into the session. :meth:`poll` runs in the player's main loop;
    the watcher's thread only records the time of the last change."""

    def __init__(
        self,
        session: LiveSession,
        path: Path,
        *,
        watch: bool,
        say: Callable[[str], None],
        soundfonts: tuple[str, ...] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.path = path.resolve()
        self.say = say
        self.soundfonts = soundfonts
        self.clock = clock
        self.score = session.engine.score
        self.digests = {
            channel: digest(sample_set)
            for channel, sample_set in session.engine.assets.sets.items()
        }
        self.reloads = 0  # scores staged
        self.failures = 0  # reads or stagings that failed
        self.last_error = ""
        self._requests = session.reload_requests
        self._changed_at: float | None = None
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._reading: tuple[Future[Read], float] | None = None
        self._observer: Observer | None = None  # type: ignore[valid-type]
        self._watched: set[Path] = set()
        if watch:
            self._observer = Observer()
            self._observer.daemon = True
            self._watch(score_files(self.score))
            self._observer.start()
            self._start_pool()

    # -- watching ---------------------------------------------------------------------------
    def _watch(self, files: frozenset[Path]) -> None:
        """Watch the folders of ``files`` (and the score's folder tree, for its motifs)."""
        assert self._observer is not None
        folders = {p.parent for p in files}
        for folder in sorted(folders - self._watched):
            if folder.is_dir():
                recursive = folder == self.path.parent
                self._observer.schedule(_Handler(self), str(folder), recursive=recursive)
                self._watched.add(folder)

    def changed(self, path: Path) -> None:
        """A file event (the watcher's thread): note when, if it can change the score."""
        if is_material(path, self.score) or path.resolve() == self.path:
            with self._lock:
                self._changed_at = self.clock()

    # -- the main loop's part ---------------------------------------------------------------
    def poll(self) -> None:
        """Start a read when one is due, and take a finished one (the player's main loop)."""
        now = self.clock()
        if self.session.reload_requests != self._requests:
            self._requests = self.session.reload_requests
            with self._lock:
                self._changed_at = now - defaults.RELOAD_DEBOUNCE  # asked for: at once
        if self._reading is not None:
            future, started = self._reading
            if future.done():
                self._reading = None
                self._take(future)
            elif now - started > defaults.RELOAD_TIMEOUT:
                self._reading = None
                self._fail(f"{self.path}: reading took over {defaults.RELOAD_TIMEOUT:g} s")
                self._stop_pool()
            return
        with self._lock:
            due = (
                self._changed_at is not None and now - self._changed_at >= defaults.RELOAD_DEBOUNCE
            )
            if due:
                self._changed_at = None
        if due:
            pool = self._pool or self._start_pool()
            sr = self.session.engine.sr
            self._reading = (
                pool.submit(read_score, str(self.path), sr, self.digests, self.soundfonts),
                now,
            )

    def busy(self) -> bool:
        """Whether a read is waiting or running (the player polls sooner meanwhile)."""
        return self._reading is not None or self._changed_at is not None

    def _take(self, future: Future[Read]) -> None:
        try:
            read = future.result()
        except Exception as exc:  # the worker died (killed, out of memory): say so, play on
            self._fail(f"{self.path}: the reading process failed: {type(exc).__name__}: {exc}")
            self._stop_pool()
            return
        if read.score is None:
            self._fail(read.error)
            return
        engine = self.session.engine
        sets = {c: s for c, s in engine.assets.sets.items() if c in read.digests}
        sets.update(read.changed)
        try:
            staged = engine.stage(read.score, Assets(sets, read.seconds), set(read.changed))
        except SoundscapeError as exc:
            self._fail(f"{self.path}: {exc}")
            return
        # What staging made (a score, instruments: thousands of objects) leaves the collector's
        # generations now, so no later collection walks them inside an audio buffer. Only a
        # freeze: a full collection here would hold the GIL for ~10 ms (render/engine.py).
        gc.freeze()
        self.session.install(staged)
        self.score, self.digests = read.score, read.digests
        self.reloads += 1
        self.last_error = ""
        if self._observer is not None:
            self._watch(score_files(read.score))
        bar = engine.conductor.transport.bar
        self.say(f"reloaded {self.path.name} (read in {read.seconds:.2f} s): from bar {bar + 2}")

    def _fail(self, error: str) -> None:
        self.failures += 1
        self.session.reload_failures += 1
        self.last_error = error
        self.say(f"reload failed, the last good score plays on: {error}")
        self.session.notify("/engine/error", [error[: defaults.RELOAD_ERROR_CHARS]])

    # -- the worker process -----------------------------------------------------------------
    def _start_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: a forked child of a process running pyo's and JACK's threads can
        # inherit their locks held.
        context = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=context, initializer=_yield_to_the_audio
        )
        self._pool.submit(_warm)
        return self._pool

    def _stop_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()  # a read that hangs must not outlive the session
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=2.0)
        self._stop_pool()


class _Handler(FileSystemEventHandler):
    def __init__(self, reloader: Reloader) -> None:
        self.reloader = reloader

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write") or event.is_directory:
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                text = raw.decode() if isinstance(raw, bytes) else raw
                self.reloader.changed(Path(text))
