"""A fixed pool of voices with sample-accurate note starts, and the envelopes that hang off them.

Why this shape: the engine sets up a buffer from Python and then pyo computes it, so anything set
from Python lands on a buffer boundary. A note must instead start at ``offset`` samples into the
buffer. Each voice therefore owns a ``Trig`` fired before the buffer and ``SDelay`` s whose delay
is set to ``offset`` just before firing; matching ``SDelay`` s carry the voice's frequency and
velocity, so the pitch changes on the very sample the note starts, not at the top of the buffer.

From the delayed trigger each voice derives ``held``: a ``TrigEnv`` reading a table of ones for
the note's duration (so the release happens on its own, sample-accurately, however long the
note), minus the trigger itself (a one-sample zero that lets a still-held voice re-attack).
``gate`` is ``held`` times the velocity. Two envelope kinds follow them:

* :class:`Envelopes`: ``MidiAdsr`` on the gate (or on ``held`` for a 0..1 envelope). It starts a
  new attack from its current level, so re-using a sounding voice does not jump. Its segments are
  linear; its ``exp`` option is never used: with a curve, re-triggering a ringing voice at a lower
  velocity multiplies by ``(old level / new velocity) ** exp`` (crash sweep: bell peaks of 1e35).
* :class:`Strikes`: exponential decays for percussive sounds, a ``Port`` (one-pole) following a
  5 ms pulse at the velocity. Level and slope stay continuous when a voice is re-struck.

Every envelope ends in a 2 ms ``Port`` or is one, which rounds off the remaining corner cases
(envelope times changed mid-phase) so they cannot click.

Objects are built once; a note costs a handful of attribute sets. Voices are allocated free-first
(the one silent longest), else the oldest note is stolen.

Measured: the first non-zero sample of a note lands 2 samples after ``offset`` at any offset
(one sample for the gate's zero, one for the envelope's first step); tests/dsp checks this.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.dsp import safety
from engine.dsp.pyolib import pyo
from engine.dsp.streams import c_object

#: Smoothing after each envelope; short enough to keep attacks crisp, long enough to round a jump.
ENVELOPE_SMOOTHING = 0.002
#: Shortest envelope segment we hand to MidiAdsr (brief: >= 5 ms attacks, >= 10-20 ms releases).
MIN_ATTACK = 0.005
MIN_RELEASE = 0.015
#: A strike's pulse length and rise time constant: ~96 % of the velocity 5 ms after the onset.
STRIKE_HOLD = 0.005
STRIKE_RISE = 0.0015
#: Ratio of a -40 dB decay time to the one-pole time constant (ln 100).
DECAY_TO_TAU = 4.605


def velocity_gain(velocity: float) -> float:
    """Amplitude for a velocity in 0..1: squared, so 0.5 is about -12 dB, like most synths."""
    return velocity * velocity


class VoiceBank:
    """``count`` voices, each with its own delayed trigger, frequency, velocity and gates.

    Public per-voice signals (lists indexed by voice): ``trig`` (delayed trigger), ``freq`` (Hz,
    changes at the note's first sample), ``vel`` (velocity gain, likewise), ``held`` (1 while the
    note is held, else 0) and ``gate`` (``held`` times ``vel``). ``objects`` lists every pyo
    object, for the owning instrument.
    """

    def __init__(
        self,
        count: int,
        *,
        sr: int,
        buffersize: int,
        freq: float | None = 100.0,
        restrike: bool = True,
    ) -> None:
        """``freq`` is the frequency signals' value before the first note; None builds none
        (an instrument that reads no frequency: a sampler sets its rates itself).

        ``restrike=False`` is for an instrument that never starts a note on a voice whose gate
        is open (a sampler gives notes to free voices only): no one-sample zero is needed, so
        ``gate`` is the hold envelope times the velocity itself and no unit ``held`` is built
        (two objects fewer per voice; ``held`` is empty).
        """
        if count < 1:
            raise ValueError(f"a voice bank needs at least one voice, got {count}")
        self.count = count
        self.sr = sr
        self.buffersize = buffersize
        maxdelay = safety.max_delay((buffersize + 1) / sr)
        self._triggers = [pyo.Trig() for _ in range(count)]
        self._freq = [pyo.Sig(freq) for _ in range(count)] if freq is not None else []
        self._vel = [pyo.Sig(0.0) for _ in range(count)]
        # One SDelay per signal (not one with a list input): its streams would be bare C objects
        # that refuse arithmetic with PyoObjects such as parameter SigTos.
        self.trig = [pyo.SDelay(t, delay=0.0, maxdelay=maxdelay) for t in self._triggers]
        self.freq = [pyo.SDelay(f, delay=0.0, maxdelay=maxdelay) for f in self._freq]
        self.vel = [pyo.SDelay(v, delay=0.0, maxdelay=maxdelay) for v in self._vel]
        self.ones = pyo.DataTable(size=8, init=[1.0] * 8)
        if restrike:
            self._hold = [pyo.TrigEnv(t, self.ones, dur=0.1, interp=1) for t in self.trig]
            self.held = [pyo.Sub(h, t) for h, t in zip(self._hold, self.trig, strict=True)]
            self.gate = [pyo.Sig(h, mul=v) for h, v in zip(self.held, self.vel, strict=True)]
        else:
            self._hold = [
                pyo.TrigEnv(t, self.ones, dur=0.1, interp=1, mul=v)
                for t, v in zip(self.trig, self.vel, strict=True)
            ]
            self.held = []
            self.gate = list(self._hold)
        # The time base for voice allocation and sleep: the server's own sample counter, read
        # from Python (a Count per bank cost three running streams each, suspended or not).
        self._server = self._triggers[0]._base_objs[0].getServer()
        self._start = [float("-inf")] * count
        self._end = [float("-inf")] * count
        self.objects: list[pyo.PyoObject] = [
            *self._triggers,
            *self._freq,
            *self._vel,
            *self.trig,
            *self.freq,
            *self.vel,
            *self._hold,
            *self.held,
            *(self.gate if restrike else ()),
        ]

    @property
    def triggers(self) -> list[pyo.Trig]:
        """The per-voice triggers fired by :meth:`start` (playing a ``Trig`` fires it)."""
        return list(self._triggers)

    def per_voice(self) -> list[list[pyo.PyoObject]]:
        """Each voice's own bank signals (its trigger path, frequency, velocity and gates)."""
        lists = (
            self._triggers,
            self._freq,
            self._vel,
            self.trig,
            self.freq,
            self.vel,
            self._hold,
            self.held,
            self.gate if self.held else [],  # without restrike the gate is the hold envelope
        )
        return [[signals[i] for signals in lists if signals] for i in range(self.count)]

    def next_buffer_start(self) -> float:
        """Sample index at which the buffer about to be computed starts (the server's count of
        samples computed so far)."""
        return float(self._server.getCurrentTimeInSamples())

    def allocate(self, awake: Sequence[bool] | None = None) -> int:
        """The voice for a note in the next buffer: a free one, else the oldest note.

        Among free voices, those still ``awake`` (running, see PolyInstrument) come first, so a
        few voices do the work and the rest can sleep; then the one free longest.
        """
        now = self.next_buffer_start()
        free = [i for i in range(self.count) if self._end[i] <= now]
        if free:
            if awake is not None and any(awake[i] for i in free):
                free = [i for i in free if awake[i]]
            return min(free, key=self._end.__getitem__)
        return min(range(self.count), key=self._start.__getitem__)

    def free_by(self, when: float) -> list[int]:
        """The voices free at sample ``when``, the one free longest first: those
        :meth:`allocate` takes then (after any still awake)."""
        free = [i for i in range(self.count) if self._end[i] <= when]
        return sorted(free, key=self._end.__getitem__)

    def start(
        self, voice: int, *, offset: int, freq: float, gain: float, dur: float, tail: float
    ) -> None:
        """Start a note on ``voice`` at ``offset`` samples into the next buffer.

        ``gain`` is the velocity gain, ``dur`` the held time in seconds, ``tail`` how long the
        voice keeps sounding after the gate closes (its release), used only for allocation.
        Arguments must already be clamped; this is the hot path.
        """
        begin = self.next_buffer_start() + offset
        self._start[voice] = begin
        self._end[voice] = begin + (dur + tail) * self.sr
        delay = (offset + 0.5) / self.sr  # SDelay truncates delay*sr; +0.5 makes it exact
        c_object(self.trig[voice]).setDelay(delay)
        c_object(self.vel[voice]).setDelay(delay)
        if self._freq:
            c_object(self.freq[voice]).setDelay(delay)
            c_object(self._freq[voice]).setValue(freq)
        c_object(self._vel[voice]).setValue(gain)
        c_object(self._hold[voice]).setDur(dur)
        c_object(self._triggers[voice]).play()

    def close(self, voice: int) -> None:
        """Close ``voice``'s gate (at its last note's offset in the next buffer): its envelopes
        release. For a voice already silenced another way (a sampler's steal fade)."""
        c_object(self._vel[voice]).setValue(0.0)


