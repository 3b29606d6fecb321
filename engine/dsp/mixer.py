"""Mixer channels: one per layer or stinger, from an instrument to stereo and a reverb send.

Every level a channel has is a ramp (``SigTo``), so no change clicks: the layer's gain and pan
(ramped by ``defaults.GAIN_RAMP``), the scene fader (ramped over the transition's fade), and the
ducker (ramped by the stinger's attack and release).

A placed channel (a layer or stinger with a ``position``, docs/spatial.md) has a spatial stage
between its instrument and its levels: the instrument's sound folded to mono, a gentle low-pass
for the air between (:func:`air_cutoff`), then either pyo's ``HRTF`` (``binaural``: two ears,
direction ramped by ``defaults.SPATIAL_RAMP``) or an equal-power pan by bearing (``stereo``),
and the inverse-distance gain (:func:`distance_gain`). Its ``pan`` is not used: the position
says where it is. A channel without a position is built exactly as before, in every mode.
"""

from __future__ import annotations

import math

from engine import defaults
from engine.dsp.instrument import Instrument
from engine.dsp.pyolib import pyo
from engine.dsp.streams import reachable, streams

#: The MIT KEMAR impulses pyo's HRTF reads: loaded once per process and shared by every placed
#: channel (they are plain data, bound to no server).
_HRTF_DATA: list[pyo.HRTFData] = []
#: pyo's HRTF puts out a source straight ahead at about this share of its input in each ear
#: (0.733 measured on pink noise; at +90 degrees 1.07 right and 0.39 left); its output is divided
#: by it, so a source placed at 0 degrees sounds as loud binaurally as the same layer unplaced.
HRTF_FRONT_GAIN = 0.73


def hrtf_data() -> pyo.HRTFData:
    if not _HRTF_DATA:
        _HRTF_DATA.append(pyo.HRTFData())
    return _HRTF_DATA[0]


def distance_gain(distance: float) -> float:
    """Inverse distance, never above 1 (closer than the reference distance: as mixed)."""
    return min(1.0, defaults.SPATIAL_REFERENCE_DISTANCE / max(1e-3, distance))


