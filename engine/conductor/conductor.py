"""The conductor: every buffer, turn the state and the score into notes and parameter changes.

It is the only place musical decisions are made. It knows nothing of pyo: it talks to a
:class:`Performer`. Work is change-driven and bounded: per buffer it advances smoothing, pops the
notes due in the buffer and resends parameters only when the state moved; once per bar it picks
tempo, mode and chord and asks each sounding layer's generator for the bar's notes.

Timing: a command takes effect at the start of the buffer it is applied before; notes are
sample-accurate (each carries its offset inside its buffer); scene changes and stingers land on
their quantization boundary (beat, bar or N bars), computed in musical time so a tempo change in
between cannot make them miss.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable

from engine import defaults
from engine.clock.transport import Transport
from engine.commands import ChangeScene, Command, FireEvent, OverrideTempo, Reseed, SetInput
from engine.conductor.layers import MIX_PARAMS, LayerState
from engine.conductor.performer import Observer, Performer
from engine.events import Note, NoteEvent
from engine.music.generators import BarContext, make_generator
from engine.music.harmony import Chord, HarmonyTrack, ModeSelector, chord_on
from engine.music.humanize import Humanizer
from engine.music.scales import Scale
from engine.score.catalog import Catalog
from engine.score.model import KeySpec, ParamMap, Quantize, Score, StingerSpec
from engine.state.bus import StateBus
from engine.state.router import Router

#: How long a stinger's instrument keeps running after its last note, for the release tail.
STINGER_TAIL = 6.0
#: Humanisation: timing drift (beats, standard deviation) and velocity variation.
HUMANIZE_TIMING = 0.012
HUMANIZE_VELOCITY = 0.06


def derive_seed(base: int, salt: int) -> int:
    """A stable per-part seed from the render seed (no Python ``hash``: it is salted per run)."""
    return (base * 1_000_003 + salt * 7_919) % 2**31


class Conductor:
    def __init__(
        self,
        score: Score,
        catalog: Catalog,
        performer: Performer,
        *,
        sr: int,
        buffersize: int,
        seed: int,
        observer: Observer | None = None,
    ) -> None:
        self.score = score
        self.catalog = catalog
        self.performer = performer
        self.observer = observer
        self.sr = sr
        self.bus = StateBus(score.inputs, sr, buffersize)
        self.router = Router(score)
        self.scene = score.scenes[score.initial_scene]
        self.tempo_override: float | None = None
        self.transport = Transport(sr, score.meter.beats, bpm=self._tempo_target())
        self._notes: list[tuple[int, int, str, NoteEvent]] = []
        self._actions: list[tuple[float, int, Callable[[], None]]] = []
        self._counter = itertools.count()
        self._pending_scene: tuple[str, int, float] | None = None
        self._pending_stingers: list[tuple[StingerSpec, float, int, float]] = []
        self._reseed(seed)

    # -- setup ------------------------------------------------------------------------------
    def _reseed(self, seed: int) -> None:
        """(Re)build everything seeded: generators, harmony, mutation and humanisation."""
        self.seed = seed
        self.rng = random.Random(derive_seed(seed, 0))
        self.humanizer = Humanizer(derive_seed(seed, 1), HUMANIZE_TIMING, HUMANIZE_VELOCITY)
        self.harmony = HarmonyTrack(self.scene.progression or self.score.harmony.progression)
        self.mode_selector = self._mode_selector(self._key())
        old = getattr(self, "layers", {})
        self.layers = {}
        for name, spec in self.score.layers.items():
            generator = make_generator(
                spec.generator, spec.generator_options, derive_seed(seed, 100 + spec.seed)
            )
            state = LayerState(spec, generator)
            ranges = self.catalog.instruments[spec.instrument]
            for pname, mapping in spec.params.items():
                if pname in ranges:
                    state.instrument_params[pname] = mapping
                    state.param_ranges[pname] = (ranges[pname].min, ranges[pname].max)
            if name in old:
                state.active, state.fading_until = old[name].active, old[name].fading_until
            self.layers[name] = state
        self.chord: Chord | None = None
        self._voicing_bar = -1

    def _mode_selector(self, key: KeySpec) -> ModeSelector | None:
        if key.modes is None:
            return None
        return ModeSelector(key.modes.thresholds, key.modes.hysteresis, key.modes.hold_bars)

    def _key(self) -> KeySpec:
        return self.scene.key or self.score.key

    # -- commands ---------------------------------------------------------------------------
    def handle(self, address: str, args: tuple[object, ...] | list[object], sample: int) -> None:
        """Apply one message (from a timeline or OSC) at ``sample``, the current buffer start."""
        for command in self.router.route(address, args, sample / self.sr):
            self.apply(command, sample)

    def apply(self, command: Command, sample: int) -> None:
        if isinstance(command, SetInput):
            self.bus.set(command.name, command.value)
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

    def _landing(self, quantize: Quantize, sample: int) -> tuple[int, float] | None:
        """Where a change requested at ``sample`` lands, as (bar, beat); None means now."""
        if quantize.unit == "now" or self.transport.bar < 0:
            return None
        if quantize.unit == "beat":
            return self.transport.next_beat(sample)
        return self.transport.next_bar_line(sample, quantize.count), 0.0

    def _request_scene(self, name: str, sample: int) -> None:
        if name == self.scene.name and self._pending_scene is None:
            return
        rule = self.score.transition(self.scene.name, name)
        landing = self._landing(rule.quantize, sample)
        if landing is None:
            self._enter_scene(name, sample, rule.fade)
        else:
            self._pending_scene = (name, *landing)

    def _request_stinger(self, stinger: StingerSpec, intensity: float, sample: int) -> None:
        if len(self._pending_stingers) >= defaults.MAX_PENDING_STINGERS:
            self.router.dropped["event_rate"] += 1
            return
        landing = self._landing(stinger.quantize, sample)
        bar, beat = landing if landing is not None else (self.transport.bar, -1.0)
        self._pending_stingers.append((stinger, intensity, bar, beat))

    # -- the buffer step --------------------------------------------------------------------
    def step(self, start: int, frames: int) -> None:
        """Everything due before the buffer ``[start, start + frames)`` is processed."""
        end = start + frames
        self.bus.tick()
        while self.transport.next_bar_start < end:
            self._start_bar()
        self._land_pending(start, end)
        if self.bus.changed:
            self._update_continuous()
        self._run_actions(end)
        self._dispatch(start, end)

    def _start_bar(self) -> None:
        transport = self.transport
        first = transport.bar < 0
        bpm = self._tempo_target()
        if not first:
            glide = self.score.tempo.glide
            bpm = min(transport.bpm * (1 + glide), max(transport.bpm * (1 - glide), bpm))
        transport.start_next_bar(bpm)
        bar_start = transport.bar_start
        if first:
            self._enter_scene(self.scene.name, int(bar_start), 0.0, initial=True)
        pending = self._pending_scene
        if pending is not None and pending[1] <= transport.bar and pending[2] == 0.0:
            self._pending_scene = None
            self._enter_scene(pending[0], round(bar_start), None)
        self._mutate()
        self._choose_harmony()
        for name, layer in self.layers.items():
            if layer.sounding:
                self._schedule_bar(name, layer, from_beat=0.0)
        if self.observer is not None:
            for beat in range(transport.beats_per_bar):
                sample = transport.sample_at(beat)
                self._at(sample, self._beat_report(round(sample), transport.bar, beat, bpm))

    def _beat_report(self, sample: int, bar: int, beat: int, bpm: float) -> Callable[[], None]:
        def report() -> None:
            if self.observer is not None:
                self.observer(sample, "beat", {"bar": bar, "beat": beat, "bpm": bpm})

        return report

    def _tempo_target(self) -> float:
        if self.tempo_override is not None:
            bpm = self.tempo_override
        else:
            mapping: ParamMap = self.scene.tempo or self.score.tempo.bpm
            bpm = mapping.evaluate(self.bus.values)
        tempo = self.score.tempo
        return min(tempo.max, max(tempo.min, bpm))

    def _choose_harmony(self) -> None:
        inputs = self.bus.values
        key = self._key()
        mode = key.mode
        if self.mode_selector is not None and key.modes is not None:
            mode = self.mode_selector.update(inputs[key.modes.input], self.transport.bar)
        self.scale = Scale(key.root, mode)
        bars = round(self.score.harmony.bars_per_chord.evaluate(inputs))
        self.bars_per_chord = min(16, max(1, bars))
        self.tension = min(1.0, max(0.0, self.score.harmony.tension.evaluate(inputs)))
        degree = self.harmony.advance(self.transport.bar, self.bars_per_chord)
        self.chord = chord_on(self.scale, degree, 4 if self.tension > 0.5 else 3, self.tension)
        following = self.harmony.peek(self.transport.bar + 1, self.bars_per_chord)
        self.next_chord = chord_on(self.scale, following, 3, self.tension)

    def _mutate(self) -> None:
        spec = self.score.mutation
        bar = self.transport.bar
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
                self.observer(
                    int(self.transport.bar_start), "mutation", {"layer": name, "operator": operator}
                )

    # -- notes ------------------------------------------------------------------------------
    def _context(self, layer: LayerState) -> BarContext:
        inputs = self.bus.values
        assert self.chord is not None
        return BarContext(
            bar=self.transport.bar,
            beats_per_bar=self.transport.beats_per_bar,
            steps_per_beat=self.score.meter.steps_per_beat,
            scale=self.scale,
            chord=self.chord,
            next_chord=self.next_chord,
            density=layer.value("density", inputs),
            intensity=layer.value("intensity", inputs),
            register=round(layer.value("register", inputs)),
            velocity=layer.value("velocity", inputs),
            gate=layer.value("gate", inputs),
            tension=self.tension,
        )

    def _schedule_bar(self, name: str, layer: LayerState, from_beat: float) -> None:
        notes = layer.generator.bar(self._context(layer))
        if not notes:
            return
        if layer.spec.instrument != "drums":
            notes = self.humanizer.apply(
                notes,
                self.transport.bar,
                self.score.meter.steps_per_beat,
                self.transport.beats_per_bar,
            )
        for note in notes:
            if note.beat >= from_beat - 1e-9:
                self._schedule_note(name, note)

    def _schedule_note(
        self, channel: str, note: Note, velocity_scale: float = 1.0, origin: float | None = None
    ) -> None:
        transport = self.transport
        start = (
            transport.sample_at(note.beat)
            if origin is None
            else origin + note.beat * transport.samples_per_beat
        )
        duration = max(0.005, note.length * 60.0 / transport.bpm)
        velocity = note.velocity * velocity_scale
        event = NoteEvent(0, float(note.pitch), velocity, duration, note.voice)
        heapq.heappush(self._notes, (round(start), next(self._counter), channel, event))

    def _dispatch(self, start: int, end: int) -> None:
        notes = self._notes
        while notes and notes[0][0] < end:
            sample, _, channel, event = heapq.heappop(notes)
            layer = self.layers.get(channel)
            if layer is not None and not layer.sounding:
                continue
            offset = max(0, sample - start)
            self.performer.note(
                channel, NoteEvent(offset, event.pitch, event.velocity, event.duration, event.voice)
            )

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
        if fade is None:
            fade = self.score.transition(previous.name, name).fade
        if self.scene.progression != previous.progression or initial:
            self.harmony = HarmonyTrack(self.scene.progression or self.score.harmony.progression)
        if self._key() != (previous.key or self.score.key) or initial:
            self.mode_selector = self._mode_selector(self._key())
        wanted = set(self.scene.layers)
        for layer_name, layer in self.layers.items():
            if layer_name in wanted and not layer.active:
                self._start_layer(layer_name, layer, fade, from_beat)
            elif layer_name not in wanted and layer.active:
                layer.active = False
                layer.fading_until = sample + fade * self.sr
                self.performer.fade(layer_name, 0.0, fade)
                self._at(layer.fading_until, self._suspender(layer_name, layer))
        if self.observer and not initial:
            self.observer(sample, "scene", {"scene": name, "from": previous.name})
        self._update_continuous(force=True)

    def _start_layer(
        self, name: str, layer: LayerState, fade: float, from_beat: float | None
    ) -> None:
        was_sounding = layer.sounding
        layer.active = True
        layer.fading_until = None
        if not was_sounding:
            self.performer.resume(name)
            layer.sent.clear()
        self.performer.fade(name, 1.0, fade)
        if from_beat is not None and not was_sounding and self.chord is not None:
            self._schedule_bar(name, layer, from_beat)

    def _suspender(self, name: str, layer: LayerState) -> Callable[[], None]:
        def suspend() -> None:
            if not layer.active and layer.fading_until is not None:
                layer.fading_until = None
                self.performer.suspend(name)

        return suspend

    # -- stingers ---------------------------------------------------------------------------
    def _play_stinger(self, stinger: StingerSpec, intensity: float, sample: int) -> None:
        channel = f"stinger:{stinger.name}"
        self.performer.resume(channel)
        spb = self.transport.samples_per_beat
        for n in stinger.notes:
            pitch = self.scale.degree_pitch(n.degree, stinger.octave)
            self._schedule_note(
                channel,
                Note(n.beat, n.length, pitch, n.velocity),
                velocity_scale=0.4 + 0.6 * intensity,
                origin=float(sample),
            )
        length = stinger.beats * spb
        if stinger.duck is not None:
            duck = stinger.duck
            for name, layer in self.layers.items():
                if layer.sounding:
                    self.performer.duck(name, duck.db, defaults.STINGER_DUCK_ATTACK)
                    self._at(sample + length, self._unducker(name, duck.release))
        self._at(sample + length + STINGER_TAIL * self.sr, self._stinger_rest(channel))
        if self.observer:
            self.observer(sample, "stinger", {"stinger": stinger.name, "intensity": intensity})

    def _unducker(self, name: str, release: float) -> Callable[[], None]:
        return lambda: self.performer.duck(name, 0.0, release)

    def _stinger_rest(self, channel: str) -> Callable[[], None]:
        def rest() -> None:
            if not any(item[2] == channel for item in self._notes) and not any(
                s[0].name == channel[8:] for s in self._pending_stingers
            ):
                self.performer.suspend(channel)

        return rest

    def resend(self) -> None:
        """Send every sounding layer's mix and parameters and the master dynamics again, changed
        or not: to a performer that was rebuilt and knows none of them."""
        self._update_continuous(force=True)

    # -- continuous parameters ---------------------------------------------------------------
    def _update_continuous(self, force: bool = False) -> None:
        inputs = self.bus.values
        for name, layer in self.layers.items():
            if not layer.sounding:
                continue
            if force:
                layer.sent.clear()
            gain, pan, reverb = (layer.value(p, inputs) for p in MIX_PARAMS)
            if (
                layer.changed("gain", gain, 90.0)
                | layer.changed("pan", pan, 2.0)
                | layer.changed("reverb", reverb, 1.0)
            ):
                self.performer.set_mix(name, gain, pan, reverb)
            for pname, mapping in layer.instrument_params.items():
                lo, hi = layer.param_ranges[pname]
                value = min(hi, max(lo, mapping.evaluate(inputs)))
                if layer.changed(pname, value, hi - lo):
                    self.performer.set_param(name, pname, value)
        dynamics = self.score.master.dynamics.evaluate(inputs)
        if force or not math.isclose(dynamics, getattr(self, "_dynamics", math.nan)):
            self._dynamics = dynamics
            self.performer.set_dynamics(dynamics)

    # -- timed actions ----------------------------------------------------------------------
    def _at(self, sample: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._actions, (sample, next(self._counter), action))

    def _run_actions(self, end: int) -> None:
        while self._actions and self._actions[0][0] < end:
            heapq.heappop(self._actions)[2]()