@dataclass(frozen=True)
class EnvelopeShape:
    """Times (seconds) and sustain level (0..1) of a linear ADSR."""

    attack: float
    decay: float
    sustain: float
    release: float


class Envelopes:
    """One ``MidiAdsr`` per voice following the bank's gates, each smoothed by a short ``Port``.

    ``unit=True`` follows ``held`` instead of ``gate``: the envelope peaks at 1 whatever the
    velocity (for damping a sound whose level is set elsewhere). Times are set per voice when a
    note starts (:meth:`shape`), not while other voices sound: MidiAdsr compares its running time
    against the current attack/release, so changing them mid-phase can jump a level.
    """

    def __init__(self, bank: VoiceBank, shape: EnvelopeShape, *, unit: bool = False) -> None:
        s = _safe(shape)
        gates = bank.held if unit else bank.gate
        self._adsr = [
            pyo.MidiAdsr(g, attack=s.attack, decay=s.decay, sustain=s.sustain, release=s.release)
            for g in gates
        ]
        self.out = [
            pyo.Port(e, risetime=ENVELOPE_SMOOTHING, falltime=ENVELOPE_SMOOTHING)
            for e in self._adsr
        ]
        self._shapes = [s] * bank.count
        self.objects: list[pyo.PyoObject] = [*self._adsr, *self.out]

    def shape(self, voice: int, shape: EnvelopeShape) -> None:
        """Give ``voice`` a new shape; call just before starting a note on it."""
        s = _safe(shape)
        if s == self._shapes[voice]:
            return
        env = self._adsr[voice]
        env.setAttack(s.attack)
        env.setDecay(s.decay)
        env.setSustain(s.sustain)
        env.setRelease(s.release)
        self._shapes[voice] = s


