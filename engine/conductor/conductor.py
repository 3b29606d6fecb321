"""The conductor: every buffer, turn the state and the score into notes and parameter changes.

It is the only place musical decisions are made, and it only decides: commands come in
(:mod:`engine.commands`, made by the router from OSC or a timeline) and each buffer's decisions
go out as data, a list of actions in :attr:`Conductor.out` (:data:`engine.events.Action`:
notes, stem bars, parameter changes, fades, ducks, suspends) that :meth:`Conductor.drain` hands
to whoever plays them (:func:`engine.conductor.performer.perform`) or writes them down. It
knows nothing of pyo. Work is change-driven and bounded: per buffer it advances smoothing,
pops the notes due in the buffer and resends parameters only when the state moved; once per
bar it picks tempo, mode and chord and asks each sounding layer's generator for the bar's
notes.

Bars are prepared ahead (:mod:`engine.conductor.preparation`): ``defaults.BAR_LEAD`` before a bar
line the conductor decides the bar (tempo, mutation, mode, chord, a scene change landing on it)
from the state at that moment, then writes one layer's notes per buffer and wakes the
instruments a scene change brings in, so the bar line itself only flips prepared data.

Timing: a command takes effect at the start of the buffer it is applied before; notes are
sample-accurate (each carries its offset inside its buffer); scene changes and stingers land on
their quantization boundary (beat, bar or N bars) at least ``BAR_LEAD`` after they are requested,
computed in musical time so a tempo change in between cannot make them miss.
"""

from __future__ import annotations

import copy
import heapq
import itertools
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from engine import defaults
from engine.clock.transport import Transport
from engine.commands import (
    ChangeScene,
    Command,
    FireEvent,
    OrientListener,
    OverrideTempo,
    PlaceSource,
    Reseed,
    SetBaseline,
    SetInput,
    SetKey,
    SetMode,
)
from engine.conductor.comfort import Budget, Limiter, budget
from engine.conductor.entrainment import Entrainment
from engine.conductor.layers import MIX_PARAMS, RESEND, LayerState
from engine.conductor.performer import Observer
from engine.conductor.preparation import BarPlan, Preparation, Slice
from engine.conductor.space import Space
from engine.conductor.stingergate import StingerGate
from engine.conductor.why import Explainer, Why
from engine.events import (
    Action,
    Duck,
    Expect,
    Fade,
    Note,
    NoteEvent,
    Play,
    PlayStem,
    Resume,
    Retire,
    SetDynamics,
    SetMix,
    SetParam,
    StemEvent,
    Suspend,
)
from engine.music.generators import BarContext, make_generator
from engine.music.harmony import Chord, HarmonyTrack, ModeSelector, chord_on
from engine.music.humanize import Humanizer
from engine.music.scales import PITCH_CLASS_NAMES, Scale
from engine.score import format as fmt
from engine.score.catalog import Catalog
from engine.score.model import (
    ComfortSpec,
    KeySpec,
    LayerSpec,
    ParamMap,
    Quantize,
    SceneSpec,
    Score,
    StingerSpec,
)
from engine.state.bus import StateBus

#: How long a stinger's instrument keeps running after its last note, for the release tail.
STINGER_TAIL = 6.0
#: Humanisation: timing drift (beats, standard deviation) and velocity variation.
HUMANIZE_TIMING = 0.012
HUMANIZE_VELOCITY = 0.06

#: Harmonic rhythm and tension are clamped, while playing, to the ranges the score format gives
#: them (a sum of terms may leave them; the loader checks single values).
_BARS_MIN, _BARS_MAX = (int(b or 0) for b in fmt.field("harmony.bars_per_chord").bounds)
#: What one listener of many may not ask for alone: it changes the form they all share.
_SHARED_ONLY = (ChangeScene, OverrideTempo, SetKey, SetMode)

_TENSION_MIN, _TENSION_MAX = (float(b or 0) for b in fmt.field("harmony.tension").bounds)


@dataclass(frozen=True)
class FormState:
    """Where the form every listener shares stands, between two bars (:meth:`Conductor.form_state`):
    what a listener engine started mid-piece needs to decide the next bars as the others do
    (:meth:`Conductor.resume_at`). Its parts are copies, never the conductor's own objects."""

    transport: Transport  # the bar playing: its index, first sample and tempo
    form: StateBus | None  # the inputs sent to all (``shared_form``)
    entrainment: Entrainment | None
    mode_selector: ModeSelector | None
    comfort: Budget | None
    comfort_override: ComfortSpec | None
    scene: str
    scene_bar: int  # the bar the scene began in
    harmony_scene: str  # the scene whose key and progression the bars follow
    pending_scene: tuple[str, int, float] | None
    tempo_override: float | None
    key_override: int | None
    mode_override: str | None


def derive_seed(base: int, salt: int) -> int:
    """A stable per-part seed from the render seed (no Python ``hash``: it is salted per run)."""
    return (base * 1_000_003 + salt * 7_919) % 2**31


