"""Listener engines as Ray actors spread over a cluster, restarted when they die (docs/scale.md,
"Across machines with Ray"; ``pip install '.[cluster]'``).

The coordinator (:class:`Coordinator`, run as a Ray actor by :class:`Cluster`) owns what the
listeners share and what a listener needs to come back: each listener's state as messages (the
last value of each input it was sent, its baseline, its head, where its sources are), its seed,
its learned baseline (each chunk's answer carries it), and the form's position, which it keeps
with a **form twin**: a conductor built like every listener's (``shared_form``), with no
orchestra, fed the same messages sent to all on the same buffer grid. Since the form follows
only those messages, the twin's transport, form inputs, entrainment and mode selector are every
listener's; it costs a conductor's Python per buffer and never asks a listener, so a rejoin does
not wait on a living actor or a network round trip.

Each listener engine runs in a :class:`ListenerActor`, created with ``max_restarts`` and the
SPREAD strategy, rendering ``chunk`` buffers per call (one Ray call costs far more than a buffer
of Python: docs/scale.md has the measurement). A call that fails because the actor died marks
the listener lost (its chunks are silence); Ray restarts the actor (the same id and seed: the
same constructor arguments); once it answers, the coordinator hands it the form
(:meth:`Conductor.form_state`, taken between two bars' decisions) and its own state, and it
plays from the next bar line, silent until then. The other listeners never wait for it.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine import defaults
from engine.catalog import default_catalog
from engine.conductor.conductor import Conductor, FormState
from engine.ensemble.addresses import (
    check_listener_id,
    default_ids,
    listener_seed,
    split_listener,
)
from engine.ensemble.listener import ListenerEngine, Stamped
from engine.errors import SoundscapeError
from engine.score.model import Score
from engine.state.router import Router

#: Addresses whose last value is state a restarted listener gets back (the rest are moments:
#: events; or the form, which comes from the twin; or the seed, which is kept on its own).
_STATE_PREFIXES = ("/state/", "/source/")
_STATE_ADDRESSES = ("/listener/baseline", "/listener/orientation")
#: Addresses the twin never needs: they cannot change the form.
_PERSONAL_ONLY = ("/source/", "/listener/orientation")


def require_ray() -> Any:
    """The ``ray`` module, or a SoundscapeError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise SoundscapeError(
            "--ray needs Ray, which is not installed: pip install '.[cluster]'"
        ) from None
    return ray


def is_state(address: str) -> bool:
    return address.startswith(_STATE_PREFIXES) or address in _STATE_ADDRESSES


@dataclass
class Chunk:
    """What a listener actor hands back for one call."""

    audio: np.ndarray  # (buffers * frames, 2) float32
    bars: list[tuple[int, float]]  # each bar line crossed: (bar, its sample)
    baseline: float | None  # the listener's resting heart rate, learned or set


class ListenerActor:
    """One listener engine inside a Ray actor (:func:`_listener_class` makes it remote)."""

    def __init__(
        self, score: Score, listener_id: str, seed: int, sr: int, buffersize: int, spatial: str
    ) -> None:
        self.listener = ListenerEngine(
            score, listener_id, performance_seed=0, sr=sr, buffersize=buffersize,
            spatial=spatial, seed=seed,
        )  # fmt: skip
        self._bar = -1

    def alive(self) -> int:
        """This actor's process id: answers once a restarted actor is up."""
        return os.getpid()

    def rejoin(
        self, sample: int, form: FormState, state: list[tuple[str, tuple[object, ...], bool]]
    ) -> int:
        self.listener.rejoin(sample, form, state)
        self._bar = form.transport.bar
        return os.getpid()

    def render(self, start: int, buffers: int, messages: list[Stamped]) -> Chunk:
        listener = self.listener
        if listener.sample != start:
            raise RuntimeError(f"listener {listener.id} is at {listener.sample}, not {start}")
        for message in messages:
            listener.post(message)
        blocks, bars = [], []
        transport = listener.engine.conductor.transport
        for _ in range(buffers):
            blocks.append(listener.render())
            if transport.bar != self._bar:
                self._bar = transport.bar
                bars.append((transport.bar, transport.bar_start))
        baseline = listener.engine.conductor.bus.baseline.value
        return Chunk(np.concatenate(blocks), bars, baseline)

    def status(self) -> dict[str, Any]:
        listener = self.listener
        conductor = listener.engine.conductor
        return {
            "seed": conductor.seed,
            "bar": conductor.transport.bar,
            "scene": conductor.scene.name,
            "inputs": dict(conductor.bus.values),
            "baseline": conductor.bus.baseline.value,
            "refused": dict(listener.refused()),
            "pid": os.getpid(),
            "node": _node_id(),
        }

    def close(self) -> None:
        self.listener.close()


