"""One listener's own performance: an engine on its own pyo server, rendering its own mix.

It shares the piece's form with every other listener (built with ``shared_form``: tempo and
mode follow only the messages sent to all) and differs in its seed (notes, variations,
mutations), its own inputs and baseline, and its head. Messages reach it stamped with the
sample they apply at, so engines in other processes or on other machines apply the same
message at the same point of the piece.
"""

from __future__ import annotations

from collections import Counter, deque
from typing import NamedTuple

import numpy as np

from engine import defaults
from engine.conductor.conductor import FormState
from engine.dsp.server import manual_server
from engine.ensemble.addresses import listener_seed
from engine.render.engine import Engine
from engine.score.assets import Assets
from engine.score.model import Score


class Stamped(NamedTuple):
    """A message for a listener engine, and the sample of the piece it applies at (it is
    applied before the buffer that holds that sample, or at once if that buffer has passed)."""

    sample: int
    address: str
    args: tuple[object, ...]
    personal: bool  # sent to this listener alone (engine.render.engine.Engine.send)


class ListenerEngine:
    def __init__(
        self,
        score: Score,
        listener_id: str,
        *,
        performance_seed: int,
        sr: int,
        buffersize: int,
        assets: Assets | None = None,
        spatial: str = defaults.SPATIAL_MODE,
        seed: int | None = None,
    ) -> None:
        """``seed``: this listener's own seed; derived from the id and the performance's seed
        when not given (:func:`listener_seed`)."""
        self.id = listener_id
        self.seed = listener_seed(performance_seed, listener_id) if seed is None else seed
        self.buffersize = buffersize
        self.server = manual_server(sr=sr, buffersize=buffersize, seed=self.seed)
        self.engine = Engine(
            score,
            sr=sr,
            buffersize=buffersize,
            seed=self.seed,
            assets=assets,
            spatial=spatial,
            shared_form=True,
            capture=True,
        )
        self._pending: deque[Stamped] = deque()
        #: Messages refused here before the engine saw them, by reason.
        self.dropped: Counter[str] = Counter()

    @property
    def sample(self) -> int:
        """The first sample of the next buffer this engine renders."""
        return self.engine.sample

    def post(self, message: Stamped) -> bool:
        """Queue ``message`` (in the order sent); False, counted, if the queue is full."""
        if len(self._pending) >= defaults.LISTENER_QUEUE_MAX:
            self.dropped["listener_queue_full"] += 1
            return False
        self._pending.append(message)
        return True

    def render(self) -> np.ndarray:
        """Apply the messages due, compute one buffer; its audio, ``(frames, 2)`` float32."""
        engine, pending = self.engine, self._pending
        self.server.setServer()
        end = engine.sample + self.buffersize
        while pending and pending[0].sample < end:
            message = pending.popleft()
            engine.send(message.address, *message.args, personal=message.personal)
        engine.tick()
        self.server.process()
        return engine.orchestra.captured()

    def rejoin(
        self, sample: int, form: FormState, state: list[tuple[str, tuple[object, ...], bool]]
    ) -> None:
        """Start this (new) engine mid-piece at ``sample``, a buffer line: its own ``state``
        and the shared ``form`` restored, silent until the next bar line
        (:meth:`Engine.resume_at`; engine/ensemble/cluster.py)."""
        self.server.setServer()
        self._pending.clear()
        self.engine.resume_at(sample, form, state)

    def status(self) -> dict[str, object]:
        """Where this listener is and what it has: its seed, bar, scene, inputs, baseline, head
        and refusals (serve's summary, the Ray coordinator's report)."""
        conductor = self.engine.conductor
        return {
            "seed": conductor.seed,
            "bar": conductor.transport.bar,
            "scene": conductor.scene.name,
            "inputs": {name: round(value, 4) for name, value in conductor.bus.values.items()},
            "baseline": conductor.bus.baseline.value,
            "orientation": [round(a, 3) for a in conductor.space.orientation],
            "refused": dict(self.refused()),
        }

    def refused(self) -> Counter[str]:
        """Everything refused for this listener: here, by its router and by its conductor."""
        return self.dropped + self.engine.dropped()

    def close(self) -> None:
        server = self.server
        server.setServer()
        server.stop()
        server.shutdown()