class Conductor:
    def __init__(
        self,
        score: Score,
        catalog: Catalog,
        *,
        sr: int,
        buffersize: int,
        seed: int,
        observer: Observer | None = None,
        shared_form: bool = False,
    ) -> None:
        """``shared_form``: this conductor is one listener of many (engine/ensemble/): the
        piece's form (tempo, mode, entrainment) follows only the inputs sent to every listener
        (:meth:`apply` without ``personal``), so that every listener's bar grid and key stay
        the same while their notes and mix follow their own inputs."""
        self.score = score
        self.catalog = catalog
        self.observer = observer
        self.sr = sr
        #: This buffer's decisions, in order, until :meth:`drain` hands them on.
        self.out: list[Action] = []
        #: Requests refused here (stingers over their cooldown or cap, too many pending), by
        #: reason; the router counts what it refuses itself.
        self.refused: Counter[str] = Counter()
        self.bus_buffersize = buffersize
        self.bus = StateBus(score.inputs, sr, buffersize)
        #: The inputs every listener shares, which alone decide the form (``shared_form``).
        self.form: StateBus | None = StateBus(score.inputs, sr, buffersize) if shared_form else None
        self.scene = score.scenes[score.initial_scene]
        self.tempo_override: float | None = None
        #: /key and /mode: the root and mode every bar decided from now on plays in, instead
        #: of the score's (None: the score decides; its mode selector keeps following its input)
        self.key_override: int | None = None
        self.mode_override: str | None = None
        #: The tempo leading the heart (``entrainment:``), and the comfort budget's limits.
        self.entrainment = self._entrainment(score, self._tempo_target())
        #: A comfort budget that outlasts reloads (``play --comfort``), else the score's own.
        self.comfort_override: ComfortSpec | None = None
        self.comfort: Budget | None = budget(score.comfort) if score.comfort else None
        self.limiter = Limiter(sr, buffersize)
        start = self.entrainment.bpm if self.entrainment else self._tempo_target()
        self.transport = Transport(sr, score.meter.beats, bpm=start)
        self.lead = defaults.BAR_LEAD * sr  # samples
        self.preparation = Preparation()
        self._bar: BarPlan | None = None  # the bar playing
        self._next: BarPlan | None = None  # the bar being prepared
        self.chord: Chord | None = None
        #: Rest-of-bar notes composed ahead for layers entering on a beat: (bar, beat, notes).
        self._entry_notes: dict[str, tuple[BarPlan, float, list[Note]]] = {}
        self._notes: list[tuple[int, int, str, NoteEvent]] = []
        #: Stems' bars: (sample handed over, order, channel, bar, sample of its bar line).
        self._loops: list[tuple[int, int, str, StemEvent, int]] = []
        self._actions: list[tuple[float, int, Callable[[], None]]] = []
        self._counter = itertools.count()
        self._pending_scene: tuple[str, int, float] | None = None
        self._pending_stingers: list[tuple[StingerSpec, float, int, float]] = []
        self.stinger_gate = StingerGate(sr)
        self._reported_scale: Scale | None = None  # the key last told to the observer
        self._scene_bar = 0  # the bar the current scene began in
        self._entries: set[str] = set()  # layers a reload added to the scene: enter next bar
        self.reload_fade = defaults.RELOAD_FADE
        #: Why each change a listener hears was made (told to the observer as "why" reports).
        self.explainer = Explainer()
        self._scene_cause = ""  # what asked for the scene change pending or landing
        self._harmony_cause: tuple[str, int] | None = None  # a /key or /mode, and its first bar
        self._now = 0  # the start of the buffer being computed
        #: How long before their sample beats, keys, bar-line scene changes and stingers are
        #: told to the observer (samples); 0 tells each in the buffer that holds it. Reports
        #: told ahead are told once (:meth:`_ahead`), never again when they sound.
        self.report_ahead = 0
        self._told: set[tuple[str, int]] = set()
        #: Placed layers and stingers and the listener's head (issue 14 item 5).
        self.space = Space(score, self.bus.values)
        #: The bar a conductor started mid-piece enters its scene on (:meth:`resume_at`).
        self._joining: int | None = None
        self._reseed(seed)

    # -- setup ------------------------------------------------------------------------------
    def _reseed(self, seed: int) -> None:
        """(Re)build everything seeded: generators, harmony, mutation and humanisation."""
        self.seed = seed
        self.rng = random.Random(derive_seed(seed, 0))
        self.humanizer = Humanizer(derive_seed(seed, 1), HUMANIZE_TIMING, HUMANIZE_VELOCITY)
        self.harmony = HarmonyTrack(self.scene.progression or self.score.harmony.progression)
        self.mode_selector = self._mode_selector(self._key())
        self._harmony_scene = self.scene  # the scene the harmony track and mode selector follow
        old = getattr(self, "layers", {})
        self.layers = {}
        #: Layers a harmonize layer follows, and the bar each last wrote (before humanising).
        self._leaders = {follows_of(spec) for spec in self.score.layers.values()} - {""}
        self._melodies: dict[str, tuple[int, tuple[Note, ...]]] = {}
        for name, spec in leaders_first(self.score.layers):
            state = self._layer_state(spec)
            if name in old:
                state.carry_on(old[name])
            self.layers[name] = state

    def _layer_state(self, spec: LayerSpec) -> LayerState:
        """A layer as it starts: its generator seeded, its instrument parameters' mappings."""
        generator = make_generator(
            spec.generator,
            spec.generator_options,
            derive_seed(self.seed, 100 + spec.seed),
            self.score.motifs,
        )
        state = LayerState(spec, generator)
        ranges = self.catalog.instruments[spec.instrument]
        for pname, mapping in spec.params.items():
            if pname in ranges:
                state.instrument_params[pname] = mapping
                state.param_ranges[pname] = (ranges[pname].min, ranges[pname].max)
        return state

    def _mode_selector(self, key: KeySpec) -> ModeSelector | None:
        if key.modes is None:
            return None
        return ModeSelector(key.modes.thresholds, key.modes.hysteresis, key.modes.hold_bars)

    def _key(self) -> KeySpec:
        return self.scene.key or self.score.key

    # -- commands in, actions out -----------------------------------------------------------
    def drain(self) -> list[Action]:
        """The actions decided since the last drain, in order (the conductor forgets them)."""
        out, self.out = self.out, []
        return out

    def apply(self, command: Command, sample: int, personal: bool = False) -> None:
        """Take one command at ``sample``, the current buffer's start.

        ``personal``: the command was sent to this listener alone, of many (``shared_form``).
        It may move this listener's inputs, reseed it, place its sources, turn its head and
        fire its events; what changes the form every listener shares (scene, tempo, key,
        mode) is refused and counted as ``shared_only``."""
        if personal and isinstance(command, _SHARED_ONLY):
            self.refused["shared_only"] += 1
            return
        if isinstance(command, SetInput):
            self.bus.set(command.name, command.value)
            if self.form is not None and not personal:
                self.form.set(command.name, command.value)
        elif isinstance(command, ChangeScene):
            self._request_scene(command.scene, sample)
        elif isinstance(command, FireEvent):
            for stinger in self.score.stingers.values():
                if stinger.event == command.name:
                    self._request_stinger(stinger, command.intensity, sample)
        elif isinstance(command, OverrideTempo):
            self.tempo_override = command.bpm
        elif isinstance(command, Reseed):
            self._reseed(command.seed)
            self.bus.switch_listener(command.seed)
        elif isinstance(command, SetBaseline):
            self.bus.set_baseline(command.bpm)
        elif isinstance(command, SetKey):
            self.key_override = command.root
            if command.root is None:
                self.mode_override = None
            elif command.mode is not None:
                self.mode_override = command.mode
            root = "score" if command.root is None else PITCH_CLASS_NAMES[command.root]
            self._harmony_asked(f"/key {root}" + (f" {command.mode}" if command.mode else ""))
        elif isinstance(command, SetMode):
            self.mode_override = command.mode
            self._harmony_asked(f"/mode {command.mode or 'score'}")
        elif isinstance(command, PlaceSource):
            self.space.place(command.channel, command.azimuth, command.elevation, command.distance)
        elif isinstance(command, OrientListener):
            self.space.orient(command.yaw, command.pitch, command.roll)

    def _harmony_asked(self, text: str) -> None:
        """Keep what a /key or /mode asked, to name as the cause of the first bar decided after
        it (the bar being prepared, if any, was decided before)."""
        plan = self._next
        self._harmony_cause = (text, plan.bar + 1 if plan is not None else self.transport.bar + 1)

    def _landing(self, quantize: Quantize, sample: int) -> tuple[int, float] | None:
        """Where a change requested at ``sample`` lands, as (bar, beat); None means now.

        The first boundary at least ``lead`` after the request: time to prepare the entry, and
        never a bar whose preparation has begun (that bar is decided).
        """
        transport = self.transport
        if quantize.unit == "now" or transport.bar < 0:
            return None
        ahead = sample + self.lead
        plan = self._next
        if quantize.unit == "beat":
            if ahead <= transport.next_bar_start or plan is None:
                return transport.next_beat(ahead)
            beat = math.ceil((ahead - plan.start) / plan.samples_per_beat - 1e-9)
            return (
                (plan.bar, float(beat)) if beat < transport.beats_per_bar else (plan.bar + 1, 0.0)
            )
        first = transport.bar + (1 if ahead <= transport.next_bar_start else 2)
        return first + (-first) % quantize.count, 0.0

    def _scene_ahead(self) -> SceneSpec:
        """The scene once the bar being prepared has started (a committed change, else now)."""
        plan = self._next
        return plan.scene if plan is not None and plan.scene is not None else self.scene

    def _request_scene(self, name: str, sample: int) -> None:
        ahead = self._scene_ahead()
        if name == ahead.name and self._pending_scene is None:
            return
        self._scene_cause = f"/scene {name}"
        rule = self.score.transition(ahead.name, name)
        landing = self._landing(rule.quantize, sample)
        if landing is None:
            self._enter_scene(name, sample, rule.fade)
            return
        self._pending_scene = (name, *landing)
        self._release_woken()
        bar, beat = landing
        if beat > 0.0:  # a bar landing is prepared with its bar; a beat landing from now
            deadline = self._estimate(bar, beat)
            for layer_name in self.score.scenes[name].layers:
                self.preparation.add(deadline, self._waker(layer_name))
                self.preparation.add(deadline, self._entry_writer(layer_name, bar, beat))

    def _request_stinger(self, stinger: StingerSpec, intensity: float, sample: int) -> None:
        if len(self._pending_stingers) >= defaults.MAX_PENDING_STINGERS:
            self.refused["event_rate"] += 1
            return
        waiting = sum(1 for p in self._pending_stingers if p[0] is stinger)
        spb, bpb = self.transport.samples_per_beat, self.transport.beats_per_bar
        refusal = self.stinger_gate.refusal(stinger, sample, waiting, spb, bpb)
        if refusal is not None:
            self.refused[refusal] += 1
            return
        landing = self._landing(stinger.quantize, sample)
        bar, beat = landing if landing is not None else (self.transport.bar, -1.0)
        self._pending_stingers.append((stinger, intensity, bar, beat))
        if landing is not None:
            self.preparation.add(self._estimate(bar, beat), self._stinger_waker(stinger))
            if self.report_ahead > 0 and self.observer is not None:
                plan = self._next
                if bar == self.transport.bar:  # its bar is playing: its sample is known
                    self._tell_stinger(stinger, intensity, round(self.transport.sample_at(beat)))
                elif plan is not None and bar == plan.bar:  # its bar is decided
                    self._tell_stinger(stinger, intensity, round(plan.sample_at(beat)))

    def _estimate(self, bar: int, beat: float) -> float:
        """The sample of (bar, beat) at the tempo known now: a deadline for preparing it."""
        plan, transport = self._next, self.transport
        if plan is not None and bar >= plan.bar:
            beats = (bar - plan.bar) * transport.beats_per_bar + beat
            return plan.sample_at(beats)
        return transport.sample_at((bar - transport.bar) * transport.beats_per_bar + beat)

    # -- the buffer step --------------------------------------------------------------------
    def step(self, start: int, frames: int) -> None:
        """Everything due before the buffer ``[start, start + frames)`` is processed."""
        end = start + frames
        self._now = start
        self.bus.tick()
        if self.form is not None:
            self.form.tick()
        opened = self._open_window(end)
        self.preparation.run(start, frames, share=not opened)  # deciding was this buffer's slice
        while self.transport.next_bar_start < end:
            self._start_bar()
            self._open_window(end)  # a bar shorter than the lead, or a huge buffer
            self.preparation.run(start, frames, share=False)
        self._land_pending(start, end)
        if self.bus.changed or self.limiter.moving:
            self._update_continuous()
            self.space.inputs_moved(self.bus.values)
        if self.space.dirty:
            self.out.extend(self.space.actions())
        self._run_actions(end)
        self._dispatch(start, end)

    # -- bars: decided ahead, written slice by slice, started at the bar line ---------------
    def _open_window(self, end: int) -> bool:
        """Decide the next bar once its bar line is less than ``lead`` past this buffer."""
        if self._next is not None or end + self.lead <= self.transport.next_bar_start:
            return False
        self._next = self._decide_bar()
        if self.report_ahead > 0 and self.observer is not None:
            self._report_bar_ahead(self._next)
        return True

    def _decide_bar(self) -> BarPlan:
        """Tempo, scene, mutation and harmony of the next bar; its layers are queued as slices."""
        transport = self.transport
        first = transport.bar < 0
        bar, start = transport.bar + 1, transport.next_bar_start
        bpm = self._tempo_target()
        if self.entrainment is not None:
            bpm = self._entrained(start)
        elif not first:
            glide = self.score.tempo.glide
            bpm = min(transport.bpm * (1 + glide), max(transport.bpm * (1 - glide), bpm))
        if self.comfort is not None and not first:
            bpm = self._comfortable_tempo(bpm)
        scene: SceneSpec | None = self.scene if first or bar == self._joining else None
        pending = self._pending_scene
        if pending is not None and pending[1] <= bar and pending[2] == 0.0:
            self._pending_scene = None
            scene = self.score.scenes[pending[0]]
        self._follow_scene(scene or self.scene)
        self._mutate(bar, start)
        plan = self._plan(bar, start, bpm, dict(self.bus.values), self._harmony_scene)
        plan.scene = scene
        plan.entries, self._entries = self._entries, set()
        wanted = (set(scene.layers) if scene is not None else set()) | plan.entries
        for name, layer in self.layers.items():
            entering = name in wanted and not layer.active
            fading = layer.fading_until is not None and layer.fading_until > start
            deadline = start - self._preroll(layer)
            if entering:  # woken, or kept from suspension if it is still fading out
                self.preparation.add(deadline, self._waker(name))
            if entering or layer.active or fading:
                plan.layers.add(name)
                self.preparation.add(deadline, self._writer(name, plan))
        return plan

    def _start_bar(self) -> None:
        """The bar line: the prepared bar becomes the current one."""
        plan = self._next
        assert plan is not None and not self.preparation.due(plan.start)
        self._next = None
        transport = self.transport
        transport.start_next_bar(plan.bpm)
        self._bar = plan
        self.scale, self.chord, self.next_chord = plan.scale, plan.chord, plan.next_chord
        self.tension, self.bars_per_chord = plan.tension, plan.bars_per_chord
        if plan.bar == 0:
            self._enter_scene(self.scene.name, int(plan.start), 0.0, initial=True)
        elif plan.bar == self._joining and plan.scene is not None:
            self._joining = None
            joined, scene_bar = self.scene.name, self._scene_bar
            self._enter_scene(plan.scene.name, round(plan.start), 0.0, initial=True)
            if plan.scene.name == joined:
                self._scene_bar = scene_bar  # the scene began before this listener joined
        elif plan.scene is not None:
            self._enter_scene(plan.scene.name, round(plan.start), None)
        for name in plan.entries:  # added by a reload to the scene playing
            layer = self.layers.get(name)
            if layer is not None and not layer.active and name in self.scene.layers:
                self._start_layer(name, layer, self.reload_fade, None)
        if self.observer is not None:
            self._explain_bar(plan)
        if self.observer is not None and self.report_ahead <= 0:
            if plan.bar == 0 or plan.scale != self._reported_scale:
                self._reported_scale = plan.scale
                key = {"root": plan.scale.root, "mode": plan.scale.mode}
                self._at(transport.sample_at(0), self._report(round(plan.start), "key", key))
            for beat in range(transport.beats_per_bar):
                sample = transport.sample_at(beat)
                self._at(sample, self._beat_report(round(sample), plan.bar, beat, plan.bpm))

    def _writer(self, name: str, plan: BarPlan) -> Slice:
        """A slice: write layer ``name``'s notes of the planned bar (from the plan's inputs)."""

        def write() -> None:
            self._write_bar(name, self.layers[name], plan, plan.inputs, 0.0)

        return write

    def _waker(self, name: str) -> Slice:
        """A slice: start a layer's instrument, silent, ahead of the entry that will fade it in."""

        def wake() -> None:
            layer = self.layers[name]
            if layer.active or layer.woken:
                return
            if not layer.sounding:  # suspended (a layer still fading out is running)
                self.out.append(Resume(name))
                layer.sent.clear()
                self._update_layer(name, layer, self.bus.values)
            layer.woken = True

        return wake

    def _release_woken(self) -> None:
        """Put back to sleep the layers woken for an entry that will no longer happen."""
        keep: set[str] = set()
        if self._next is not None and self._next.scene is not None:
            keep.update(self._next.scene.layers)
        if self._pending_scene is not None:
            keep.update(self.score.scenes[self._pending_scene[0]].layers)
        for name, layer in self.layers.items():
            if layer.woken and name not in keep:
                layer.woken = False
                if not layer.sounding:
                    self.out.append(Suspend(name))

    def _report_bar_ahead(self, plan: BarPlan) -> None:
        """Schedule the reports of a bar just decided ``report_ahead`` before their samples:
        its key (if it changed), a scene change on its line, its beats, and the stingers that
        land in it. A decided bar no longer changes, so what is told early does happen."""
        start = round(plan.start)
        if plan.bar == 0 or plan.scale != self._reported_scale:
            self._reported_scale = plan.scale
            self._ahead(start, "key", {"root": plan.scale.root, "mode": plan.scale.mode})
        if plan.scene is not None and plan.bar > 0:
            before = self._scene_ahead_of(plan)
            self._ahead(start, "scene", {"scene": plan.scene.name, "from": before})
        for beat in range(self.transport.beats_per_bar):
            sample = round(plan.sample_at(beat))
            self._ahead(sample, "beat", {"bar": plan.bar, "beat": beat, "bpm": plan.bpm})
        for stinger, intensity, bar, landing in self._pending_stingers:
            if bar == plan.bar and landing >= 0:
                self._tell_stinger(stinger, intensity, round(plan.sample_at(landing)))

    def _scene_ahead_of(self, plan: BarPlan) -> str:
        """The scene playing before ``plan``'s line (a beat landing may still come first)."""
        pending = self._pending_scene
        return pending[0] if pending is not None and pending[1] < plan.bar else self.scene.name

    def _tell_stinger(self, stinger: StingerSpec, intensity: float, sample: int) -> None:
        self._ahead(sample, "stinger", {"stinger": stinger.name, "intensity": intensity})

    def _ahead(self, sample: int, kind: str, detail: dict[str, object]) -> None:
        """Tell the observer of ``kind`` at ``sample`` ``report_ahead`` samples before it."""
        if kind != "beat" and kind != "key":
            self._told.add((kind, sample))
        self._at(sample - self.report_ahead, self._report(sample, kind, detail))

    def _untold(self, kind: str, sample: int) -> bool:
        """Whether a scene change or stinger sounding now still has to be told (not ahead)."""
        if (kind, sample) in self._told:
            self._told.discard((kind, sample))
            return False
        return True

    def _beat_report(self, sample: int, bar: int, beat: int, bpm: float) -> Callable[[], None]:
        return self._report(sample, "beat", {"bar": bar, "beat": beat, "bpm": bpm})

    def _report(self, sample: int, kind: str, detail: dict[str, object]) -> Callable[[], None]:
        def report() -> None:
            if self.observer is not None:
                self.observer(sample, kind, detail)

        return report

    def _why(self, sample: int, why: Why) -> None:
        if self.observer is not None:
            self.observer(
                sample, "why", {"kind": why.kind, "subject": why.subject, "cause": why.cause}
            )

    def _explain_bar(self, plan: BarPlan) -> None:
        """Tell why the bar starting now has another tempo or key than the last one told."""
        explainer, sample = self.explainer, round(plan.start)
        if plan.bar == 0 or explainer.tempo is None:
            explainer.tempo, explainer.scale = plan.bpm, plan.scale
            explainer.remember("tempo", plan.inputs)
            explainer.remember("key", plan.inputs)
            return
        if abs(plan.bpm - explainer.tempo) >= defaults.WHY_TEMPO_STEP:
            subject = f"{explainer.tempo:.0f}->{plan.bpm:.0f} bpm"
            explainer.tempo = plan.bpm
            scene = self._harmony_scene
            entrainment = self.entrainment
            if self.tempo_override is not None:
                cause = f"/tempo {self.tempo_override:g}"
            elif entrainment is not None:
                heart = entrainment.spec.input
                cause = explainer.moved(
                    "tempo", f"entrainment ({entrainment.phase})", heart, plan.inputs
                )
            elif scene.tempo is not None:
                cause = explainer.rule(
                    "tempo", f"scenes.{scene.name}.tempo", scene.tempo, plan.inputs
                )
            else:
                cause = explainer.rule("tempo", "tempo.bpm", self.score.tempo.bpm, plan.inputs)
            self._why(sample, Why("tempo", subject, cause))
        before, explainer.scale = explainer.scale, plan.scale
        asked = None
        if self._harmony_cause is not None and plan.bar >= self._harmony_cause[1]:
            asked, self._harmony_cause = self._harmony_cause[0], None
        if before is not None and plan.scale != before:
            key = self._harmony_scene.key or self.score.key
            if asked is not None:
                explainer.remember("key", plan.inputs)
                cause = asked
            elif plan.scale.root == before.root and key.modes is not None and plan.scene is None:
                cause = explainer.moved("key", "key.modes", key.modes.input, plan.inputs)
            else:
                explainer.remember("key", plan.inputs)
                scene = self._harmony_scene
                cause = f"scenes.{scene.name}.key" if scene.key else "key"
            self._why(sample, Why("key", str(plan.scale), cause))

    def _tempo_target(self) -> float:
        if self.tempo_override is not None:
            bpm = self.tempo_override
        else:
            mapping: ParamMap = self.scene.tempo or self.score.tempo.bpm
            bpm = mapping.evaluate(self._form_inputs())
        tempo = self.score.tempo
        return min(tempo.max, max(tempo.min, bpm))

    def _form_inputs(self) -> dict[str, float]:
        """The inputs the form (tempo, mode, entrainment) follows: the shared ones when this
        is one listener of many, else all of them."""
        return self.form.values if self.form is not None else self.bus.values

    def _entrainment(self, score: Score, start: float) -> Entrainment | None:
        spec = score.entrainment
        if spec is None:
            return None
        return Entrainment(spec, start, (score.tempo.min, score.tempo.max), score.tempo.glide)

    def _entrained(self, start: float) -> float:
        """The next bar's tempo as entrainment leads it (docs/entrainment.md); a phase change
        is reported to the observer."""
        entrainment = self.entrainment
        assert entrainment is not None
        phase = entrainment.phase
        heart = self._form_inputs().get(entrainment.spec.input)
        bpm = entrainment.bar(start / self.sr, heart, self.tempo_override)
        if self.observer is not None and (entrainment.phase != phase or self.transport.bar < 0):
            detail = {"phase": entrainment.phase, "target": entrainment.target}
            self.observer(round(start), "entrainment", detail)
        return bpm

    def _comfortable_tempo(self, bpm: float) -> float:
        """``bpm`` within the comfort budget of the tempo now: a fraction per bar, and BPM per
        second over the bar that ends."""
        comfort, transport = self.comfort, self.transport
        assert comfort is not None
        seconds = transport.beats_per_bar * 60.0 / transport.bpm
        step = min(comfort.tempo_step * transport.bpm, comfort.tempo_rate * seconds)
        return min(transport.bpm + step, max(transport.bpm - step, bpm))

    def _follow_scene(self, scene: SceneSpec) -> None:
        """Start the scene's progression and key from the first bar it governs."""
        previous = self._harmony_scene
        if scene.progression != previous.progression:
            self.harmony = HarmonyTrack(scene.progression or self.score.harmony.progression)
        if (scene.key or self.score.key) != (previous.key or self.score.key):
            self.mode_selector = self._mode_selector(scene.key or self.score.key)
        self._harmony_scene = scene

    def _plan(
        self, bar: int, start: float, bpm: float, inputs: dict[str, float], scene: SceneSpec
    ) -> BarPlan:
        """Mode, chord and harmonic rhythm of bar ``bar`` under ``scene``, from ``inputs``."""
        key = scene.key or self.score.key
        mode = key.mode
        if self.mode_selector is not None and key.modes is not None:
            mode = self.mode_selector.update(self._form_inputs()[key.modes.input], bar)
        if self.mode_override is not None:
            mode = self.mode_override
        root = key.root if self.key_override is None else self.key_override
        scale = Scale(root, mode)
        bars = round(self.score.harmony.bars_per_chord.evaluate(inputs))
        bars_per_chord = min(_BARS_MAX, max(_BARS_MIN, bars))
        tension = min(_TENSION_MAX, max(_TENSION_MIN, self.score.harmony.tension.evaluate(inputs)))
        degree = self.harmony.advance(bar, bars_per_chord)
        chord = chord_on(scale, degree, 4 if tension > 0.5 else 3, tension)
        following = self.harmony.peek(bar + 1, bars_per_chord)
        next_chord = chord_on(scale, following, 3, tension)
        spb = self.sr * 60.0 / bpm  # as Transport.samples_per_beat computes it
        return BarPlan(
            bar, start, bpm, spb, inputs, scale, chord, next_chord, tension, bars_per_chord
        )

    def _mutate(self, bar: int, start: float) -> None:
        spec = self.score.mutation
        if spec is None or bar == 0 or bar % spec.every:
            return
        names = spec.layers if spec.layers is not None else tuple(self.layers)
        for name in names:
            if self.rng.random() >= spec.probability:
                continue
            operator = self.rng.choice(spec.operators)
            if operator == "reharmonize":
                applied = self.harmony.reharmonize(self.rng)
            else:
                applied = self.layers[name].generator.mutate(operator, self.rng)
            if applied and self.observer:
                self.observer(int(start), "mutation", {"layer": name, "operator": operator})

    # -- notes ------------------------------------------------------------------------------
    def _context(self, layer: LayerState, plan: BarPlan, inputs: dict[str, float]) -> BarContext:
        return BarContext(
            bar=plan.bar,
            beats_per_bar=self.transport.beats_per_bar,
            steps_per_beat=self.score.meter.steps_per_beat,
            scale=plan.scale,
            chord=plan.chord,
            next_chord=plan.next_chord,
            density=layer.value("density", inputs),
            intensity=layer.value("intensity", inputs),
            register=round(layer.value("register", inputs)),
            velocity=layer.value("velocity", inputs),
            gate=layer.value("gate", inputs),
            tension=plan.tension,
            variation=layer.value("variation", inputs),
            melody=self._melody(follows_of(layer.spec), plan.bar),
            scene_start=plan.bar if plan.scene is not None else self._scene_bar,
        )

    def _melody(self, leader: str, bar: int) -> tuple[Note, ...]:
        """The notes of bar ``bar`` of layer ``leader`` (none if it did not write that bar)."""
        written = self._melodies.get(leader)
        return written[1] if written is not None and written[0] == bar else ()

    def _write_bar(
        self,
        name: str,
        layer: LayerState,
        plan: BarPlan,
        inputs: dict[str, float],
        from_beat: float,
    ) -> None:
        """Ask the layer's generator for bar ``plan`` and schedule its notes from ``from_beat``."""
        if layer.spec.stem is not None:
            if from_beat <= 1e-9:  # a stem entering mid-bar starts on the next bar line
                self._schedule_stem_bar(name, layer, plan)
            return
        for note in self._compose(layer, plan, inputs, from_beat):
            self._schedule_note(name, note, plan.sample_at(note.beat), plan.bpm)

    def _compose(
        self, layer: LayerState, plan: BarPlan, inputs: dict[str, float], from_beat: float
    ) -> list[Note]:
        """The layer's humanised notes of bar ``plan`` from ``from_beat`` on."""
        notes = layer.generator.bar(self._context(layer, plan, inputs))
        if layer.spec.name in self._leaders:
            self._melodies[layer.spec.name] = (plan.bar, tuple(notes))
        if notes and layer.spec.instrument != "drums":
            notes = self.humanizer.apply(
                notes, plan.bar, self.score.meter.steps_per_beat, self.transport.beats_per_bar
            )
        return [note for note in notes if note.beat >= from_beat - 1e-9]

    def _entry_writer(self, name: str, bar: int, beat: float) -> Slice:
        """A slice: compose the rest of bar ``bar`` from ``beat`` for a layer entering there
        (a scene change quantized to a beat); the entry schedules it if it still happens."""

        def write() -> None:
            layer = self.layers[name]
            plan = next(
                (p for p in (self._bar, self._next) if p is not None and p.bar == bar), None
            )
            pending = self._pending_scene
            if plan is None or layer.sounding or pending is None or pending[1:] != (bar, beat):
                return
            self._entry_notes[name] = (
                plan,
                beat,
                self._compose(layer, plan, self.bus.values, beat),
            )

        return write

    def _schedule_note(
        self, channel: str, note: Note, start: float, bpm: float, velocity_scale: float = 1.0
    ) -> None:
        duration = max(0.005, note.length * 60.0 / bpm)
        velocity = note.velocity * velocity_scale
        event = NoteEvent(0, float(note.pitch), velocity, duration, note.voice)
        heapq.heappush(self._notes, (round(start), next(self._counter), channel, event))

    def _schedule_stem_bar(self, name: str, layer: LayerState, plan: BarPlan) -> None:
        """Decide bar ``plan`` of a stem: which of its bars plays, from where, how fast.

        Its bar k (bars since it entered, mod its length) starts exactly on the bar line: the
        position is the start of bar k in the file (corrected for the bar line's fraction of a
        sample), the rate the stem's bar length over this bar's length at the engine's tempo.
        """
        stem = layer.spec.stem
        assert stem is not None
        if layer.loop_next != plan.bar:  # not continuing its previous bar: a fresh entry
            layer.loop_first = plan.bar
        layer.loop_next = plan.bar + 1
        k = (plan.bar - layer.loop_first) % stem.bars
        length = self.transport.beats_per_bar * plan.samples_per_beat / self.sr
        rate = stem.bar_seconds / length
        sample = round(plan.start)
        position = k * stem.bar_seconds + (sample - plan.start) / self.sr * rate
        event = StemEvent(0, 0.0, position, rate, length)
        due = sample - round(self._preroll(layer) * self.sr)
        heapq.heappush(self._loops, (due, next(self._counter), name, event, sample))

    def _preroll(self, layer: LayerState) -> float:
        """How long before its bar line a layer's bar must be ready: a stem's preroll."""
        return defaults.STEM_PREROLL if layer.spec.stem is not None else 0.0

    def _dispatch(self, start: int, end: int) -> None:
        loops = self._loops
        while loops and loops[0][0] < end:
            due, _, channel, bar, line = heapq.heappop(loops)
            stem = self.layers[channel]
            if stem.sounding or stem.woken:  # playing, or entering on this bar line
                offset = max(0, due - start)
                preroll = (line - start - offset) / self.sr
                self.out.append(
                    PlayStem(
                        channel,
                        StemEvent(offset, preroll, bar.position, bar.rate, bar.duration),
                        start + offset,
                    )
                )
        notes = self._notes
        while notes and notes[0][0] < end:
            sample, _, channel, event = heapq.heappop(notes)
            layer = self.layers.get(channel)
            if layer is not None and not layer.sounding:
                continue
            offset = max(0, sample - start)
            played = NoteEvent(offset, event.pitch, event.velocity, event.duration, event.voice)
            self.out.append(Play(channel, played, start + offset))
        self._announce(end + (end - start))

    def _announce(self, limit: int) -> None:
        """Say how many notes each sounding layer starts before ``limit`` (the
        next buffer's: this buffer's are gone from the heap), so their voices are woken a buffer
        ahead: a downbeat starts a dozen notes, and waking a voice is half a note's cost.

        Only the heap's entries before ``limit`` are visited (a heap's children are never due
        before their parent), so this costs about two steps per note announced.
        """
        notes = self._notes
        counts: dict[str, int] = {}
        stack = [0]
        while stack:
            i = stack.pop()
            if i < len(notes) and notes[i][0] < limit:
                channel = notes[i][2]
                counts[channel] = counts.get(channel, 0) + 1
                stack.extend((2 * i + 1, 2 * i + 2))
        for channel, count in counts.items():
            layer = self.layers.get(channel)
            if layer is None or layer.sounding:
                self.out.append(Expect(channel, count))

    # -- scenes -----------------------------------------------------------------------------
    def _land_pending(self, start: int, end: int) -> None:
        transport = self.transport
        pending = self._pending_scene
        if pending is not None and pending[1] == transport.bar:
            sample = transport.sample_at(pending[2])
            if sample < end:
                self._pending_scene = None
                self._enter_scene(pending[0], round(sample), None, from_beat=pending[2])
        due = [
            p
            for p in self._pending_stingers
            if p[2] < transport.bar
            or (p[2] == transport.bar and (p[3] < 0 or transport.sample_at(p[3]) < end))
        ]
        for item in due:
            self._pending_stingers.remove(item)
            stinger, intensity, _, beat = item
            sample = (
                start if beat < 0 or item[2] < transport.bar else round(transport.sample_at(beat))
            )
            self._play_stinger(stinger, intensity, max(start, sample))

    def _enter_scene(
        self,
        name: str,
        sample: int,
        fade: float | None,
        *,
        initial: bool = False,
        from_beat: float | None = None,
    ) -> None:
        previous = self.scene
        self.scene = self.score.scenes[name]
        self._scene_bar = max(0, self.transport.bar)
        if fade is None:
            fade = self.score.transition(previous.name, name).fade
        if self.comfort is not None and not initial:
            fade = max(fade, self.comfort.fade)
        wanted = set(self.scene.layers)
        for layer_name, layer in self.layers.items():
            if layer_name in wanted and not layer.active:
                self._start_layer(layer_name, layer, fade, from_beat)
            elif layer_name not in wanted and layer.active:
                layer.active = False
                layer.fading_until = sample + fade * self.sr
                self.out.append(Fade(layer_name, 0.0, fade))
                self._at(layer.fading_until, self._suspender(layer_name))
        self._release_woken()
        self._entry_notes.clear()  # composed for an entry that did not happen
        if self.observer and not initial:
            if self._untold("scene", sample):
                self.observer(sample, "scene", {"scene": name, "from": previous.name})
            self._why(sample, Why("scene", name, self._scene_cause or "score"))
        self._update_continuous()  # entering layers send everything: their record is empty

    def _start_layer(
        self, name: str, layer: LayerState, fade: float, from_beat: float | None
    ) -> None:
        was_sounding, woken = layer.sounding, layer.woken
        layer.active, layer.fading_until, layer.woken = True, None, False
        if self.observer is not None:  # a level moves from where the layer enters
            inputs = self.bus.values
            self.explainer.enter(name, layer.value("gain", inputs), inputs)
        self.out.append(Fade(name, 1.0, fade))
        if was_sounding:
            return
        if not woken:  # not prepared: a "now" change, or a late one
            self.out.append(Resume(name))
            layer.sent.clear()
        prepared = self._entry_notes.pop(name, None)
        if from_beat is not None and self._bar is not None:
            if prepared is not None and prepared[:2] == (self._bar, from_beat):
                for note in prepared[2]:
                    self._schedule_note(name, note, self._bar.sample_at(note.beat), self._bar.bpm)
            else:
                self._write_bar(name, layer, self._bar, self.bus.values, from_beat)
        plan = self._next
        if plan is not None and name not in plan.layers:  # entered after its bar was decided
            plan.layers.add(name)
            self.preparation.add(plan.start - self._preroll(layer), self._writer(name, plan))

    def _suspender(self, name: str) -> Callable[[], None]:
        """Suspend layer ``name`` when its fade-out ends (the layer as it is then: a reload may
        have given it a new state meanwhile)."""

        def suspend() -> None:
            layer = self.layers.get(name)
            if layer is not None and not layer.active and layer.fading_until is not None:
                layer.fading_until = None
                if not layer.woken:  # a layer about to re-enter keeps running
                    self.out.append(Suspend(name))

        return suspend

    # -- stingers ---------------------------------------------------------------------------
    def _play_stinger(self, stinger: StingerSpec, intensity: float, sample: int) -> None:
        channel = f"stinger:{stinger.name}"
        self.out.append(Resume(channel))
        spb = self.transport.samples_per_beat
        for n in stinger.notes:
            pitch = self.scale.degree_pitch(n.degree, stinger.octave)
            self._schedule_note(
                channel,
                Note(n.beat, n.length, pitch, n.velocity),
                float(sample) + n.beat * spb,
                self.transport.bpm,
                velocity_scale=0.4 + 0.6 * intensity,
            )
        length = stinger.beats * spb
        if stinger.sample is not None:  # a one-shot: one note, as long as the file plays
            shot = stinger.sample
            root = defaults.ONESHOT_ROOT if shot.root is None else shot.root
            pitch = root if shot.root is None else nearest_pitch(shot.root, self.scale.root)
            seconds = shot.seconds * 2.0 ** ((root - pitch) / 12.0)  # pitched up: shorter
            bpm = self.transport.bpm
            note = Note(0.0, seconds * bpm / 60.0, pitch, 1.0)
            self._schedule_note(channel, note, float(sample), bpm, 0.4 + 0.6 * intensity)
            length = seconds * self.sr
        self.stinger_gate.played(stinger, sample + length)
        if stinger.duck is not None:
            duck = stinger.duck
            for name, layer in self.layers.items():
                if layer.sounding:
                    attack, release = self._duck_times(duck.db, duck.release)
                    self.out.append(Duck(name, duck.db, attack))
                    self._at(sample + length, self._unducker(name, release))
        self._at(sample + length + STINGER_TAIL * self.sr, self._stinger_rest(channel))
        if self.observer:
            if self._untold("stinger", sample):
                self.observer(sample, "stinger", {"stinger": stinger.name, "intensity": intensity})
            cause = f"/event {stinger.event} {intensity:.2f}"
            self._why(sample, Why("stinger", stinger.name, cause))

    def _duck_times(self, db: float, release: float) -> tuple[float, float]:
        """A duck's attack and release, slowed if need be to the comfort budget's gain rate."""
        attack = defaults.STINGER_DUCK_ATTACK
        if self.comfort is None:
            return attack, release
        least = abs(db) / self.comfort.gain[0]
        return max(attack, least), max(release, least)

    def _stinger_waker(self, stinger: StingerSpec) -> Slice:
        """A slice: start a stinger's instrument ahead of its landing, if it is still to come."""

        def wake() -> None:
            if any(p[0] is stinger for p in self._pending_stingers):
                self.out.append(Resume(f"stinger:{stinger.name}"))

        return wake

    def _unducker(self, name: str, release: float) -> Callable[[], None]:
        def unduck() -> None:
            if name in self.layers:  # not retired by a reload meanwhile
                self.out.append(Duck(name, 0.0, release))

        return unduck

    def _stinger_rest(self, channel: str) -> Callable[[], None]:
        def rest() -> None:
            if not any(item[2] == channel for item in self._notes) and not any(
                s[0].name == channel[8:] for s in self._pending_stingers
            ):
                self.out.append(Suspend(channel))

        return rest

    def resend(self) -> None:
        """Give out every sounding layer's mix and parameters and the master dynamics again,
        changed or not: for a performer that was rebuilt and knows none of them."""
        self._update_continuous(force=True)
        self.space.resend()
        self.out.extend(self.space.actions())

    # -- joining mid-piece (engine/ensemble/cluster.py) --------------------------------------
    @property
    def deciding(self) -> bool:
        """Whether the next bar is decided and not yet started (its window is open): a
        :meth:`form_state` taken now would miss that decision."""
        return self._next is not None

    def form_state(self) -> FormState:
        """A copy of where the shared form stands, between two bars' decisions."""
        if self.deciding:
            raise RuntimeError("form_state: the next bar is being decided; ask after its line")
        return FormState(
            transport=copy.copy(self.transport),
            form=copy.deepcopy(self.form),
            entrainment=copy.deepcopy(self.entrainment),
            mode_selector=copy.deepcopy(self.mode_selector),
            comfort=self.comfort,
            comfort_override=self.comfort_override,
            scene=self.scene.name,
            scene_bar=self._scene_bar,
            harmony_scene=self._harmony_scene.name,
            pending_scene=self._pending_scene,
            tempo_override=self.tempo_override,
            key_override=self.key_override,
            mode_override=self.mode_override,
        )

    def resume_at(self, state: FormState) -> None:
        """Start mid-piece: take the shared form from ``state`` (another conductor's
        :meth:`form_state` at this buffer), play nothing until the next bar line, and enter the
        scene there as at the start of a piece (no fade). Before the first :meth:`step`; the
        listener's own inputs are sent first (:meth:`Engine.resume_at`)."""
        if self.transport.bar >= 0 or self._next is not None:
            raise RuntimeError("resume_at: only before the first bar")
        self.transport = copy.copy(state.transport)
        if self.form is not None and state.form is not None:
            self.form = copy.deepcopy(state.form)
        self.entrainment = copy.deepcopy(state.entrainment)
        self.comfort, self.comfort_override = state.comfort, state.comfort_override
        self.tempo_override = state.tempo_override
        self.key_override, self.mode_override = state.key_override, state.mode_override
        self.scene = self.score.scenes[state.scene]
        self._harmony_scene = harmony = self.score.scenes[state.harmony_scene]
        self.harmony = HarmonyTrack(harmony.progression or self.score.harmony.progression)
        self.mode_selector = copy.deepcopy(state.mode_selector)
        self._pending_scene = state.pending_scene
        self._scene_bar = state.scene_bar
        self._joining = self.transport.bar + 1
        # the listener's own inputs, just sent, stand where they were: no glide from defaults
        self.bus.values.update(self.bus.targets)
        self.bus.changed = True

    # -- a new score (live reload) -----------------------------------------------------------
    def opens_window(self, end: int) -> bool:
        """Whether the next bar is decided in the buffer that ends at ``end``: the moment a
        reloaded score can be adopted so that it governs that bar from its line."""
        return self._next is None and end + self.lead > self.transport.next_bar_start

    def adopt(self, score: Score) -> None:
        """Play ``score`` from the next bar line. Call it just before that bar is decided
        (:meth:`opens_window`), with the orchestra already holding the new score's channels.

        The transport, the inputs' values, the scene (if the new score still has it) and every
        unchanged layer carry on as they were, generator and all. A changed layer starts a new
        generator from that bar and resends its parameters on the line; a layer the new score
        adds to the scene playing fades in on the line; a removed one fades out from it (its
        notes of that bar still play under it) and is retired once silent. The meter must not
        change (the caller refuses that).
        """
        old, line = self.score, self.transport.next_bar_start
        self.score = score
        if score.entrainment != old.entrainment or score.tempo != old.tempo:
            self.entrainment = self._entrainment(score, self.transport.bpm)
        comfort = self.comfort_override or score.comfort
        self.comfort = budget(comfort) if comfort else None
        self.bus = self.bus.carried_to(score.inputs, self.sr, self.bus_buffersize)
        if self.form is not None:
            self.form = self.form.carried_to(score.inputs, self.sr, self.bus_buffersize)
        next_bar = self.transport.bar + 1
        scene = score.scenes.get(self.scene.name)
        if scene is None:  # the scene playing is gone: the new score's first scene, on the line
            self._pending_scene = (score.initial_scene, next_bar, 0.0)
            self._scene_cause = "the score reloaded without its scene"
        else:
            self.scene = scene
            pending = self._pending_scene
            if pending is not None and pending[0] not in score.scenes:
                self._pending_scene = None
        self._pending_stingers = [
            (score.stingers[p[0].name], *p[1:])
            for p in self._pending_stingers
            if p[0].name in score.stingers
        ]
        harmony_before = self._harmony_scene.progression or old.harmony.progression
        if (self.scene.progression or score.harmony.progression) != harmony_before:
            self.harmony = HarmonyTrack(self.scene.progression or score.harmony.progression)
        if (self.scene.key or score.key) != (self._harmony_scene.key or old.key):
            self.mode_selector = self._mode_selector(self.scene.key or score.key)
        self._harmony_scene = self.scene
        self._leaders = {follows_of(spec) for spec in score.layers.values()} - {""}
        layers: dict[str, LayerState] = {}
        for name, spec in leaders_first(score.layers):
            state = self.layers.get(name)
            if state is None or state.spec != spec or state.retiring:
                fresh = self._layer_state(spec)
                if state is not None:
                    fresh.carry_on(state)
                    fresh.retiring = False
                state = fresh
                if state.active:  # new mappings from the line
                    self._at(line, self._resender(name, state))
            layers[name] = state
        for name, state in self.layers.items():
            if name not in layers:
                layers[name] = state  # until it is silent
                self._retire(name, state, line)
        self.layers = layers
        if scene is not None:  # the scene playing may list other layers now
            self._rescore_scene(line)
        self.space.adopt(score, self.bus.values)

    def _rescore_scene(self, line: float) -> None:
        """Bring in on the next bar line the layers the scene playing now lists and that do not
        play; fade out from it those it no longer lists."""
        wanted = set(self.scene.layers)
        fade = self.reload_fade
        for name, layer in self.layers.items():
            if name in wanted and not layer.active:
                self._entries.add(name)
            elif name not in wanted and layer.active:
                layer.active = False
                layer.fading_until = line + fade * self.sr
                self._at(line, self._fader(name, fade))
                self._at(layer.fading_until, self._suspender(name))

    def _fader(self, name: str, seconds: float) -> Callable[[], None]:
        return lambda: self.out.append(Fade(name, 0.0, seconds))

    def _retire(self, name: str, layer: LayerState, line: float) -> None:
        """Fade a layer the new score removed out from ``line``, then let its channel go."""
        if layer.retiring:
            return
        layer.retiring = True
        self._entries.discard(name)
        end = line
        if layer.sounding:
            fade = self.reload_fade
            end = line + fade * self.sr
            layer.active, layer.fading_until = False, end
            self._at(line, self._fader(name, fade))

        def retire() -> None:
            if self.layers.get(name) is not layer:  # back in a later reload: it plays on
                return
            del self.layers[name]
            self._notes = [n for n in self._notes if n[2] != name]
            self._loops = [n for n in self._loops if n[2] != name]
            heapq.heapify(self._notes)
            heapq.heapify(self._loops)
            self._entry_notes.pop(name, None)
            if layer.sounding or layer.woken:
                layer.fading_until, layer.woken = None, False
            self.out.append(Retire(name))

        self._at(end, retire)

    def _resender(self, name: str, layer: LayerState) -> Callable[[], None]:
        def resend() -> None:
            if self.layers.get(name) is layer and layer.sounding:
                layer.sent.clear()
                self._update_layer(name, layer, self.bus.values)

        return resend

    # -- continuous parameters ---------------------------------------------------------------
    def _update_continuous(self, force: bool = False) -> None:
        """Send what moved; with ``force``, everything (to a performer that knows nothing)."""
        inputs = self.bus.values
        for name, layer in self.layers.items():
            if layer.sounding:
                if force:
                    layer.sent.clear()
                self._update_layer(name, layer, inputs)
        dynamics = self.score.master.dynamics.evaluate(inputs)
        if self.comfort is not None:
            if force:
                self.limiter.forget("")
            rate, step = self.comfort.dynamics
            dynamics = self.limiter.limit(("", "dynamics"), dynamics, self._now, rate, step)
        if force or not math.isclose(dynamics, getattr(self, "_dynamics", math.nan)):
            self._dynamics = dynamics
            self.out.append(SetDynamics(dynamics))

    def _update_layer(self, name: str, layer: LayerState, inputs: dict[str, float]) -> None:
        """Send the layer's mix and instrument parameters that moved since they were sent."""
        gain, pan, reverb = (layer.value(p, inputs) for p in MIX_PARAMS)
        comfort = self.comfort
        if comfort is not None:
            limit, now = self.limiter.limit, self._now
            if not layer.sent:  # the performer knows nothing of it: send the values as they are
                self.limiter.forget(name)
            gain = limit((name, "gain"), gain, now, *comfort.gain, 1.01 * RESEND * 90.0)
            rate, step = comfort.param
            pan = limit((name, "pan"), pan, now, 2 * rate, 2 * step, 1.01 * RESEND * 2.0)
            reverb = limit((name, "reverb"), reverb, now, rate, step, 1.01 * RESEND)
        if (
            layer.changed("gain", gain, 90.0)
            | layer.changed("pan", pan, 2.0)
            | layer.changed("reverb", reverb, 1.0)
        ):
            self.out.append(SetMix(name, gain, pan, reverb))
            if self.observer is not None and layer.active:
                why = self.explainer.level(name, gain, layer.spec.params.get("gain"), inputs)
                if why is not None:
                    self._why(self._now, why)
        for pname, mapping in layer.instrument_params.items():
            lo, hi = layer.param_ranges[pname]
            value = min(hi, max(lo, mapping.evaluate(inputs)))
            if comfort is not None:
                rate, step = comfort.param
                span = hi - lo
                value = limit(
                    (name, pname), value, now, rate * span, step * span, 1.01 * RESEND * span
                )
            if layer.changed(pname, value, hi - lo):
                self.out.append(SetParam(name, pname, value))

    # -- timed actions ----------------------------------------------------------------------
    def _at(self, sample: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._actions, (sample, next(self._counter), action))

    def _run_actions(self, end: int) -> None:
        while self._actions and self._actions[0][0] < end:
            heapq.heappop(self._actions)[2]()


def follows_of(spec: LayerSpec) -> str:
    """The layer whose melody ``spec``'s generator follows ("" for none)."""
    follows = spec.generator_options.get("follows", "")
    return follows if isinstance(follows, str) else ""


def leaders_first(layers: dict[str, LayerSpec]) -> list[tuple[str, LayerSpec]]:
    """The layers in score order, except that a layer another follows comes before it, so its
    bar is written first (the loader refuses a layer that follows a follower: no chains)."""
    leaders = {follows_of(spec) for spec in layers.values()}
    return sorted(layers.items(), key=lambda item: item[0] not in leaders)


def nearest_pitch(root: int, pitch_class: int) -> int:
    """The pitch of ``pitch_class`` nearest ``root`` (up to a tritone above, else below): where
    a one-shot with a declared root lands so that it sounds the tonic of the current key."""
    up = (pitch_class - root) % 12
    return root + up if up <= 6 else root + up - 12
