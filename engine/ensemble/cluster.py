"""Listener engines as Ray actors spread over a cluster, a group of them per actor, restarted
when they die (docs/scale.md, "Across machines with Ray"; ``pip install '.[cluster]'``).

The coordinator (:class:`Coordinator`, run as a Ray actor by :class:`Cluster`) owns what the
listeners share and what a listener needs to come back: each listener's state as messages (the
last value of each input it was sent, its baseline, its head, where its sources are), its seed,
its learned baseline (each chunk's answer carries it), and the form's position, which it keeps
with a **form twin**: a conductor built like every listener's (``shared_form``), with no
orchestra, fed the same messages sent to all on the same buffer grid. Since the form follows
only those messages, the twin's transport, form inputs, entrainment and mode selector are every
listener's; it costs a conductor's Python per buffer and never asks a listener, so a rejoin does
not wait on a living actor or a network round trip.

Listener engines run in :class:`GroupActor` s, K listeners each (``per_actor``, assigned in
order), created with ``max_restarts`` and the SPREAD strategy. One process's imports cost far
more memory than a listener engine, and a listener engine needs a small share of a core, so a
group shares both (docs/scale.md has the measurements). Each call renders ``chunk`` buffers of
every listener in the group, buffer by buffer in the group's order as :class:`Performance` does
(one Ray call costs far more than a buffer of Python), and answers with a :class:`Chunk` per
listener. A call that fails because the actor died marks its group lost (its listeners' chunks
are silence); Ray restarts the actor (the same ids and seeds: the same constructor arguments);
once it answers, the coordinator hands it the form (:meth:`Conductor.form_state`, taken between
two bars' decisions) and each of its listeners' own state, and they play from the next bar
line, silent until then. The other groups never wait for it.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine import defaults
from engine.catalog import default_catalog
from engine.conductor.conductor import Conductor, FormState
from engine.ensemble.addresses import (
    check_listener_id,
    default_ids,
    listener_seed,
    seed_of,
    split_listener,
)
from engine.ensemble.listener import ListenerEngine, Stamped
from engine.errors import SoundscapeError
from engine.score.assets import load_assets
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


def private_bytes() -> int:
    """This process's private memory (Private_Clean + Private_Dirty of /proc/self/smaps_rollup,
    bytes): what it holds that no other process shares; 0 where there is no such file."""
    try:
        text = Path("/proc/self/smaps_rollup").read_text()
    except OSError:
        return 0
    total = 0
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name in ("Private_Clean", "Private_Dirty"):
            total += int(rest.split()[0]) * 1024
    return total


class GroupActor:
    """A group of listener engines inside one Ray actor (:class:`Coordinator` makes it remote),
    built and rendered in the order of ``ids`` as :class:`Performance` builds and renders its
    listeners: the score's sound files are read once for the group."""

    def __init__(
        self,
        score: Score,
        ids: list[str],
        seeds: list[int],
        sr: int,
        buffersize: int,
        spatial: str,
    ) -> None:
        assets = load_assets(score, sr)
        self.listeners: dict[str, ListenerEngine] = {}
        for listener_id, seed in zip(ids, seeds, strict=True):
            self.listeners[listener_id] = ListenerEngine(
                score, listener_id, performance_seed=0, sr=sr, buffersize=buffersize,
                assets=assets, spatial=spatial, seed=seed,
            )  # fmt: skip
        self._bars = dict.fromkeys(ids, -1)

    def alive(self) -> int:
        """This actor's process id: answers once a restarted actor is up."""
        return os.getpid()

    def memory(self) -> int:
        """This actor's private memory in bytes (:func:`private_bytes`)."""
        return private_bytes()

    def rejoin(
        self,
        sample: int,
        form: FormState,
        states: dict[str, list[tuple[str, tuple[object, ...], bool]]],
    ) -> int:
        """Every listener of the group rejoins at ``sample`` with the form and its own state."""
        for listener_id, listener in self.listeners.items():
            listener.rejoin(sample, form, states[listener_id])
            self._bars[listener_id] = form.transport.bar
        return os.getpid()

    def render(
        self, start: int, buffers: int, messages: dict[str, list[Stamped]]
    ) -> dict[str, Chunk]:
        """``buffers`` buffers of each listener, after posting its ``messages``: a buffer of
        every listener in turn, then the next (as :meth:`Performance.step`)."""
        listeners = self.listeners
        for listener_id, listener in listeners.items():
            if listener.sample != start:
                raise RuntimeError(f"listener {listener_id} is at {listener.sample}, not {start}")
            for message in messages.get(listener_id, ()):
                listener.post(message)
        blocks: dict[str, list[np.ndarray]] = {i: [] for i in listeners}
        bars: dict[str, list[tuple[int, float]]] = {i: [] for i in listeners}
        for _ in range(buffers):
            for listener_id, listener in listeners.items():
                blocks[listener_id].append(listener.render())
                transport = listener.engine.conductor.transport
                if transport.bar != self._bars[listener_id]:
                    self._bars[listener_id] = transport.bar
                    bars[listener_id].append((transport.bar, transport.bar_start))
        return {
            i: Chunk(
                np.concatenate(blocks[i]), bars[i], listener.engine.conductor.bus.baseline.value
            )
            for i, listener in listeners.items()
        }

    def status(self) -> dict[str, dict[str, Any]]:
        """Each listener's seed, bar, scene, inputs, baseline and refusals, by id; with the
        group's process id, node and private memory."""
        pid, node, memory = os.getpid(), _node_id(), private_bytes()
        out: dict[str, dict[str, Any]] = {}
        for listener_id, listener in self.listeners.items():
            out[listener_id] = {
                **listener.status(),
                "pid": pid,
                "node": node,
                "group_private_bytes": memory,
            }
        return out

    def close(self) -> None:
        for listener in self.listeners.values():
            listener.close()
        self.listeners.clear()


