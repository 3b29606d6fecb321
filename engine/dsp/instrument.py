"""The instrument contract: what the engine calls, and the checks every call passes through.

An instrument builds all its pyo objects once, on the current server, and afterwards only has
attributes set: :meth:`Instrument.play` for notes, :meth:`Instrument.set_param` for parameters.
Both run on the engine's per-buffer path, so they validate cheaply and never raise on bad data:
a non-finite value is dropped and counted in :attr:`Instrument.rejected` (the engine can report
it), out-of-range values are clamped to the instrument's :class:`~engine.dsp.params.ParamSpec`.
Unknown parameter names do raise (``KeyError``): that is a bug in the caller, not bad data.

Every instrument's :attr:`~Instrument.output` is one mono stream at the calibrated level listed
in :mod:`engine.dsp.instruments` (the mixer pans it), under a soft ceiling
(:func:`~engine.dsp.safety.ceiling`): typical use peaks at 0.2-0.6 and never touches it, but eight
full-velocity voices at once would pass 1.0, and an instrument should not be able to clip the
master on its own. Three kinds share this base:

* :class:`PolyInstrument`: a fixed :class:`~engine.dsp.voices.VoiceBank`; notes start
  sample-accurately and release after their duration.
* kits (drums) override :meth:`Instrument._note_on` to route ``event.voice``.
* :class:`Texture`: continuous sound that starts when created or resumed and ignores notes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from engine.dsp import safety
from engine.dsp.params import ParamSpec
from engine.dsp.pyolib import pyo
from engine.dsp.sleep import VoiceSleep
from engine.dsp.streams import Stream, reachable, streams
from engine.dsp.voices import VoiceBank, velocity_gain
from engine.events import NoteEvent, StemEvent
from engine.samples.model import SampleSet

#: Shortest ramp for a signal parameter: even a "jump" glides this long, so it cannot click.
MIN_RAMP = 0.01
#: Longest ramp accepted.
MAX_RAMP = 60.0
#: Note durations are clamped to this range (seconds).
DURATION_RANGE = (0.001, 600.0)
#: Fade-in on creation and on resume, so a layer never starts with a step.
FADE_IN = 0.02


class Instrument:
    """Base class: parameter handling, note validation, output level and suspend/resume.

    Subclasses set the class constants, build their graph in :meth:`_build` (returning one mono
    signal), register the pyo objects they create with :meth:`own`, read ramped parameters with
    :meth:`signal`, and handle validated notes in :meth:`_note_on`.
    """

    NAME: ClassVar[str]
    PARAMS: ClassVar[dict[str, ParamSpec]]
    POLYPHONY: ClassVar[int]
    #: Linear gain applied at the output so typical use measures about -20 LUFS (see instruments).
    LEVEL: ClassVar[float] = 1.0
    #: True for instruments that play recorded sound: they take a ``samples=`` SampleSet too.
    SAMPLED: ClassVar[bool] = False

    def __init__(
        self,
        *,
        sr: int,
        buffersize: int,
        params: Mapping[str, float] | None = None,
        samples: SampleSet | None = None,
    ) -> None:
        """``samples`` is for sampled instruments (:attr:`SAMPLED`); the others take none."""
        if sr <= 0 or buffersize <= 0:
            raise ValueError(f"sr and buffersize must be positive, got {sr}, {buffersize}")
        self.sr = int(sr)
        self.buffersize = int(buffersize)
        self.rejected = 0
        """Values dropped because they were not finite (notes or parameters)."""
        self.dropped = 0
        """Notes ignored for other reasons: zero velocity, unknown kit voice, suspended."""
        self._values = {name: spec.default for name, spec in self.PARAMS.items()}
        self._signals: dict[str, pyo.SigTo] = {}
        self._objects: list[pyo.PyoObject] = []
        self._tables: list[pyo.PyoTableObject] = []
        self._suspended = False
        self._sleep: VoiceSleep | None = None
        self.samples = samples
        for name, value in (params or {}).items():
            clamped = self.PARAMS[name].clamp(value)
            if clamped is None:
                self.rejected += 1
            else:
                self._values[name] = clamped
        self._setup()
        raw = self._build()
        self._fade = self.own(pyo.Linseg([(0.0, 0.0), (FADE_IN, 1.0)], mul=self.LEVEL))
        self._fade.play()
        self._dry = self.own(pyo.Sig(raw, mul=self._fade))
        # The ceiling's sum is the output itself: a Sig over it only copied it (a stream each).
        self._output = self.own(safety.ceiling(self._dry))
        self._graph = reachable([*self._objects, self._output])

    # -- for subclasses ----------------------------------------------------------------------

    def _setup(self) -> None:
        """Create shared structure :meth:`_build` relies on (a voice bank); default: nothing."""

    def _build(self) -> pyo.PyoObject:
        """Create the pyo graph and return its mono output (before the calibration level)."""
        raise NotImplementedError

    def _note_on(self, offset: int, pitch: float, gain: float, dur: float, voice: str) -> None:
        """Start a validated note: offset in [0, buffersize), gain > 0, dur clamped."""
        raise NotImplementedError

    def own(self, obj: pyo.PyoObject) -> pyo.PyoObject:
        """Keep ``obj`` alive and under suspend/resume, and return it.

        Objects feeding the output are found by :meth:`suspend` anyway; owning matters for the
        ones that do not (a voice bank's triggers, fired from Python) and documents what is built.
        """
        if isinstance(obj, pyo.PyoTableObject):
            self._tables.append(obj)
        else:
            self._objects.append(obj)
        return obj

    def own_all(self, objects: Iterable[pyo.PyoObject]) -> None:
        """:meth:`own` each of ``objects`` (a voice bank's or an envelope set's)."""
        for obj in objects:
            self.own(obj)

    def signal(self, name: str) -> pyo.SigTo:
        """The ramped signal carrying parameter ``name``; created on first use."""
        sig = self._signals.get(name)
        if sig is None:
            spec = self.PARAMS[name]
            value = self._values[name]
            sig = self.own(pyo.SigTo(value, time=max(spec.ramp, MIN_RAMP), init=value))
            self._signals[name] = sig
        return sig

    def value(self, name: str) -> float:
        """Current (target) value of parameter ``name``."""
        return self._values[name]

    # -- the engine's interface --------------------------------------------------------------

    @property
    def output(self) -> pyo.PyoObject:
        """One mono stream at the instrument's calibrated level, under a soft ceiling of 0.95."""
        return self._output

    @property
    def dry(self) -> pyo.PyoObject:
        """The calibrated signal before the output ceiling: for meters and the crash sweep."""
        return self._dry

    @property
    def suspended(self) -> bool:
        """True between :meth:`suspend` and :meth:`resume`."""
        return self._suspended

    def play(self, event: NoteEvent) -> None:
        """Start ``event`` in the next buffer; bad values are clamped, non-finite ones dropped."""
        if self._suspended:
            self.dropped += 1
            return
        fields = (event.offset, event.pitch, event.velocity, event.duration)
        if not all(safety.is_finite(v) for v in fields):
            self.rejected += 1
            return
        velocity = safety.clamp(float(event.velocity), 0.0, 1.0)
        if velocity <= 0.0:
            self.dropped += 1
            return
        offset = int(safety.clamp(round(event.offset), 0, self.buffersize - 1))
        pitch = safety.clamp(float(event.pitch), *safety.PITCH_RANGE)
        dur = safety.clamp(float(event.duration), *DURATION_RANGE)
        self._note_on(offset, pitch, velocity_gain(velocity), dur, event.voice)

    def expect(self, count: int) -> None:
        """``count`` notes start in the buffer after the next: get ready for them now (an
        instrument with sleeping voices wakes them); default: nothing to do."""

    def play_stem(self, event: StemEvent) -> None:
        """A bar of a recorded stem: only the stem instrument plays them; others count a drop."""
        self.dropped += 1

    def set_param(self, name: str, value: float, ramp: float | None = None) -> None:
        """Glide parameter ``name`` to ``value`` (clamped) over ``ramp`` seconds.

        Raises ``KeyError`` for an unknown name; a non-finite value or ramp is counted in
        :attr:`rejected` and ignored. Envelope times take effect from the next note.
        """
        spec = self.PARAMS[name]
        clamped = spec.clamp(value)
        if clamped is None or (ramp is not None and not safety.is_finite(ramp)):
            self.rejected += 1
            return
        seconds = spec.ramp if ramp is None else ramp
        self._values[name] = clamped
        sig = self._signals.get(name)
        if sig is not None:
            sig.setTime(safety.clamp(seconds, MIN_RAMP, MAX_RAMP))
            sig.setValue(clamped)
        self._changed(name, clamped)

    def _changed(self, name: str, value: float) -> None:
        """Hook for parameters that are not plain signals; default: nothing to do."""

    def tick(self) -> None:
        """Housekeeping between buffers, a few times a second: idle voices go to sleep."""
        if self._sleep is not None and not self._suspended:
            self._sleep.sleep_due(self._now())

    def _now(self) -> float:
        """Sample index of the next buffer's start (instruments with voices know it)."""
        return 0.0

    def _init_sleep(self, voices: list[list[pyo.PyoObject]], banks: Iterable[VoiceBank]) -> None:
        """Let ``voices`` (each voice's bank signals) sleep when idle; see engine.dsp.sleep."""
        # Triggers fire when played, so waking must not restart them.
        never = [obj for bank in banks for obj in bank.triggers]
        keep = [stream for obj in (*never, self._output) for stream in streams(obj)]
        self._sleep = VoiceSleep(
            self._switchable(),
            [[stream for obj in voice for stream in streams(obj)] for voice in voices],
            keep,
            sr=self.sr,
        )
        # Voices start asleep, and resume restarts the instrument's own streams only: the next
        # notes wake theirs (a sampler has ~800 voice streams: ~1 ms to restart them all).
        self._sleep.sleep_now()
        asleep = self._sleep.voice_streams()
        self._replay_streams = [s for s in self._switchable(replay=True) if s not in asleep]

    def suspend(self) -> None:
        """Stop every pyo object to save CPU. Meant for a layer already faded out: it cuts at once.

        "Every" matters: an object left running while its parameter source is stopped reads the
        source as 0, and a Butterworth filter at 0 Hz rings to thousands (a rain render showed
        -3000 on resume). So the whole graph is walked, including objects built inline.
        """
        if self._suspended:
            return
        for stream in reversed(self._switchable()):
            stream.stop()
        self._suspended = True

    def resume(self) -> None:
        """Restart after :meth:`suspend`, fading in over :data:`FADE_IN` so it cannot click.

        Triggers are not replayed (playing a ``Trig`` fires it); the fade's ``Linseg`` restarts.
        Voices that sleep when idle (see engine.dsp.sleep) stay asleep until a note wakes them.
        """
        if not self._suspended:
            return
        for stream in self._switchable(replay=True):
            stream.play()
        self._suspended = False
        self._resumed()

    def _resumed(self) -> None:
        if self._sleep is not None:
            self._sleep.all_asleep()  # resume restarted the instrument's own streams only

    def _switchable(self, replay: bool = False) -> list[Stream]:
        """The C-level streams suspend stops and resume restarts, computed once.

        Switching streams directly costs a fraction of ``PyoObject.play()``'s argument handling,
        which matters because a layer resumes inside one audio buffer (hundreds of objects).
        Playing a ``Trig`` fires it, so resume leaves triggers alone.
        Both lists are built on the first call (the orchestra suspends every instrument when it
        builds it): built on the first resume instead, they tripled its cost (~0.4-0.8 ms).
        """
        if not hasattr(self, "_stop_streams"):
            self._stop_streams = [stream for obj in self._graph for stream in streams(obj)]
            self._replay_streams = [
                stream for stream in self._stop_streams if not isinstance(stream.owner, pyo.Trig)
            ]
        return self._replay_streams if replay else self._stop_streams


class PolyInstrument(Instrument):
    """A melodic instrument on a :class:`VoiceBank` of :attr:`POLYPHONY` voices.

    Subclasses build their graph on ``self.voices`` (created before :meth:`_build` runs) and
    implement :meth:`_prepare_voice` to set per-note envelope shapes, and :meth:`_tail`.
    """

    voices: VoiceBank

    def __init__(
        self,
        *,
        sr: int,
        buffersize: int,
        params: Mapping[str, float] | None = None,
        samples: SampleSet | None = None,
    ) -> None:
        super().__init__(sr=sr, buffersize=buffersize, params=params, samples=samples)
        self._init_sleep(self.voices.per_voice(), [self.voices])

    def _setup(self) -> None:
        self.voices = VoiceBank(self.POLYPHONY, sr=self.sr, buffersize=self.buffersize)
        self.own_all(self.voices.objects)

    def _now(self) -> float:
        return self.voices.next_buffer_start()

    def _freq(self, pitch: float) -> float:
        """Note frequency; subclasses narrow it when an object has a tighter safe range."""
        return safety.osc_freq(safety.midi_to_hz(pitch), self.sr)

    def _prepare_voice(self, voice: int, freq: float) -> None:
        """Set per-note state (envelope shapes) on ``voice`` before it starts at ``freq`` Hz."""

    def _tail(self) -> float:
        """Seconds a voice sounds after its gate closes (for voice allocation)."""
        return 0.5

    def expect(self, count: int) -> None:
        """Wake the voices the next buffer's ``count`` notes will take, if they sleep: silent
        and awake, they are allocated first, and the notes' buffer has no streams to start."""
        if self._suspended or self._sleep is None:
            return
        now = self._now()
        awake = self._sleep.awake
        free = self._free_voices(now + self.buffersize)
        needed = count - sum(1 for i in free if awake[i])
        for i in free:
            if needed <= 0:
                break
            if not awake[i]:
                self._sleep.wake(i, now, 0.0, 0.0)
                needed -= 1

    def _free_voices(self, when: float) -> list[int]:
        """The voices free at sample ``when``, in the order allocation takes them."""
        return self.voices.free_by(when)

    def _note_on(self, offset: int, pitch: float, gain: float, dur: float, voice: str) -> None:
        assert self._sleep is not None
        i = self.voices.allocate(self._sleep.awake)
        freq = self._freq(pitch)
        tail = self._tail()
        self._sleep.wake(i, self._now(), dur, tail)
        self._prepare_voice(i, freq)
        self.voices.start(i, offset=offset, freq=freq, gain=gain, dur=dur, tail=tail)


class Texture(Instrument):
    """A continuous texture: sounds from creation (or resume) on and ignores notes."""

    POLYPHONY: ClassVar[int] = 0

    def play(self, event: NoteEvent) -> None:
        """Textures ignore notes; non-finite fields are still counted, for the engine's report."""
        fields = (event.offset, event.pitch, event.velocity, event.duration)
        if not all(safety.is_finite(v) for v in fields):
            self.rejected += 1

    def _note_on(self, offset: int, pitch: float, gain: float, dur: float, voice: str) -> None:
        return None
