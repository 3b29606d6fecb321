"""The orchestra: the score's instruments on mixer channels into the master bus.

It implements the conductor's :class:`~engine.conductor.performer.Performer`, so the conductor's
decisions reach pyo through it alone. It also keeps the NaN watchdog: if the master bus ever turns
non-finite, the channels that carry NaN are rebuilt silent, and the master's recursive parts
(reverb, meter, limiter) are rebuilt, so one bad voice cannot silence the music for good.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from engine.dsp.instrument import Instrument
from engine.dsp.instruments import INSTRUMENTS
from engine.dsp.master import MasterBus
from engine.dsp.mixer import Channel, db_to_amp
from engine.dsp.tap import OutputTap
from engine.events import NoteEvent, StemEvent
from engine.samples.model import SampleSet
from engine.score.model import Score

#: How a channel is made: instrument kind, constant parameters, and the sound it plays from (a
#: sampler's source, a stem, a bed, a one-shot) with whether it is placed (a ``position``: the
#: spatial stage): a channel is rebuilt on reload when it changes.
Recipe = tuple[str, Mapping[str, float], object]


def recipes(score: Score) -> dict[str, Recipe]:
    """Every channel ``score`` needs, by name: its layers, then ``stinger:<name>``."""
    made: dict[str, Recipe] = {}
    for name, layer in score.layers.items():
        constants = {
            p: m.evaluate({})
            for p, m in layer.params.items()
            if m.is_constant and p in INSTRUMENTS[layer.instrument].PARAMS
        }
        placed = layer.position is not None
        made[name] = (layer.instrument, constants, (layer.source, layer.stem, layer.bed, placed))
    for stinger in score.stingers.values():
        placed = stinger.position is not None
        made[f"stinger:{stinger.name}"] = (
            stinger.instrument,
            stinger.params,
            (stinger.sample, placed),
        )
    return made


def is_placed(recipe: Recipe) -> bool:
    """Whether a channel made by ``recipe`` has a position (its sound's last item says so)."""
    sound = recipe[2]
    return isinstance(sound, tuple) and bool(sound) and sound[-1] is True


@dataclass
class Staged:
    """A reloaded score's sound side, built and waiting for :meth:`Orchestra.install`."""

    score: Score
    samples: dict[str, SampleSet]
    recipes: dict[str, Recipe]
    built: dict[str, Channel]


class Orchestra:
    def __init__(
        self,
        score: Score,
        *,
        sr: int,
        buffersize: int,
        samples: Mapping[str, SampleSet] | None = None,
        metering: bool = False,
        spatial: str = "off",
        capture: bool = False,
    ) -> None:
        """``samples``: the loaded sound of each channel that plays recordings, by channel;
        ``metering``: the master bus keeps a true-peak meter (:meth:`meter`; live play);
        ``spatial``: how placed channels sound (``off``, ``stereo``, ``binaural``:
        docs/spatial.md); channels without a position sound the same in every mode;
        ``capture``: keep each buffer of the master's output readable (:meth:`captured`), for a
        listener engine that streams its mix (engine/ensemble/)."""
        self.score = score
        self.capture = capture
        self.tap: OutputTap | None = None
        self.metering = metering
        self.spatial = spatial
        #: Each placed channel's last position relative to the head (SetPosition).
        self._positions: dict[str, tuple[float, float, float]] = {}
        self.sr = sr
        self.buffersize = buffersize
        self._samples = dict(samples or {})
        self.recoveries = 0
        self._mix: dict[str, tuple[float, float, float]] = {}
        self._fades: dict[str, float] = {}
        self._recipes = recipes(score)
        self.channels = {name: self._build(name) for name in self._recipes}
        self.suspended: set[str] = set()
        for name, channel in self.channels.items():
            channel.instrument.suspend()
            channel.suspend()
            self.suspended.add(name)
        self._mix_stingers()
        #: Channels replaced by a reload, fading out: (channel, buffers left).
        self._leaving: list[tuple[Channel, int]] = []
        self.master = MasterBus(score.master, sr=sr, buffersize=buffersize, metering=metering)
        self._connect()
        self._buffers = 0

    def _mix_stingers(self) -> None:
        for stinger in self.score.stingers.values():
            self.set_mix(f"stinger:{stinger.name}", stinger.gain, 0.0, stinger.reverb)
            self.fade(f"stinger:{stinger.name}", 1.0, 0.0)

    def _build(self, name: str, recipe: Recipe | None = None) -> Channel:
        recipe = recipe or self._recipes[name]
        kind, params, _ = recipe
        spatial = self.spatial if is_placed(recipe) else "off"
        cls = INSTRUMENTS[kind]
        instrument: Instrument
        if cls.SAMPLED:
            instrument = cls(
                sr=self.sr,
                buffersize=self.buffersize,
                params=params,
                samples=self._samples.get(name),
            )
        else:
            instrument = cls(sr=self.sr, buffersize=self.buffersize, params=params)
        if spatial == "off":
            return Channel(instrument)
        channel = Channel(instrument, spatial=spatial, sr=self.sr)
        if name in self._positions:
            channel.set_position(*self._positions[name])
        return channel

    def _connect(self) -> None:
        channels = list(self.channels.values())
        self.master.connect([c.signal for c in channels], [c.send for c in channels])
        self._connected = {id(c) for c in channels}
        if self.capture:  # after the master's output, so it reads this buffer's samples
            if self.tap is not None:
                self.tap.stop()
            self.tap = OutputTap(self.master.output, self.buffersize)

    def captured(self) -> np.ndarray:
        """The buffer the server computed last, ``(frames, 2)`` float32 (``capture`` only)."""
        assert self.tap is not None, "built without capture"
        return self.tap.read()

    # -- a reloaded score -------------------------------------------------------------------
    def stage(self, score: Score, samples: Mapping[str, SampleSet], resounded: set[str]) -> Staged:
        """Build, silent and suspended, the channels ``score`` needs that this orchestra does not
        have: new layers and stingers, and those whose instrument, constant parameters or sound
        changed (``resounded``: channels whose sample files changed). Safe beside the audio
        callback (it only adds objects to the server); the slow part of a reload's sound side."""
        wanted = recipes(score)
        built: dict[str, Channel] = {}
        for name, recipe in wanted.items():
            if self._recipes.get(name) != recipe or name in resounded:
                saved = self._samples
                self._samples = dict(samples)
                try:
                    channel = self._build(name, recipe)
                finally:
                    self._samples = saved
                channel.instrument.suspend()
                channel.suspend()
                built[name] = channel
        return Staged(score, dict(samples), wanted, built)

    def install(self, staged: Staged, fade: float) -> None:
        """Take a staged score's channels (between buffers, before the conductor adopts it). A
        replaced channel that is playing crossfades over ``fade`` seconds into its successor,
        which takes over its mix; a new one waits suspended for the conductor to bring it in."""
        self.score = staged.score
        self._samples = staged.samples
        for name, channel in staged.built.items():
            old = self.channels.get(name)
            self.channels[name] = channel
            if old is None:
                self.suspended.add(name)
                continue
            if name in self._mix:
                channel.set_mix(*self._mix[name])
            if name in self.suspended:
                continue
            channel.resume()
            channel.instrument.resume()
            channel.fade(0.0, 0.0)
            channel.fade(self._fades.get(name, 0.0), fade)
            old.fade(0.0, fade)
            self._leaving.append((old, round(fade * self.sr / self.buffersize) + 2))
        self._recipes.update(staged.recipes)
        self._mix_stingers()
        self.master.retune(staged.score.master)
        self._extend()

    def retire(self, channel: str) -> None:
        leaving = self.channels.pop(channel)
        leaving.instrument.suspend()
        leaving.suspend()
        self.suspended.discard(channel)
        for table in (self._recipes, self._mix, self._fades, self._positions):
            table.pop(channel, None)
        self._extend()

    def _extend(self) -> None:
        """Mix the channels made since the bus was connected (and those still fading out)."""
        added = [c for c in self.channels.values() if id(c) not in self._connected]
        added += [c for c, _ in self._leaving if id(c) not in self._connected]
        self.master.extend([c.signal for c in added], [c.send for c in added])

    # -- Performer --------------------------------------------------------------------------
    def note(self, channel: str, event: NoteEvent) -> None:
        self.channels[channel].instrument.play(event)

    def expect(self, channel: str, count: int) -> None:
        self.channels[channel].instrument.expect(count)

    def stem(self, channel: str, event: StemEvent) -> None:
        self.channels[channel].instrument.play_stem(event)

    def set_param(self, channel: str, name: str, value: float) -> None:
        self.channels[channel].instrument.set_param(name, value)

    def set_mix(self, channel: str, gain_db: float, pan: float, reverb: float) -> None:
        self._mix[channel] = (gain_db, pan, reverb)
        self.channels[channel].set_mix(gain_db, pan, reverb)

    def fade(self, channel: str, level: float, seconds: float) -> None:
        self._fades[channel] = level
        self.channels[channel].fade(level, seconds)

    def duck(self, channel: str, db: float, seconds: float) -> None:
        self.channels[channel].duck(db, seconds)

    def suspend(self, channel: str) -> None:
        if channel not in self.suspended:
            self.suspended.add(channel)
            self.channels[channel].instrument.suspend()
            self.channels[channel].suspend()

    def resume(self, channel: str) -> None:
        if channel in self.suspended:
            self.suspended.discard(channel)
            self.channels[channel].resume()
            self.channels[channel].instrument.resume()

    def set_dynamics(self, db: float) -> None:
        self.master.set_dynamics(db)

    def position(self, channel: str, azimuth: float, elevation: float, distance: float) -> None:
        """Where a placed channel sounds from the listener's head (ramped; ignored with
        ``--spatial off`` and for a channel a reload removed)."""
        self._positions[channel] = (azimuth, elevation, distance)
        playing = self.channels.get(channel)
        if playing is not None:
            playing.set_position(azimuth, elevation, distance)

    def levels(self) -> dict[str, float]:
        """Each layer's present gain (fade x duck x mix gain), as a 0..~4 amplitude factor."""
        levels = {}
        for name, channel in self.channels.items():
            if not name.startswith("stinger:"):
                gain_db = self._mix.get(name, (0.0, 0.0, 0.0))[0]
                levels[name] = channel.fader.get() * channel.ducker.get() * db_to_amp(gain_db)
        return levels

    def meter(self) -> tuple[float, float]:
        """The master's short-term loudness (LUFS) and true peak (dBTP): :meth:`MasterBus.meter`."""
        return self.master.meter()

    def rebuilt(self, fade_in: float) -> Orchestra:
        """The same orchestra built anew on the current pyo server, as this one stands: the same
        channels suspended or playing, at their mix, fading in to their levels over ``fade_in``
        seconds, and the master's loudness correction kept. What was sounding is not carried over
        (voices and ducks start afresh). For a server that died: pyo objects cannot move to
        another server."""
        fresh = Orchestra(
            self.score,
            sr=self.sr,
            buffersize=self.buffersize,
            samples=self._samples,
            metering=self.metering,
            spatial=self.spatial,
            capture=self.capture,
        )
        fresh.recoveries = self.recoveries
        for name in self.channels:
            if name not in fresh.channels:  # a layer a reload removed, still fading out
                continue
            if name not in self.suspended:
                fresh.resume(name)
            if name in self._mix:
                fresh.set_mix(name, *self._mix[name])
            fresh.fade(name, self._fades.get(name, 0.0), fade_in)
        fresh.master.carry_on(self.master)
        return fresh

    # -- per buffer -------------------------------------------------------------------------
    def tick(self) -> None:
        if not self.master.tick():
            self._recover()
        # Housekeeping (idle voices go to sleep) once a leveler period per instrument, spread
        # over the period's buffers: at once, every voice a chord's end left idle stopped in
        # one buffer (~800 streams in voyage, 1.7 ms).
        period = self.master.period_buffers
        turn = self._buffers % period
        self._buffers += 1
        for i, (name, channel) in enumerate(self.channels.items()):
            if i % period == turn and name not in self.suspended:
                channel.instrument.tick()
        if self._leaving:
            self._leave()

    def _leave(self) -> None:
        """Count down the replaced channels' crossfades; stop each once it is silent."""
        still = []
        for channel, left in self._leaving:
            if left > 1:
                still.append((channel, left - 1))
            else:
                channel.instrument.suspend()
                channel.suspend()
        self._leaving = still

    def _recover(self) -> None:
        """Replace every channel that carries NaN, then the master's recursive parts."""
        self.recoveries += 1
        for name, channel in list(self.channels.items()):
            if not channel.is_finite():
                channel.fade(0.0, 0.0)
                fresh = self._build(name)
                if name in self.suspended:
                    fresh.instrument.suspend()
                    fresh.suspend()
                if name in self._mix:
                    fresh.set_mix(*self._mix[name])
                fresh.fade(self._fades.get(name, 0.0), 1.0)
                self.channels[name] = fresh
        self.master.output.stop()
        self.master = MasterBus(
            self.master.spec, sr=self.sr, buffersize=self.buffersize, metering=self.metering
        )
        self._connect()
