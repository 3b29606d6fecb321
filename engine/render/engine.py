"""The Engine: one score playing on one pyo server, advanced one buffer at a time.

:meth:`Engine.tick` runs before each buffer is computed: it applies the messages due, lets the
conductor decide, and lets the master bus steer. The offline renderer calls it in a loop before
``server.process()``; a real-time backend calls it from pyo's per-buffer callback. No global
state: several engines can live in one process, each on its own server.
"""

from __future__ import annotations

import gc
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from engine import defaults
from engine.catalog import default_catalog
from engine.commands import Command
from engine.conductor.conductor import Conductor, FormState
from engine.conductor.performer import Observer, perform
from engine.dsp.orchestra import Orchestra, Staged
from engine.errors import SoundscapeError
from engine.events import Action
from engine.score.assets import Assets, load_assets
from engine.score.catalog import Catalog
from engine.score.model import Score
from engine.state.router import Router
from engine.state.timeline import TimedMessage


@dataclass(frozen=True)
class Reload:
    """A new score, staged beside the audio, waiting for its bar line (:meth:`Engine.reload`)."""

    score: Score
    assets: Assets
    staged: Staged
    router: Router


class Engine:
    def __init__(
        self,
        score: Score,
        *,
        sr: int,
        buffersize: int,
        seed: int,
        catalog: Catalog | None = None,
        observer: Observer | None = None,
        assets: Assets | None = None,
        metering: bool = False,
        spatial: str = defaults.SPATIAL_MODE,
        shared_form: bool = False,
        capture: bool = False,
    ) -> None:
        """Build the score's instruments on the current pyo server.

        ``assets`` are the score's sound files loaded at ``sr`` (:func:`load_assets`, read here
        when not given): pass them in to build several engines from one read. ``metering``: the
        master bus keeps a true-peak meter too (live play's ``/engine/meter``). ``spatial``: how
        placed layers and stingers sound (``off``, ``stereo``, ``binaural``; docs/spatial.md).
        ``shared_form``: one listener of many (engine/ensemble/): tempo and mode follow only
        the messages sent to all (:meth:`send` without ``personal``). ``capture``: each
        buffer's output stays readable (``orchestra.captured()``) for streaming.
        """
        self.score = score
        self.sr = sr
        self.buffersize = buffersize
        self.sample = 0  # first sample of the next buffer
        self.assets = assets if assets is not None else load_assets(score, sr)
        self.orchestra = Orchestra(
            score,
            sr=sr,
            buffersize=buffersize,
            samples=self.assets.sets,
            metering=metering,
            spatial=spatial,
            capture=capture,
        )
        self.router = Router(score)
        self.conductor = Conductor(
            score,
            catalog or default_catalog(),
            sr=sr,
            buffersize=buffersize,
            seed=seed,
            observer=observer,
            shared_form=shared_form,
        )
        #: Called with each buffer's actions after the orchestra has them (MIDI, recorders).
        self.listeners: list[Callable[[list[Action]], None]] = []
        #: Called with each command the router made and the sample it applied at (plots).
        self.command_listeners: list[Callable[[Command, int], None]] = []
        self._timeline: deque[tuple[int, TimedMessage]] = deque()
        self._reload: Reload | None = None
        #: Scores adopted since the start (live reloads).
        self.reloads = 0
        settle_heap()

    def schedule(self, messages: Iterable[TimedMessage]) -> None:
        """Queue messages to apply at their times (at the start of the buffer holding each).

        Messages at equal times keep their order, as they would arriving over the network.
        """
        queued = [*self._timeline, *((round(m.time * self.sr), m) for m in messages)]
        queued.sort(key=lambda item: item[0])  # stable
        self._timeline = deque(queued)

    def send(self, address: str, *args: object, personal: bool = False) -> None:
        """Apply one message before the next buffer: the router makes it commands (or counts
        it refused), the conductor takes them. ``personal``: sent to this listener alone, of
        many (:meth:`Conductor.apply`)."""
        for command in self.router.route(address, args, self.sample / self.sr):
            self.conductor.apply(command, self.sample, personal)
            for listener in self.command_listeners:
                listener(command, self.sample)

    def resume_at(
        self,
        sample: int,
        form: FormState,
        messages: Iterable[tuple[str, tuple[object, ...], bool]] = (),
    ) -> None:
        """Start mid-piece, before the first :meth:`tick`: the next buffer begins at ``sample``
        (a buffer line of the piece), the listener's own state is ``messages`` (address, args,
        personal: the last value of each input, the baseline, the head, applied in order and
        settled at once), and the shared form is ``form``. Silent until the next bar line, which
        this engine enters as the others cross it (:meth:`Conductor.resume_at`)."""
        if self.sample != 0:
            raise SoundscapeError("resume_at: only before the first buffer")
        self.sample = sample
        for address, args, personal in messages:
            self.send(address, *args, personal=personal)
        self.conductor.resume_at(form)

    def stage(self, score: Score, assets: Assets, resounded: set[str]) -> Reload:
        """Build what ``score`` needs to replace the one playing (its router and the channels
        it adds or changes), beside the audio, for :meth:`reload`. The caller has checked that
        the meter, the one thing a score cannot change while playing, is the same."""
        if score.meter != self.score.meter:
            raise SoundscapeError(
                f"meter: cannot change while playing ({self.score.meter.beats} beats a bar now);"
                " restart to play the new meter"
            )
        staged = self.orchestra.stage(score, assets.sets, resounded)
        return Reload(score, assets, staged, Router(score))

    def reload(self, reload: Reload) -> None:
        """Play ``reload``'s score from the next bar line that is still to be decided (the bar
        after next if this one's is being prepared); a later reload before then replaces it."""
        self._reload = reload

    def _adopt(self, reload: Reload) -> None:
        self._reload = None
        self.orchestra.install(reload.staged, self.conductor.reload_fade)
        reload.router.carry_on(self.router)
        self.router = reload.router
        self.score, self.assets = reload.score, reload.assets
        self.conductor.adopt(reload.score)
        self.reloads += 1

    def dropped(self) -> Counter[str]:
        """Messages and requests refused so far, by reason (the router's and the conductor's)."""
        return self.router.dropped + self.conductor.refused

    def rebuild_sound(self, fade_in: float) -> None:
        """Build the instruments again on the current pyo server, after the one they were on died:
        the conductor (inputs, scene, tempo, bar, notes to come) goes on as it was, and the new
        orchestra starts where the old one stood (:meth:`Orchestra.rebuilt`). Only between
        buffers, with no audio callback running."""
        self.orchestra = self.orchestra.rebuilt(fade_in)
        self.conductor.resend()
        self._perform()
        settle_heap()

    def tick(self) -> None:
        """Everything that happens before the next buffer is computed."""
        end = self.sample + self.buffersize
        timeline = self._timeline
        while timeline and timeline[0][0] < end:
            message = timeline.popleft()[1]
            self.send(message.address, *message.args)
        if self._reload is not None and self.conductor.opens_window(end):
            self._adopt(self._reload)
        self.conductor.step(self.sample, self.buffersize)
        self._perform()
        self.orchestra.tick()
        self.sample = end

    def _perform(self) -> None:
        """The conductor's actions so far, to the orchestra, then to the listeners."""
        actions = self.conductor.drain()
        perform(actions, self.orchestra)
        for listener in self.listeners:
            listener(actions)


def settle_heap() -> None:
    """Collect garbage once and freeze what survives (the engine's thousands of objects).

    Python's full collections walk every tracked object; with an engine built they took up to
    ~11 ms inside one buffer (measured), twice a 256-frame buffer's budget. Frozen objects are
    skipped by later collections, so the ones that remain are short.
    """
    gc.collect()
    gc.freeze()