def _node_id() -> str:
    ray = require_ray()
    return str(ray.get_runtime_context().get_node_id())


@dataclass
class Lost:
    """A group whose actor died: since which sample, and the call waiting for it to be back."""

    since: int
    wall: float
    alive: Any  # an ObjectRef


@dataclass
class Rejoin:
    """One death and return, for the summary and the tests."""

    listener: str
    group: int  # its group's index: every listener of the group rejoins together
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
        per_actor: int = defaults.RAY_LISTENERS_PER_ACTOR,
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
        #: The listeners of each group actor, in order: K at a time, the last group the rest.
        self.groups = [ids[k : k + per_actor] for k in range(0, len(ids), per_actor)]
        self.group_of = {i: g for g, group in enumerate(self.groups) for i in group}
        self.lost: dict[int, Lost] = {}  # by group
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
        remote = ray.remote(GroupActor).options(
            max_restarts=defaults.RAY_MAX_RESTARTS,
            max_task_retries=0,  # a chunk is never rendered twice: a lost one is silence
            num_cpus=defaults.RAY_GROUP_CPUS,
            scheduling_strategy="SPREAD",
        )
        self.actors = [
            remote.remote(score, group, [self.seeds[i] for i in group], sr, buffersize, spatial)
            for group in self.groups
        ]
        ray.get([actor.alive.remote() for actor in self.actors])

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
        if self.group_of[listener_id] not in self.lost:
            self.outbox[listener_id].append(message)

    def _reseed(self, args: tuple[object, ...]) -> bool:
        value = seed_of(args)
        if value is None:
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
        for group in list(self.lost):
            self._try_rejoin(group, start)
        calls: dict[int, Any] = {}
        for g, actor in enumerate(self.actors):
            if g in self.lost:
                continue
            ids = self.groups[g]
            calls[g] = actor.render.remote(start, count, {i: self.outbox[i] for i in ids})
            for i in ids:
                self.outbox[i] = []
        self._step_twin(start, count)
        frames = count * self.buffersize
        chunks: dict[str, Chunk] = {}
        for g, call in calls.items():
            try:
                chunks.update(ray.get(call))
            except (ray.exceptions.RayActorError, ray.exceptions.RayTaskError):
                self._lose(g, start, began)
        out: dict[str, np.ndarray] = {}
        for i in self.ids:
            chunk = chunks.get(i)
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

    def _lose(self, group: int, sample: int, began: float) -> None:
        """Group ``group`` failed the call made at ``began`` (wall clock)."""
        self.lost[group] = Lost(sample, began, self.actors[group].alive.remote())
        for i in self.groups[group]:
            self.outbox[i] = []

    def _try_rejoin(self, group: int, start: int) -> None:
        """Rejoin a lost group's listeners at ``start`` if its actor is back and the next bar
        is not being decided (else try again next chunk)."""
        ray, lost = self.ray, self.lost[group]
        ready, _ = ray.wait([lost.alive], timeout=self.wait_restart)
        if not ready:
            return
        try:
            ray.get(lost.alive)
        except ray.exceptions.RayActorError:  # not back yet, or gone for good: ask again
            lost.alive = self.actors[group].alive.remote()
            return
        twin = self.twin.conductor
        if twin.deciding:
            return
        form = twin.form_state()
        restart = round(time.monotonic() - lost.wall, 3)
        ids = self.groups[group]
        self.actors[group].rejoin.remote(start, form, {i: self.restore(i) for i in ids})
        del self.lost[group]
        transport = form.transport
        for i in ids:
            self.rejoins.append(
                Rejoin(
                    i, group, lost.since, start, transport.bar + 1, transport.next_bar_start,
                    restart,
                )
            )  # fmt: skip

    # -- what happened ------------------------------------------------------------------------
    def actor(self, listener_id: str) -> Any:
        """The handle of the group actor hosting ``listener_id`` (tests kill it)."""
        return self.actors[self.group_of[listener_id]]

    def report(self) -> dict[str, Any]:
        """Every listener's status (or ``lost``), the rejoins, each listener's bar lines, what
        was refused, and each group: its ids, process id and private memory (None if lost)."""
        ray = self.ray
        listeners: dict[str, Any] = {}
        groups: list[dict[str, Any]] = []
        for g, actor in enumerate(self.actors):
            ids = self.groups[g]
            status: dict[str, dict[str, Any]] = {}
            if g not in self.lost:
                with contextlib.suppress(ray.exceptions.RayError):
                    status = ray.get(actor.status.remote())
            for i in ids:
                listeners[i] = status.get(i, {"seed": self.seeds[i], "lost": True})
            first = status.get(ids[0], {})
            groups.append(
                {
                    "ids": ids,
                    "pid": first.get("pid"),
                    "private_bytes": first.get("group_private_bytes"),
                }
            )
        return {
            "listeners": {i: listeners[i] for i in self.ids},
            "groups": groups,
            "rejoins": [vars(r) for r in self.rejoins],
            "bars": self.bars,
            "dropped": dict(self.dropped),
        }

    def close(self) -> None:
        ray = self.ray
        for actor in self.actors:
            with contextlib.suppress(ray.exceptions.RayError):
                ray.get(actor.close.remote(), timeout=defaults.RAY_CLOSE_TIMEOUT)
            ray.kill(actor, no_restart=True)
        self.actors = []