def _node_id() -> str:
    ray = require_ray()
    return str(ray.get_runtime_context().get_node_id())


@dataclass
class Lost:
    """A listener whose actor died: since which sample, and the call waiting for it to be back."""

    since: int
    wall: float
    alive: Any  # an ObjectRef


@dataclass
class Rejoin:
    """One death and return, for the summary and the tests."""

    listener: str
    lost_at: int  # the first sample it did not play
    rejoined_at: int  # the buffer line it was restarted at
    bar: int  # the bar it enters at its line
    bar_sample: float
    restart_seconds: float  # wall time from the failed call's start to the actor answering


@dataclass
class _Twin:
    conductor: Conductor
    router: Router
    queue: list[tuple[int, str, tuple[object, ...]]] = field(default_factory=list)


class Coordinator:
    """The performance's shared state and its listener actors (a Ray actor in :class:`Cluster`;
    plain Python otherwise, in a process connected to Ray)."""

    def __init__(
        self,
        score: Score,
        ids: list[str],
        *,
        seed: int,
        sr: int,
        buffersize: int,
        spatial: str,
        chunk: int,
        wait_restart: float,
    ) -> None:
        self.ray = ray = require_ray()
        self.score, self.seed, self.sr, self.buffersize = score, seed, sr, buffersize
        self.chunk, self.wait_restart = chunk, wait_restart
        self.sample = 0
        self.ids = ids
        self.seeds = {i: listener_seed(seed, i) for i in ids}
        self.first_seeds = dict(self.seeds)
        #: Each listener's state as messages: address -> (args, personal), the latest last.
        self.state: dict[str, OrderedDict[str, tuple[tuple[object, ...], bool]]] = {
            i: OrderedDict() for i in ids
        }
        self.baselines: dict[str, float] = {}
        self.outbox: dict[str, list[Stamped]] = {i: [] for i in ids}
        self.lost: dict[str, Lost] = {}
        self.rejoins: list[Rejoin] = []
        self.bars: dict[str, dict[int, float]] = {i: {} for i in ids}
        self.dropped: Counter[str] = Counter()
        self.twin = _Twin(
            Conductor(
                score, default_catalog(), sr=sr, buffersize=buffersize, seed=seed,
                shared_form=True,
            ),
            Router(score),
        )  # fmt: skip
        remote = ray.remote(ListenerActor).options(
            max_restarts=defaults.RAY_MAX_RESTARTS,
            max_task_retries=0,  # a chunk is never rendered twice: a lost one is silence
            num_cpus=defaults.RAY_LISTENER_CPUS,
            scheduling_strategy="SPREAD",
        )
        self.actors = {
            i: remote.remote(score, i, self.seeds[i], sr, buffersize, spatial) for i in ids
        }
        ray.get([actor.alive.remote() for actor in self.actors.values()])

    # -- messages -----------------------------------------------------------------------------
    def send(self, address: str, *args: object) -> bool:
        """As :meth:`Performance.send`: applied before the next chunk, to one listener or all."""
        listener_id, address = split_listener(address)
        if listener_id is None:
            if address == "/seed":
                return self._reseed(args)
            self.twin.queue.append((self.sample, address, args))
            for i in self.ids:
                self._post(i, Stamped(self.sample, address, args, personal=False))
            return True
        if listener_id not in self.outbox:
            self.dropped["unknown_listener"] += 1
            return False
        self._post(listener_id, Stamped(self.sample, address, args, personal=True))
        return True

    def _post(self, listener_id: str, message: Stamped) -> None:
        if is_state(message.address):
            state = self.state[listener_id]
            state.pop(message.address, None)
            state[message.address] = (message.args, message.personal)
        if message.address == "/seed" and message.personal and message.args:
            value = message.args[0]
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                self.seeds[listener_id] = value
        if listener_id not in self.lost:
            self.outbox[listener_id].append(message)

    def _reseed(self, args: tuple[object, ...]) -> bool:
        value = args[0] if len(args) == 1 else None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.dropped["bad_seed"] += 1
            return False
        self.seed = value
        self.twin.queue.append((self.sample, "/seed", (value,)))
        for i in self.ids:
            self._post(i, Stamped(self.sample, "/seed", (listener_seed(value, i),), True))
        return True

    def restore(self, listener_id: str) -> list[tuple[str, tuple[object, ...], bool]]:
        """What a restarted listener is sent before it plays: its seed if it changed, the
        last value of each input and the rest of its state, its baseline as last known."""
        out: list[tuple[str, tuple[object, ...], bool]] = []
        if self.seeds[listener_id] != self.first_seeds[listener_id]:
            out.append(("/seed", (self.seeds[listener_id],), True))
        out.extend((a, args, p) for a, (args, p) in self.state[listener_id].items())
        baseline = self.baselines.get(listener_id)
        if baseline is not None:
            out.append(("/listener/baseline", (baseline,), True))
        return out

    # -- one chunk ----------------------------------------------------------------------------
    def step(
        self, messages: Iterable[tuple[str, tuple[object, ...]]] = (), buffers: int | None = None
    ) -> dict[str, np.ndarray]:
        """Send ``messages``, then render ``buffers`` (default: ``chunk``) buffers of every
        listener: ``(buffers * frames, 2)`` float32 each, silence for a lost one."""
        ray = self.ray
        for address, args in messages:
            self.send(address, *args)
        count = self.chunk if buffers is None else buffers
        start, began = self.sample, time.monotonic()
        for listener_id in list(self.lost):
            self._try_rejoin(listener_id, start)
        calls = {
            i: actor.render.remote(start, count, self.outbox[i])
            for i, actor in self.actors.items()
            if i not in self.lost
        }
        for i in calls:
            self.outbox[i] = []
        self._step_twin(start, count)
        frames = count * self.buffersize
        out: dict[str, np.ndarray] = {}
        for i in self.ids:
            call = calls.get(i)
            chunk: Chunk | None = None
            if call is not None:
                try:
                    chunk = ray.get(call)
                except (ray.exceptions.RayActorError, ray.exceptions.RayTaskError):
                    self._lose(i, start, began)
            if chunk is None:
                out[i] = np.zeros((frames, 2), dtype=np.float32)
                continue
            out[i] = chunk.audio
            self.bars[i].update(chunk.bars)
            if chunk.baseline is not None:
                self.baselines[i] = chunk.baseline
        self.sample = start + frames
        return out

    def _step_twin(self, start: int, count: int) -> None:
        twin = self.twin
        conductor, queue = twin.conductor, twin.queue
        for n in range(count):
            sample = start + n * self.buffersize
            end = sample + self.buffersize
            while queue and queue[0][0] < end:
                _, address, args = queue.pop(0)
                for command in twin.router.route(address, args, sample / self.sr):
                    conductor.apply(command, sample)
            conductor.step(sample, self.buffersize)
            conductor.drain()

    def _lose(self, listener_id: str, sample: int, began: float) -> None:
        """Listener ``listener_id`` failed the call made at ``began`` (wall clock)."""
        actor = self.actors[listener_id]
        self.lost[listener_id] = Lost(sample, began, actor.alive.remote())
        self.outbox[listener_id] = []

    def _try_rejoin(self, listener_id: str, start: int) -> None:
        """Rejoin a lost listener at ``start`` if its actor is back and the next bar is not
        being decided (else try again next chunk)."""
        ray, lost = self.ray, self.lost[listener_id]
        ready, _ = ray.wait([lost.alive], timeout=self.wait_restart)
        if not ready:
            return
        try:
            ray.get(lost.alive)
        except ray.exceptions.RayActorError:  # not back yet, or gone for good: ask again
            lost.alive = self.actors[listener_id].alive.remote()
            return
        twin = self.twin.conductor
        if twin.deciding:
            return
        form = twin.form_state()
        restart = time.monotonic() - lost.wall
        self.actors[listener_id].rejoin.remote(start, form, self.restore(listener_id))
        del self.lost[listener_id]
        transport = form.transport
        self.rejoins.append(
            Rejoin(
                listener_id, lost.since, start, transport.bar + 1, transport.next_bar_start,
                round(restart, 3),
            )
        )  # fmt: skip

    # -- what happened ------------------------------------------------------------------------
    def actor(self, listener_id: str) -> Any:
        """Listener ``listener_id``'s actor handle (tests kill it)."""
        return self.actors[listener_id]

    def report(self) -> dict[str, Any]:
        ray = self.ray
        listeners: dict[str, Any] = {}
        for i, actor in self.actors.items():
            if i in self.lost:
                listeners[i] = {"seed": self.seeds[i], "lost": True}
                continue
            try:
                listeners[i] = ray.get(actor.status.remote())
            except ray.exceptions.RayError:
                listeners[i] = {"seed": self.seeds[i], "lost": True}
        return {
            "listeners": listeners,
            "rejoins": [vars(r) for r in self.rejoins],
            "bars": self.bars,
            "dropped": dict(self.dropped),
        }

    def close(self) -> None:
        ray = self.ray
        for actor in self.actors.values():
            with contextlib.suppress(ray.exceptions.RayError):
                ray.get(actor.close.remote(), timeout=defaults.RAY_CLOSE_TIMEOUT)
            ray.kill(actor, no_restart=True)
        self.actors.clear()


