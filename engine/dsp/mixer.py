"""Mixer channels: one per layer or stinger, from an instrument to stereo and a reverb send.

Every level a channel has is a ramp (``SigTo``), so no change clicks: the layer's gain and pan
(ramped by ``defaults.GAIN_RAMP``), the scene fader (ramped over the transition's fade), and the
ducker (ramped by the stinger's attack and release).
"""

from __future__ import annotations

import math

from engine import defaults
from engine.dsp.instrument import Instrument
from engine.dsp.pyolib import pyo
from engine.dsp.streams import reachable, streams


def db_to_amp(db: float) -> float:
    return 0.0 if db <= -80.0 else 10.0 ** (db / 20.0)


def pan_gains(pan: float, stereo: bool) -> tuple[float, float]:
    """Left and right gains for ``pan`` in -1..1: constant power for mono, balance for stereo."""
    pan = min(1.0, max(-1.0, pan))
    if stereo:
        return min(1.0, 1.0 - pan), min(1.0, 1.0 + pan)
    angle = (pan + 1.0) * math.pi / 4.0
    return math.cos(angle) * math.sqrt(2.0), math.sin(angle) * math.sqrt(2.0)


class Channel:
    def __init__(
        self,
        instrument: Instrument,
        *,
        gain_db: float = defaults.LAYER_PARAMS["gain"],
        pan: float = 0.0,
        reverb: float = defaults.LAYER_PARAMS["reverb"],
    ) -> None:
        self.instrument = instrument
        source = instrument.output
        self.stereo = len(source) >= 2
        left, right = self._levels(gain_db, pan)
        self.left = pyo.SigTo(left, time=defaults.GAIN_RAMP, init=left)
        self.right = pyo.SigTo(right, time=defaults.GAIN_RAMP, init=right)
        self.fader = pyo.SigTo(0.0, time=1.0, init=0.0)
        self.ducker = pyo.SigTo(1.0, time=defaults.STINGER_DUCK_ATTACK, init=1.0)
        self.send_level = pyo.SigTo(reverb, time=defaults.GAIN_RAMP, init=reverb)
        stereo_source = pyo.Mix(source if self.stereo else [source, source], voices=2)
        self.signal = stereo_source * [self.left, self.right] * self.fader * self.ducker
        self.send = self.signal * self.send_level
        inside = {id(obj) for obj in instrument._graph}
        self._streams = [
            stream
            for obj in reachable(
                [
                    self.signal,
                    self.send,
                    self.left,
                    self.right,
                    self.fader,
                    self.ducker,
                    self.send_level,
                ]
            )
            if id(obj) not in inside
            for stream in streams(obj)
        ]

    def suspend(self) -> None:
        """Stop the channel's own objects (after its fade-out): a silent layer costs nothing."""
        for stream in self._streams:
            stream.stop()

    def resume(self) -> None:
        for stream in self._streams:
            stream.play()

    def _levels(self, gain_db: float, pan: float) -> tuple[float, float]:
        amp = db_to_amp(gain_db)
        left, right = pan_gains(pan, self.stereo)
        return amp * left, amp * right

    def set_mix(self, gain_db: float, pan: float, reverb: float) -> None:
        left, right = self._levels(gain_db, pan)
        self.left.value = left
        self.right.value = right
        self.send_level.value = min(1.0, max(0.0, reverb))

    def fade(self, level: float, seconds: float) -> None:
        self.fader.time = max(0.005, seconds)
        self.fader.value = min(1.0, max(0.0, level))

    def duck(self, db: float, seconds: float) -> None:
        self.ducker.time = max(0.005, seconds)
        self.ducker.value = db_to_amp(min(0.0, db))

    def is_finite(self) -> bool:
        return all(math.isfinite(x) for x in self.signal.get(all=True))
