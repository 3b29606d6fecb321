"""The orchestra: the score's instruments on mixer channels into the master bus.

It implements the conductor's :class:`~engine.conductor.performer.Performer`, so the conductor's
decisions reach pyo through it alone. It also keeps the NaN watchdog: if the master bus ever turns
non-finite, the channels that carry NaN are rebuilt silent, and the master's recursive parts
(reverb, meter, limiter) are rebuilt, so one bad voice cannot silence the music for good.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.dsp.instrument import Instrument
from engine.dsp.instruments import INSTRUMENTS
from engine.dsp.master import MasterBus
from engine.dsp.mixer import Channel, db_to_amp
from engine.events import NoteEvent, StemEvent
from engine.samples.model import SampleSet
from engine.score.model import Score


class Orchestra:
    def __init__(
        self,
        score: Score,
        *,
        sr: int,
        buffersize: int,
        samples: Mapping[str, SampleSet] | None = None,
        metering: bool = False,
    ) -> None:
        """``samples``: the loaded sound of each channel that plays recordings, by channel;
        ``metering``: the master bus keeps a true-peak meter (:meth:`meter`; live play)."""
        self.score = score
        self.metering = metering
        self.sr = sr
        self.buffersize = buffersize
        self._samples = dict(samples or {})
        self.recoveries = 0
        self._mix: dict[str, tuple[float, float, float]] = {}
        self._fades: dict[str, float] = {}
        self._recipes: dict[str, tuple[str, Mapping[str, float]]] = {}
        for name, layer in score.layers.items():
            constants = {
                p: m.evaluate({})
                for p, m in layer.params.items()
                if m.is_constant and p in INSTRUMENTS[layer.instrument].PARAMS
            }
            self._recipes[name] = (layer.instrument, constants)
        for stinger in score.stingers.values():
            self._recipes[f"stinger:{stinger.name}"] = (stinger.instrument, stinger.params)
        self.channels = {name: self._build(name) for name in self._recipes}
        for stinger in score.stingers.values():
            self.set_mix(f"stinger:{stinger.name}", stinger.gain, 0.0, stinger.reverb)
            self.fade(f"stinger:{stinger.name}", 1.0, 0.0)
        self.suspended: set[str] = set()
        for name, channel in self.channels.items():
            channel.instrument.suspend()
            channel.suspend()
            self.suspended.add(name)
        self.master = MasterBus(score.master, sr=sr, buffersize=buffersize, metering=metering)
        self._connect()
        self._buffers = 0

    def _build(self, name: str) -> Channel:
        kind, params = self._recipes[name]
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
        return Channel(instrument)

    def _connect(self) -> None:
        channels = list(self.channels.values())
        self.master.connect([c.signal for c in channels], [c.send for c in channels])

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
        )
        fresh.recoveries = self.recoveries
        for name in self.channels:
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