class Cluster:
    """A performance whose listener engines are Ray actors (the driver's side): the same
    ``send``/``step`` as :class:`Performance`, a chunk of buffers per step.

    ``address``: a running cluster (``auto``, ``HOST:PORT``, ``ray://…``), or ``local`` to start
    one in this process; when Ray is already initialised (tests), it is used as it is.
    ``wait_restart``: seconds a step waits for a restarted actor to answer (0 in real time:
    it rejoins at a later chunk; offline renders wait, so the music lost is the music's time,
    not the restart's)."""

    def __init__(
        self,
        score: Score,
        listeners: int | Iterable[str] = defaults.SERVE_LISTENERS,
        *,
        address: str = "local",
        seed: int | None = None,
        sr: int = 48000,
        buffersize: int = 256,
        spatial: str = defaults.SPATIAL_MODE,
        chunk_seconds: float = defaults.RAY_CHUNK_SECONDS,
        wait_restart: float = 0.0,
    ) -> None:
        ray = require_ray()
        ids = default_ids(listeners) if isinstance(listeners, int) else list(listeners)
        if not 1 <= len(ids) <= defaults.RAY_LISTENERS_MAX:
            raise ValueError(f"listeners: {len(ids)}: a cluster takes 1 to "
                             f"{defaults.RAY_LISTENERS_MAX}")  # fmt: skip
        if len(set(ids)) != len(ids):
            raise ValueError("listeners: each id once")
        for listener_id in ids:
            check_listener_id(listener_id)
        if not ray.is_initialized():
            ray.init(
                address=None if address == "local" else address,
                logging_level="warning",
                log_to_driver=False,
            )
        self.ray = ray
        self.sr, self.buffersize = sr, buffersize
        self.chunk = max(1, round(chunk_seconds * sr / buffersize))
        self.ids = ids
        self.seed = score.seed if seed is None else seed
        remote = ray.remote(Coordinator).options(
            num_cpus=defaults.RAY_COORDINATOR_CPUS, max_concurrency=1
        )
        self.coordinator = remote.remote(
            score, ids, seed=self.seed, sr=sr, buffersize=buffersize, spatial=spatial,
            chunk=self.chunk, wait_restart=wait_restart,
        )  # fmt: skip
        self.sample = 0
        self._messages: list[tuple[str, tuple[object, ...]]] = []
        self.dropped: Counter[str] = Counter()

    def send(self, address: str, *args: object) -> bool:
        """Queued here, applied before the next chunk (one Ray call carries a chunk's
        messages); an unknown listener is counted there and in :meth:`refused`."""
        listener_id, _ = split_listener(address)
        if listener_id is not None and listener_id not in self.ids:
            self.dropped["unknown_listener"] += 1
            return False
        self._messages.append((address, args))
        return True

    def step(self) -> dict[str, np.ndarray]:
        """One chunk of every listener's own mix, by id."""
        messages, self._messages = self._messages, []
        out: dict[str, np.ndarray] = self.ray.get(self.coordinator.step.remote(messages))
        self.sample += self.chunk * self.buffersize
        return out

    def actor(self, listener_id: str) -> Any:
        return self.ray.get(self.coordinator.actor.remote(listener_id))

    def report(self) -> dict[str, Any]:
        report: dict[str, Any] = self.ray.get(self.coordinator.report.remote())
        return report

    def refused(self) -> Counter[str]:
        total = Counter(self.dropped)
        report = self.report()
        total.update(report["dropped"])
        for status in report["listeners"].values():
            total.update(status.get("refused", {}))
        return total

    def close(self) -> None:
        ray = self.ray
        try:
            ray.get(self.coordinator.close.remote())
        finally:
            ray.kill(self.coordinator)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
