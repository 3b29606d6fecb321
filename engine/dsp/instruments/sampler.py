"""Sampler: plays a layer's generated notes from recorded sound (a :class:`SampleSet`).

**One table.** Every buffer of the set is copied once, at build, into one pyo ``DataTable``, back
to back with :data:`GUARD` zeros before and after each, so one table and one read position per
voice reach any zone. Nothing is read from disk afterwards; the copy writes straight into the
table's memory (about 2 ms per million samples). pyo64 tables hold doubles, like the set.

**A voice** reads the table at a position computed per sample from a ``Count`` that the voice's
delayed trigger restarts (``VoiceBank``: the trigger fires on the note's first sample whatever
the buffer size, so onsets are sample-accurate like the synths')::

    pos = start + rate * n                       n: samples since the note's first sample
    pos = min(pos, end)                          a one-shot rests on a guard zero after its end
    pos = pos - L * floor(max(pos - ls, 0) / L)  a looped zone wraps between ls and ls + L

``Count``, ``Min``, ``Max`` and ``Floor`` compute it (their ``mul``/``add``, in table units,
carry the zone: ``Max`` outputs ``(max(pos, ls) - ls) / L`` and ``Floor`` adds ``pos`` back, so
its output is the position itself), and ``Pointer2`` reads there with cubic interpolation.
``rate`` is ``2 ** ((pitch - root) / 12)`` (fractional pitches too), clamped to
:data:`RATE_RANGE`.

The zone's values are plain numbers set at the top of the buffer, not delayed signals: a voice is
only given a note once its envelope has been at zero for :data:`FREE_MARGIN`, so moving its read
position before the note's first sample cannot be heard, and it saves ten streams per voice
(its bank builds no frequency signals either). Stages no zone of the set needs are not built:
the decay when every zone sustains at full level (strings, horns, flutes), the wrap when none
loops (drums, pizzicato, timpani). A voice then has 20-27 streams, a pad voice 18. Measured
(benchmarks.samples, 48 kHz, 256 frames, 8 voices held, 10th percentile of the buffers' time,
medians of five runs): a sounding voice costs 0.95x a pad voice's time on FluidR3's piano,
1.04x on its strings, 0.87x on its flute, 0.76x on its pizzicato.

**Loops.** ``loop`` zones wrap while the note sounds, release tail included. ``release`` zones
(SoundFont mode 3: loop until the key is released, then play on to the end) are played as
``loop``: the release envelope ends them either way, and the part after a SoundFont loop is a few
milliseconds of the recorded decay, which the linear release covers; following it exactly would
need the wrap count frozen at the release sample. ``none`` zones play once and stop at their end.

**Envelope.** The zone's :class:`~engine.samples.model.VolumeEnvelope` shapes each voice in
three parts. The attack is a linear ``MidiAdsr`` on the voice's gate, like
:class:`~engine.dsp.voices.Envelopes` (delay folded in: the rise starts at once and takes
delay + attack; >= 5 ms like every instrument). The decay is a step it is multiplied by: 1
from the note's first sample for attack + hold, then the zone's sustain level (a ``Compare`` of
the read position with where it will be then: cheaper than a ``TrigEnv``). The one-pole
``Port`` after the ``MidiAdsr`` falls towards the step with the decay's time constant while the
note is held (its fall time is a signal that follows the voice's gate), so the level falls
dB-linearly, 100 dB in the decay time, as a SoundFont's does (a piano preset is a looped sample
decaying this way: a linear decay over its 4-20 s held it near full level for seconds: 6.7 LU
louder on the calibration chords); one ``Port`` for both saves an object per voice. The
release is the zone's, times ``release_scale``, and it is exponential: the ``MidiAdsr`` releases
in a fixed :data:`~engine.dsp.voices.MIN_RELEASE` and the ``Port`` falls by 40 dB in the release
time from the note's end (a SoundFont release is dB-linear too). Why not ``Envelopes``'
per-note release: ``MidiAdsr`` compares its running release time against the *current* release,
so giving a voice whose release had ended a longer one for its next note brings the old release
back to life for the rest of the buffer before the note (measured: 0 -> 0.77, a click on every
reused voice). A ``Port``'s fall time can change at any moment without a jump. The peak is
velocity gain (squared velocity) x zone gain x the set's normalisation.

**Level.** SoundFonts and recordings are normalised differently (FluidR3's presets differ by
10 dB and more), so at build the set is scaled so that its loudest sample peaks at 1.0 (the peak
of the buffers its zones use; cheap, and it never changes the balance between zones), then
``LEVEL`` calibrates typical use to -20 LUFS like every instrument.

**Polyphony and stealing.** ``voices`` (read at build) caps the voices in use at once: sounding,
release tails included, until they are free (their tail :data:`FREE_RELEASES` releases down);
spares (:data:`SPARE_FRACTION` of the cap, at least :data:`MIN_SPARES`) are built beyond it.
Counting only voices before their end let tails take every spare (voyage dropped 273 notes a
minute). When the cap is reached, the oldest voice (usually a quiet tail) fades
out over :data:`STEAL_FADE` (its own gain, a linear ``SigTo`` after the envelope) while the new
note starts on a spare: a sounding voice's read position never jumps. A faded voice is reclaimed
once its fade is over (its gate closes and its envelope is cut while it is silent) and is free
:data:`FREE_MARGIN` later. A note that finds no free voice (more notes in one fade than spares)
is dropped and counted in ``dropped``. A note on layered zones takes one voice per zone.

**Sleep.** Idle voices sleep like the synths' (engine.dsp.sleep): every voice stream stops once
its note and release are over.

**Drum kits.** The drums generator names its drums (``voice``: kick, snare, hat, openhat,
shaker) and leaves the pitch at 0; on a sampler each name plays its General MIDI percussion key
(:data:`GM_PERCUSSION`), so a GM kit preset (bank 128) plays a drum layer as written.

A set with no zones (or none given) builds a silent instrument: notes are counted in ``dropped``.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from engine.dsp import safety
from engine.dsp.instrument import PolyInstrument
from engine.dsp.params import ParamSpec
from engine.dsp.pyolib import pyo
from engine.dsp.streams import c_object
from engine.dsp.voices import (
    DECAY_TO_TAU,
    ENVELOPE_SMOOTHING,
    MIN_ATTACK,
    MIN_RELEASE,
    EnvelopeShape,
    VoiceBank,
    mix,
)
from engine.samples.model import SampleSet, Zone

#: Zeros before, between and after the buffers in the table: cubic interpolation reads one sample
#: before and two after the position, and a one-shot rests on the first zero after its end.
GUARD = 64
#: Playback rates allowed (16 = four octaves up, 1/16 four down): pitch may be anything in
#: safety.PITCH_RANGE, and a rate far outside this only reads noise or a stretched click.
RATE_RANGE = (1.0 / 16.0, 16.0)
#: A stolen voice fades out this linearly (the brief asks 5-10 ms: no click, no audible tail).
STEAL_FADE = 0.008
#: Voices built beyond the cap, as a fraction of it (at least 2): room for the notes that start
#: while stolen voices fade. Sleeping spares cost pyo's bookkeeping only (~20 ns per stream).
SPARE_FRACTION = 0.5
MIN_SPARES = 2
#: A voice is free this many release times (each -40 dB) after its note ends: -100 dB, so moving
#: its read position before the next note's first sample cannot be heard.
FREE_RELEASES = 2.5
#: Plus this long, for the envelope's 2 ms smoothing (e^-25 after a steal's cut).
FREE_MARGIN = 0.05
#: Zone gains are clamped to this (a SoundFont's negative attenuation is at most a few dB).
MAX_ZONE_GAIN = 4.0
#: Longest envelope segment (s), like engine.dsp.voices' clamp.
MAX_RELEASE = 60.0
#: Smallest velocity gain a voice is given (-120 dB): the fall time divides by it.
MIN_VELOCITY = 1e-6
#: Loop end used for zones that do not loop ("never reached"), in table units.
NO_END = 1e12
#: Added to the loop count before it is floored (see _Plan): far above its rounding error
#: (~1e-7 for the largest table max_sample_mb allows), far below a sample of any loop.
WRAP_MARGIN = 1e-6


#: Ratio of a SoundFont decay time (a 100 dB fall) to the one-pole time constant: ln(10 ** 5).
DECAY_TO_100DB = 11.5129

#: General MIDI percussion keys (channel 10) for the drums generator's named voices: bass drum 1,
#: acoustic snare, closed and open hi-hat, maracas (GM 1 has no shaker; maracas is its nearest).
GM_PERCUSSION = {"kick": 36, "snare": 38, "hat": 42, "openhat": 46, "shaker": 70}


class _Plan:
    """A zone's reading constants in table units (see the module docstring), computed once."""

    __slots__ = (
        "decay_tau",
        "end",
        "gain",
        "loop_mul",
        "loop_start",
        "loops",
        "peak_time",
        "root",
        "shape",
        "start",
        "sustain",
        "wrap",
        "wrap_add",
    )

    def __init__(self, zone: Zone, offset: int, length: int, size: int, norm: float) -> None:
        start, end = offset, offset + length
        loop = zone.loop if zone.loop_mode != "none" else None
        if loop is not None and loop[0] >= 0 and loop[0] + 2 <= loop[1] <= length:
            ls, span, stop = offset + loop[0], loop[1] - loop[0], NO_END
            self.loops = True
        else:  # plays once: the wrap point lies beyond the end, where the position never goes
            ls, span, stop = end + 1, 1, end / size
            self.loops = False
        self.start = start / size
        self.end = stop
        self.loop_start = ls / size
        self.wrap = size / span
        # (max(pos, ls) - ls) / L computed as max * wrap + wrap_add rounds to a little either
        # side of 0 before the loop, and floor(-1e-9) = -1 would read a whole loop ahead: the
        # margin keeps it >= 0. It wraps 1e-6 of a loop early: a fraction of a sample.
        self.wrap_add = -ls / span + WRAP_MARGIN
        self.loop_mul = -span / size
        self.root = zone.root
        self.gain = safety.clamp(zone.gain, 0.0, MAX_ZONE_GAIN) * norm
        env = zone.envelope
        attack = safety.clamp(env.delay + env.attack, MIN_ATTACK, MAX_RELEASE)
        self.shape = EnvelopeShape(attack=attack, decay=0.1, sustain=1.0, release=env.release)
        # The decay (see the module docstring): at the peak until attack + hold, then falling
        # dB-linearly to the sustain level, 100 dB in ``decay`` seconds as a SoundFont's does.
        self.peak_time = safety.clamp(attack + env.hold, 0.001, MAX_RELEASE)
        self.sustain = safety.clamp(env.sustain, 0.0, 1.0)
        self.decay_tau = safety.clamp(env.decay, 0.001, MAX_RELEASE) / DECAY_TO_100DB