class Strikes:
    """Exponential strike envelopes: each voice's level jumps towards its velocity over ~5 ms
    on the trigger, then falls by 40 dB in ``decay`` seconds (set per note with :meth:`decay`).
    """

    def __init__(
        self, bank: VoiceBank, decay: float, *, hold: float = STRIKE_HOLD, rise: float = STRIKE_RISE
    ) -> None:
        self._pulses = [
            pyo.TrigEnv(t, bank.ones, dur=hold, interp=1, mul=v)
            for t, v in zip(bank.trig, bank.vel, strict=True)
        ]
        tau = _tau(decay)
        self.out = [pyo.Port(p, risetime=rise, falltime=tau) for p in self._pulses]
        self._taus = [tau] * bank.count
        self.objects: list[pyo.PyoObject] = [*self._pulses, *self.out]

    def decay(self, voice: int, seconds: float) -> None:
        """Set ``voice``'s -40 dB decay time; safe mid-note (the level stays continuous)."""
        tau = _tau(seconds)
        if tau != self._taus[voice]:
            self.out[voice].setFallTime(tau)
            self._taus[voice] = tau


def _tau(decay: float) -> float:
    return safety.clamp(decay, MIN_RELEASE, 120.0) / DECAY_TO_TAU


def _safe(shape: EnvelopeShape) -> EnvelopeShape:
    """Clamp an envelope shape to click-free, finite values."""
    return EnvelopeShape(
        attack=safety.clamp(shape.attack, MIN_ATTACK, 60.0),
        decay=safety.clamp(shape.decay, 0.001, 60.0),
        sustain=safety.clamp(shape.sustain, 0.0, 1.0),
        release=safety.clamp(shape.release, MIN_RELEASE, 60.0),
    )


def mix(signals: Sequence[pyo.PyoObject]) -> pyo.PyoObject:
    """Sum a list of mono signals (or one multi-stream signal) to one stream."""
    return pyo.Mix(list(signals), voices=1)