def air_cutoff(distance: float, sr: int) -> float:
    """The air-absorption low-pass's cutoff (Hz) at ``distance`` metres."""
    cutoff = defaults.AIR_CUTOFF_NEAR / (1.0 + max(0.0, distance) / defaults.AIR_DISTANCE_HALF)
    return min(0.45 * sr, max(defaults.AIR_CUTOFF_MIN, cutoff))


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
        spatial: str = "off",
        sr: int = 48000,
    ) -> None:
        """``spatial``: ``stereo`` or ``binaural`` builds the spatial stage (a placed channel in
        that mode); ``off`` builds the channel as it always was."""
        self.instrument = instrument
        source = instrument.output
        self.stereo = len(source) >= 2
        self.spatial = spatial if spatial in ("stereo", "binaural") else "off"
        self.sr = sr
        #: The position last given (relative to the head), and its unwrapped azimuth target.
        self.position = (0.0, 0.0, defaults.SPATIAL_REFERENCE_DISTANCE)
        self._azimuth = 0.0
        left, right = self._levels(gain_db, pan)
        self.left = pyo.SigTo(left, time=defaults.GAIN_RAMP, init=left)
        self.right = pyo.SigTo(right, time=defaults.GAIN_RAMP, init=right)
        self.fader = pyo.SigTo(0.0, time=1.0, init=0.0)
        self.ducker = pyo.SigTo(1.0, time=defaults.STINGER_DUCK_ATTACK, init=1.0)
        self.send_level = pyo.SigTo(reverb, time=defaults.GAIN_RAMP, init=reverb)
        if self.spatial == "off":
            stereo_source = pyo.Mix(source if self.stereo else [source, source], voices=2)
            self.signal = stereo_source * [self.left, self.right] * self.fader * self.ducker
        else:
            self.signal = self._placed(source) * self.fader * self.ducker
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

    def _placed(self, source: pyo.PyoObject) -> pyo.PyoObject:
        """The spatial stage: mono, air, direction, distance; then the layer's gain."""
        ramp = defaults.SPATIAL_RAMP
        # Two decorrelated channels summed keep their power at 1/sqrt(2) each.
        mono = pyo.Mix(source, voices=1, mul=math.sqrt(0.5) if self.stereo else 1.0)
        cutoff = air_cutoff(self.position[2], self.sr)
        self.air = pyo.SigTo(cutoff, time=ramp, init=cutoff)
        filtered = pyo.Tone(mono, freq=self.air)
        gains = self._spatial_gains()
        self.near_left = pyo.SigTo(gains[0], time=ramp, init=gains[0])
        self.near_right = pyo.SigTo(gains[1], time=ramp, init=gains[1])
        if self.spatial == "binaural":
            lo, hi = defaults.HRTF_ELEVATION_RANGE
            self.azimuth = pyo.SigTo(0.0, time=ramp, init=0.0)
            self.elevation = pyo.SigTo(0.0, time=ramp, init=0.0)
            # The azimuth ramps unwrapped (the short way round, set_position) and is wrapped
            # into pyo's -180..180 here, sample by sample.
            direction = pyo.Wrap(self.azimuth, -180.0, 180.0)
            elevation = pyo.Clip(self.elevation, lo, hi)
            ears = pyo.HRTF(
                filtered,
                azimuth=direction,
                elevation=elevation,
                hrtfdata=hrtf_data(),
                mul=1.0 / HRTF_FRONT_GAIN,
            )
        else:
            ears = pyo.Mix([filtered, filtered], voices=2)
        return ears * [self.left, self.right] * [self.near_left, self.near_right]

    def _spatial_gains(self) -> tuple[float, float]:
        """Each ear's gain from the position: distance, and in stereo the bearing's pan."""
        azimuth, elevation, distance = self.position
        near = distance_gain(distance)
        if self.spatial == "binaural":
            return near, near
        lateral = math.sin(math.radians(azimuth)) * math.cos(math.radians(elevation))
        left, right = pan_gains(lateral, stereo=False)
        return near * left, near * right

    def set_position(self, azimuth: float, elevation: float, distance: float) -> None:
        """Move a placed channel (relative to the head); ramps over ``SPATIAL_RAMP``. Non-finite
        values are ignored; the rest are clamped to what pyo takes."""
        if self.spatial == "off" or not all(
            math.isfinite(v) for v in (azimuth, elevation, distance)
        ):
            return
        lo, hi = defaults.POSITION_RANGES["distance"]
        azimuth = (azimuth + 180.0) % 360.0 - 180.0
        elevation = min(90.0, max(-90.0, elevation))
        distance = min(hi, max(lo, distance))
        self.position = (azimuth, elevation, distance)
        self.air.value = air_cutoff(distance, self.sr)
        left, right = self._spatial_gains()
        self.near_left.value = left
        self.near_right.value = right
        if self.spatial == "binaural":
            # The short way round: the target moves by the wrapped difference, so a turn across
            # the back (170 -> -170) ramps through 180, never through 0.
            step = (azimuth - self._azimuth + 180.0) % 360.0 - 180.0
            self._azimuth += step
            self.azimuth.value = self._azimuth
            self.elevation.value = elevation

    def suspend(self) -> None:
        """Stop the channel's own objects (after its fade-out): a silent layer costs nothing."""
        for stream in self._streams:
            stream.stop()

    def resume(self) -> None:
        for stream in self._streams:
            stream.play()

    def _levels(self, gain_db: float, pan: float) -> tuple[float, float]:
        amp = db_to_amp(gain_db)
        if self.spatial != "off":  # the position places it: no pan
            return amp, amp
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
