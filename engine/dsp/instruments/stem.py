"""Stem: a recorded loop played bar by bar in sync with the transport.

The conductor decides each bar (:class:`~engine.events.StemEvent`): from the bar line on, read the
file from the exact start of the stem's bar *k*, moving through it at *rate* (engine tempo / stem
tempo). This instrument only plays that, on two alternating voices: each bar starts a fresh read
on the other voice, which fades in over ``STEM_CROSSFADE`` while the previous bar's voice, reading
on past its bar's end, fades out. Every bar is re-anchored to where the file says it starts, so
rounding never accumulates and the stem cannot drift from the beat; at a steady tempo both voices
read the same samples during the crossfade, so the joint is inaudible.

Per voice, a ``Trig`` fires before the buffer and an ``SDelay`` delays it to the bar line's sample
(the trick of :mod:`engine.dsp.voices`); it starts two ``TrigLinseg`` ramps: the read position in
samples (a straight line of slope *rate*) and the voice's gain (fade in, hold for the bar, fade
out). A bar costs four attribute sets and a trigger.

How the read follows a tempo other than the stem's own (``follow``, from the stem's
:class:`~engine.samples.loops.StemSet`):

* ``resample``: ``Pointer2`` reads the table at the position (cubic interpolation), so the sound
  is sped up or slowed down, pitch and all, like tape;
* ``stretch``: the same read, then each voice through a pitch shifter (pyo's ``Harmonizer``,
  two crossfading delay taps) transposing it by ``-12 log2(rate)`` semitones, so the pitch holds
  while the position (and so the bar) follows the tempo. The shifter's delay swings within its
  window (``STEM_WINDOW``): the read starts half a window ahead, so onsets land within half a
  window of the beat. At the stem's own tempo the voice bypasses the shifter: exactly on it.
  Granular stretching (grains at a fixed spacing) was tried first and measured wrong: the grains
  add up like a comb, and near the stem's tempo the pitch followed the rate (1.1x: 440 -> 484 Hz).

Each bar's read starts ``preroll`` before its bar line, silent at first: the new voice fades in
over the ``STEM_CROSSFADE`` before the bar line while the previous bar's voice fades out, and a
pitch shifter's window already holds the bar's lead-in at the bar line rather than what the
voice last read. So the bar line itself is played by the new voice alone, at full level,
downbeat intact.
The table holds the file between its own end (``head``) and its own beginning (``tail``), so a
read before the first bar or past the last one hears the loop's continuation.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from engine import defaults
from engine.dsp import safety
from engine.dsp.instrument import Texture
from engine.dsp.params import ParamSpec
from engine.dsp.pyolib import pyo
from engine.dsp.voices import mix
from engine.events import StemEvent

#: Read rates accepted (file seconds per second): a stem at 20 BPM under 200 BPM is 10.
RATE_RANGE = (0.1, 10.0)
#: Bar durations accepted (s): a bar of 16/4 at 20 BPM is 48 s; anything longer is clamped.
DURATION_RANGE = (2.5 * defaults.STEM_CROSSFADE, 600.0)
#: Extra time the position ramp runs past the bar (s): the shifter's window reads on past it.
RAMP_SLACK = 0.01
#: Fade-in of a bar handed over with no preroll (the very first bar of a render), so even it
#: cannot start with a step.
MIN_FADE = 0.001


def numpy_table(audio: np.ndarray) -> pyo.DataTable:
    """A pyo table holding ``audio`` (copied through the table's buffer, not a Python list)."""
    table = pyo.DataTable(size=len(audio))
    np.asarray(table.getBuffer())[:] = audio
    return table


class Stem(Texture):
    """A stem layer: one recorded loop, bars started on bar lines (two crossfading voices)."""

    NAME: ClassVar[str] = "stem"
    POLYPHONY: ClassVar[int] = 2
    SAMPLED: ClassVar[bool] = True
    #: Played at the file's own level: the score's gain sets it in the mix.
    LEVEL: ClassVar[float] = 1.0
    PARAMS: ClassVar[dict[str, ParamSpec]] = {
        "cutoff": ParamSpec(
            20000.0, 100.0, 20000.0, "Hz", "low-pass: closes to thin the stem out", 0.5
        ),
    }

    def _build(self) -> pyo.PyoObject:
        if self.samples is None or not self.samples.samples:
            raise ValueError("a stem plays a recording: build it with samples=")
        audio = self.samples.samples[0]
        self._stretch = getattr(self.samples, "follow", defaults.STEM_FOLLOW) == "stretch"
        self._length = len(audio)
        window = defaults.STEM_WINDOW
        most = RATE_RANGE[1] * self.sr
        tail = math.ceil(most * (window + RAMP_SLACK) + 2 * window * self.sr)
        self._head = math.ceil(most * (defaults.STEM_PREROLL + window))
        # Measured: pyo's Harmonizer delays its input by half its window less one sample.
        self._shift_delay = window * self.sr / 2.0 - 1.0
        head = np.resize(audio[::-1], self._head)[::-1]  # the loop's end, repeated if short
        table = self.own(numpy_table(np.concatenate([head, audio, np.resize(audio, tail)])))
        self._size = table.getSize()
        maxdelay = safety.max_delay((self.buffersize + 1) / self.sr)
        self._triggers = [self.own(pyo.Trig()) for _ in range(self.POLYPHONY)]
        self._delays = [
            self.own(pyo.SDelay(t, delay=0.0, maxdelay=maxdelay)) for t in self._triggers
        ]
        silent = [(0.0, 0.0), (1.0, 0.0)]
        self._positions = [self.own(pyo.TrigLinseg(d, silent)) for d in self._delays]
        self._gains = [self.own(pyo.TrigLinseg(d, silent)) for d in self._delays]
        readers = [
            self.own(pyo.Pointer2(table, p * (1.0 / self._size), interp=4, autosmooth=False))
            for p in self._positions
        ]
        self._transpose: list[pyo.Sig] = []
        self._shifting: list[pyo.Sig] = []
        if self._stretch:  # each voice's read, shifted back to the stem's own pitch
            self._transpose = [self.own(pyo.Sig(0.0)) for _ in readers]
            self._shifting = [self.own(pyo.Sig(0.0)) for _ in readers]
            shifted = [
                self.own(pyo.Harmonizer(r, transpo=t, feedback=0.0, winsize=defaults.STEM_WINDOW))
                for r, t in zip(readers, self._transpose, strict=True)
            ]
            # At the stem's own tempo a voice plays its read as it is: a shifter left at no
            # transposition keeps whatever delay its taps last had (anywhere in its window).
            readers = [
                self.own(pyo.Interp(r, h, interp=w))
                for r, h, w in zip(readers, shifted, self._shifting, strict=True)
            ]
        voices = [self.own(pyo.Sig(r, mul=g)) for r, g in zip(readers, self._gains, strict=True)]
        self._turn = 0
        cutoff = self.own(safety.clip_filter_freq(self.signal("cutoff"), self.sr))
        return self.own(pyo.ButLP(mix(voices), freq=cutoff))

    def play_stem(self, event: StemEvent) -> None:
        """Start a bar of the stem in the next buffer (see the module's docstring)."""
        if self._suspended:
            self.dropped += 1
            return
        fields = (event.offset, event.preroll, event.position, event.rate, event.duration)
        if not all(safety.is_finite(v) for v in fields):
            self.rejected += 1
            return
        sr = self.sr
        offset = int(safety.clamp(round(event.offset), 0, self.buffersize - 1))
        preroll = safety.clamp(float(event.preroll), 0.0, defaults.STEM_PREROLL)
        rate = safety.clamp(float(event.rate), *RATE_RANGE)
        duration = safety.clamp(float(event.duration), *DURATION_RANGE)
        anchor = self._head + math.fmod(max(0.0, float(event.position)) * sr, self._length)
        start = anchor - rate * preroll * sr
        voice = self._turn
        if self._stretch:  # off tempo: shift by the rate's interval, read ahead by its mean delay
            shifting = abs(rate - 1.0) > 1e-9
            if shifting:
                start += rate * self._shift_delay
            self._shifting[voice].setValue(1.0 if shifting else 0.0)
            self._transpose[voice].setValue(-12.0 * math.log2(rate))
        # TrigLinseg's first sample after the trigger is already one step along the line.
        start -= rate
        steps = math.ceil((preroll + duration + RAMP_SLACK + defaults.STEM_WINDOW) * sr)
        fade = defaults.STEM_CROSSFADE
        line = max(preroll, MIN_FADE)  # the bar line, from the trigger
        gain = [(0.0, 0.0), (line, 1.0), (line + duration - fade, 1.0), (line + duration, 0.0)]
        if line > fade:
            gain.insert(1, (line - fade, 0.0))
        self._turn = 1 - voice
        self._positions[voice].setList([(0.0, start), (steps / sr, start + rate * steps)])
        self._gains[voice].setList(gain)
        self._delays[voice].setDelay((offset + 0.5) / sr)  # SDelay truncates: +0.5 is exact
        self._triggers[voice].play()