class Cluster:
    """A performance whose listener engines are Ray actors (the driver's side): the same
    ``send``/``step`` as :class:`Performance`, a chunk of buffers per step.

    ``address``: a running cluster (``auto``, ``HOST:PORT``, ``ray://…``), or ``local`` to start
    one in this process; when Ray is already initialised (tests), it is used as it is.
    ``wait_restart``: seconds a step waits for a restarted actor to answer (0 in real time:
    it rejoins at a later chunk; offline renders wait, so the music lost is the music's time,
    not the restart's). ``per_actor``: listener engines each actor hosts, K, assigned in order
    (the last actor hosts the rest)."""

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
        per_actor: int = defaults.RAY_LISTENERS_PER_ACTOR,
    ) -> None:
        ray = require_ray()
        if not 1 <= per_actor <= defaults.RAY_LISTENERS_PER_ACTOR_MAX:
            raise ValueError(f"listeners per actor: {per_actor}: 1 to "
                             f"{defaults.RAY_LISTENERS_PER_ACTOR_MAX}")  # fmt: skip
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
        self.per_actor = per_actor
        self.seed = score.seed if seed is None else seed
        remote = ray.remote(Coordinator).options(
            num_cpus=defaults.RAY_COORDINATOR_CPUS, max_concurrency=1
        )
        self.coordinator = remote.remote(
            score, ids, seed=self.seed, sr=sr, buffersize=buffersize, spatial=spatial,
            chunk=self.chunk, wait_restart=wait_restart, per_actor=per_actor,
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