class Sampler(PolyInstrument):
    """Plays notes from a SampleSet: pitched by resampling, looped, enveloped (16 voices)."""

    NAME: ClassVar[str] = "sampler"
    SAMPLED: ClassVar[bool] = True
    #: The default cap; the built count follows the ``voices`` parameter.
    POLYPHONY: ClassVar[int] = 16
    LEVEL: ClassVar[float] = 1.115
    PARAMS: ClassVar[dict[str, ParamSpec]] = {
        "cutoff": ParamSpec(20000.0, 200.0, 20000.0, "Hz", "output low-pass (colour)", 0.2),
        "release_scale": ParamSpec(
            1.0, 0.05, 10.0, "x", "multiplies each zone's release, from the next note", 0.0
        ),
        "tune": ParamSpec(0.0, -100.0, 100.0, "cents", "tuning, from the next note", 0.0),
        "voices": ParamSpec(16.0, 1.0, 32.0, "", "polyphony cap, read when the layer is built"),
    }

    def _setup(self) -> None:
        self.cap = int(self.value("voices"))
        spares = max(MIN_SPARES, math.ceil(self.cap * SPARE_FRACTION))
        self.voices = VoiceBank(
            self.cap + spares, sr=self.sr, buffersize=self.buffersize, freq=None, restrike=False
        )
        self.own_all(self.voices.objects)

    def _build(self) -> pyo.PyoObject:
        count = self.voices.count
        self._table, self._plans = self._load(self.samples)
        self._size = self._table.getSize()
        # Per voice: when its note began and ends (release included), when it is free again,
        # and whether it is fading out after a steal (then: when its fade is over).
        self._begin = [-math.inf] * count
        self._end = [-math.inf] * count
        self._free_at = [-math.inf] * count
        self._stolen_until: list[float | None] = [None] * count
        self._turns = [0] * 128
        # Stages no zone of the set needs are not built (decided once, here): a set that never
        # decays (sustain at full level: strings, horns, flutes) has no decay stage, and one
        # that never loops (drums, pizzicato, timpani) no wrap.
        plans = self._plans.values()
        decays = any(plan.sustain < 1.0 for plan in plans)
        loops = any(plan.loops for plan in plans)
        # pyo computes objects in the order they were made, and an object reads the others'
        # output of this buffer only if they were made before it: the read position comes
        # first (the decay reads it), then the steal gains, or the envelopes would apply them a
        # buffer late (a reused voice stayed muted a buffer, then jumped in: a click).
        self._count = [pyo.Count(t) for t in self.voices.trig]
        self._steal = [pyo.SigTo(1.0, time=STEAL_FADE, init=1.0) for _ in range(count)]
        # The decay (see the module docstring), only if some zone decays: the ADSR times a step
        # (1 until the note's peak time, then the sustain level: a Compare of the read position
        # with where it is at the peak time), and the envelope's one-pole falls towards it with
        # a fall time that follows the gate: the decay while the note is held, then the release
        # (the gate is the velocity while held, so the note's mul divides by it).
        self._peak = [pyo.Compare(c, comp=NO_END, mode="<") for c in self._count] if decays else []
        self._fall = [
            pyo.Sig(g, mul=0.0, add=ENVELOPE_SMOOTHING) for g in self.voices.gate if decays
        ]
        self._shapes: list[EnvelopeShape | None] = [None] * count
        self._adsr = [
            pyo.MidiAdsr(g, attack=MIN_ATTACK, decay=0.1, sustain=1.0, release=MIN_RELEASE, mul=p)
            for g, p in zip(self.voices.gate, self._peak or [1.0] * count, strict=True)
        ]
        # The steal gain is the envelope's mul, not a product object.
        self._env = [
            pyo.Port(a, risetime=ENVELOPE_SMOOTHING, falltime=f, mul=g)
            for a, f, g in zip(
                self._adsr, self._fall or [ENVELOPE_SMOOTHING] * count, self._steal, strict=True
            )
        ]
        self._clamped = [pyo.Min(c, comp=NO_END) for c in self._count]
        self._over = [pyo.Max(c, comp=0.0) for c in self._clamped] if loops else []
        # Floor adds the clamped position back (its add, not a sum object): it is the index.
        self._wrapped = [
            pyo.Floor(o, add=c) for o, c in zip(self._over, self._clamped, strict=loops)
        ]
        index = self._wrapped or self._clamped
        reads = [
            pyo.Pointer2(self._table, at, interp=4, autosmooth=False, mul=env)
            for at, env in zip(index, self._env, strict=True)
        ]
        self.own_all([*self._count, *self._steal, *self._peak, *self._fall])
        self.own_all([*self._adsr, *self._env, *self._clamped, *self._over, *self._wrapped, *reads])
        cutoff = self.own(safety.clip_filter_freq(self.signal("cutoff"), self.sr))
        return self.own(pyo.ButLP(mix(reads), freq=cutoff))

    def _load(self, samples: SampleSet | None) -> tuple[pyo.DataTable, dict[Zone, _Plan]]:
        """The set's buffers in one table, and each zone's reading plan."""
        buffers = samples.samples if samples is not None else ()
        zones = samples.zones if samples is not None else ()
        used = sorted({z.sample for z in zones if 0 <= z.sample < len(buffers)})
        offsets: dict[int, int] = {}
        size = GUARD
        for i in used:
            offsets[i] = size
            size += len(buffers[i]) + GUARD
        table = self.own(pyo.DataTable(size=size))
        view = np.asarray(table.getBuffer())
        peak = 0.0
        for i in used:
            data = np.nan_to_num(np.asarray(buffers[i], dtype=np.float64), posinf=0.0, neginf=0.0)
            view[offsets[i] : offsets[i] + len(data)] = data
            if data.size:
                peak = max(peak, float(np.max(np.abs(data))))
        del view  # never keep a view on pyo's memory (engine.dsp.streams says why)
        norm = 1.0 / peak if peak > 0.0 else 0.0
        plans = {
            zone: _Plan(zone, offsets[zone.sample], len(buffers[zone.sample]), size, norm)
            for zone in zones
            if zone.sample in offsets
        }
        return table, plans

    # -- notes --------------------------------------------------------------------------------

    def _note_on(self, offset: int, pitch: float, gain: float, dur: float, voice: str) -> None:
        now = self.voices.next_buffer_start()
        self._reclaim(now)
        if voice in GM_PERCUSSION:  # a drum generator's note on a General MIDI kit
            pitch = GM_PERCUSSION[voice]
        key = round(pitch)
        velocity = int(safety.clamp(round(math.sqrt(gain) * 127.0), 1.0, 127.0))
        turn = self._turns[key]
        self._turns[key] = turn + 1
        if self.samples is None or not self._plans:
            self.dropped += 1
            return
        zones = self.samples.zones_for(key, velocity, turn)
        ratio = self.samples.sr / self.sr
        tune = self.value("tune") / 100.0
        scale = self.value("release_scale")
        for zone in zones:
            plan = self._plans.get(zone)
            if plan is None:
                continue
            rate = 2.0 ** ((pitch + tune - plan.root) / 12.0) * ratio
            self._start(offset, now, plan, safety.clamp(rate, *RATE_RANGE), gain, dur, scale)

    def _start(
        self,
        offset: int,
        now: float,
        plan: _Plan,
        rate: float,
        gain: float,
        dur: float,
        scale: float,
    ) -> None:
        i = self._allocate(now)
        if i is None:
            self.dropped += 1
            return
        shape = plan.shape
        release = safety.clamp(shape.release * scale, MIN_RELEASE, MAX_RELEASE)
        assert self._sleep is not None
        self._sleep.wake(i, now, dur, release)
        begin = now + offset
        self._begin[i] = begin
        self._end[i] = begin + (dur + release) * self.sr
        self._free_at[i] = self._end[i] + (FREE_RELEASES * release + FREE_MARGIN) * self.sr
        # pyo's C setters directly (engine.dsp.streams.c_object): a downbeat starts a dozen
        # notes in one buffer, and the Python setters cost ~4 us each.
        speed = rate / self._size  # table units per sample
        c_object(self._count[i]).setMul(speed)
        c_object(self._count[i]).setAdd(plan.start)
        c_object(self._clamped[i]).setComp(plan.end)
        if self._over:
            over = c_object(self._over[i])
            over.setComp(plan.loop_start)
            over.setMul(plan.wrap)
            over.setAdd(plan.wrap_add)
            c_object(self._wrapped[i]).setMul(plan.loop_mul)
        steal = c_object(self._steal[i])
        steal.setTime(0.0)
        steal.setValue(1.0)
        if shape != self._shapes[i]:  # the voice is silent: safe (only its release is timed)
            c_object(self._adsr[i]).setAttack(shape.attack)
            self._shapes[i] = shape
        release_tau = max(release / DECAY_TO_TAU, ENVELOPE_SMOOTHING)
        velocity = max(gain * plan.gain, MIN_VELOCITY)  # 0 would never open the gate
        if self._peak:  # 1 while the position is before where it is at the peak time
            peak = c_object(self._peak[i])
            peak.setComp(plan.start + speed * plan.peak_time * self.sr)
            peak.setMul(1.0 - plan.sustain)
            peak.setAdd(plan.sustain)
            fall = c_object(self._fall[i])  # the decay while held, then the release
            fall.setMul((plan.decay_tau - release_tau) / velocity)
            fall.setAdd(release_tau)
        else:
            c_object(self._env[i]).setFallTime(release_tau)
        self.voices.start(i, offset=offset, freq=0.0, gain=velocity, dur=dur, tail=release)

    def _free_voices(self, when: float) -> list[int]:
        free = [i for i, at in enumerate(self._free_at) if at <= when]
        return sorted(free, key=self._free_at.__getitem__)

    def _allocate(self, now: float) -> int | None:
        """A free voice for a note in the next buffer, stealing the oldest if the cap is reached.

        Free voices still awake come first (so the rest can sleep), then the one free longest.
        """
        assert self._sleep is not None
        awake = self._sleep.awake
        free = [i for i, at in enumerate(self._free_at) if at <= now]
        if not free:
            return None
        if any(awake[i] for i in free):
            free = [i for i in free if awake[i]]
        chosen = min(free, key=self._free_at.__getitem__)
        # In use: sounding or in the quiet end of a tail (until free), not already fading out.
        # Counting tails keeps the spares free for what they are for (notes that start while
        # stolen voices fade); counting only sounding voices let tails take every voice, and
        # voyage dropped 270 notes a minute.
        in_use = [
            i
            for i, at in enumerate(self._free_at)
            if at > now and self._stolen_until[i] is None and i != chosen
        ]
        if len(in_use) >= self.cap:
            self._steal_voice(min(in_use, key=self._begin.__getitem__), now)
        return chosen

    def _steal_voice(self, voice: int, now: float) -> None:
        """Fade ``voice`` out over STEAL_FADE from the next buffer on; reclaimed afterwards."""
        steal = c_object(self._steal[voice])
        steal.setTime(STEAL_FADE)
        steal.setValue(0.0)
        self._stolen_until[voice] = now + STEAL_FADE * self.sr
        self._free_at[voice] = math.inf

    def _reclaim(self, now: float) -> None:
        """Close the gates of stolen voices whose fade is over, and cut their envelopes."""
        for voice, until in enumerate(self._stolen_until):
            if until is None or until > now:
                continue
            self._stolen_until[voice] = None
            if self._fall:
                fall = c_object(self._fall[voice])
                fall.setMul(0.0)
                fall.setAdd(ENVELOPE_SMOOTHING)
            else:
                c_object(self._env[voice]).setFallTime(ENVELOPE_SMOOTHING)
            self.voices.close(voice)
            assert self._sleep is not None
            self._sleep.silenced(voice, now)
            self._end[voice] = now
            self._free_at[voice] = now + (MIN_RELEASE + FREE_MARGIN) * self.sr

    def tick(self) -> None:
        if not self._suspended:
            self._reclaim(self.voices.next_buffer_start())
        super().tick()
