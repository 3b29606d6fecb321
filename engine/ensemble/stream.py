"""A listener's stream to a browser, without the web: packets, codecs, and what a page may send.

``Packetizer`` cuts a listener's buffers into ``STREAM_PACKET`` (20 ms) packets; an encoder
turns a packet into the bytes a page gets (:class:`PcmEncoder`: int16, :class:`OpusEncoder`:
Opus through PyAV's libopus, which the page decodes with WebCodecs). :func:`page_inputs` turns a
page's JSON (device motion, orientation, heart rate) into that listener's messages, or says why
not. Every packet starts with a 16-byte header: codec (0 PCM, 1 Opus), channels, frames, a
sequence number and the piece's sample its first frame is.
"""

from __future__ import annotations

import math
import struct
from typing import Any, Protocol

import numpy as np

from engine import defaults
from engine.score.model import Score

#: codec, channels, frames, sequence, first sample (little-endian; the page reads the same).
HEADER = struct.Struct("<BBHIQ")
CODECS = {"pcm": 0, "opus": 1}


class Encoder(Protocol):
    codec: str

    def encode(self, packet: np.ndarray) -> bytes: ...


class PcmEncoder:
    """16-bit PCM, interleaved: what any browser plays, at 4 bytes a frame."""

    codec = "pcm"

    def encode(self, packet: np.ndarray) -> bytes:
        clipped = np.clip(packet, -1.0, 1.0) * 32767.0
        data: bytes = np.rint(clipped).astype("<i2").tobytes()
        return data


class OpusEncoder:
    """Opus (``lowdelay``: 2.5 ms look-ahead, one packet out for each packet in) via PyAV."""

    codec = "opus"

    def __init__(self, sr: int, frames: int, bitrate: int = defaults.STREAM_OPUS_BITRATE) -> None:
        import av  # PyAV: FFmpeg's libopus in its wheel (pyproject says why)

        self._av = av
        self.sr = sr
        context: Any = av.CodecContext.create("libopus", "w")
        context.sample_rate = sr
        context.layout = "stereo"
        context.format = "flt"
        context.bit_rate = bitrate
        context.options = {
            "application": "lowdelay",
            "frame_duration": str(round(1000 * frames / sr)),
            "compression_level": str(defaults.STREAM_OPUS_COMPLEXITY),
        }
        context.open()
        self._context = context
        self._pts = 0

    def encode(self, packet: np.ndarray) -> bytes:
        frame = self._av.AudioFrame.from_ndarray(
            np.ascontiguousarray(packet, dtype=np.float32).reshape(1, -1),
            format="flt",
            layout="stereo",
        )
        frame.sample_rate = self.sr
        frame.pts = self._pts
        self._pts += packet.shape[0]
        return b"".join(bytes(p) for p in self._context.encode(frame))


def opus_supported(sr: int) -> bool:
    """Opus takes 48 kHz (and lower rates serve does not use); other rates stream as PCM."""
    return sr == 48000


def make_encoder(codec: str, sr: int, frames: int) -> Encoder:
    if codec == "opus":
        return OpusEncoder(sr, frames)
    return PcmEncoder()


def packet_frames(sr: int) -> int:
    return round(sr * defaults.STREAM_PACKET)


class Packetizer:
    """A listener's ``(frames, 2)`` buffers in, ``STREAM_PACKET`` packets out (copies)."""

    def __init__(self, frames: int) -> None:
        self.frames = frames
        self._buffer = np.zeros((frames, 2), dtype=np.float32)
        self._filled = 0
        self._first = 0  # the piece's sample of the packet's first frame

    def push(self, block: np.ndarray, sample: int) -> list[tuple[np.ndarray, int]]:
        done: list[tuple[np.ndarray, int]] = []
        offset = 0
        while offset < len(block):
            if self._filled == 0:
                self._first = sample + offset
            take = min(self.frames - self._filled, len(block) - offset)
            self._buffer[self._filled : self._filled + take] = block[offset : offset + take]
            self._filled += take
            offset += take
            if self._filled == self.frames:
                done.append((self._buffer.copy(), self._first))
                self._filled = 0
        return done


def frame(codec: str, payload: bytes, frames: int, sequence: int, sample: int) -> bytes:
    return HEADER.pack(CODECS[codec], 2, frames, sequence & 0xFFFFFFFF, sample) + payload


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _vector(value: object) -> list[float] | None:
    if not isinstance(value, list) or len(value) != 3:
        return None
    numbers = [_number(v) for v in value]
    return None if any(n is None for n in numbers) else [n for n in numbers if n is not None]


def movement(acceleration: list[float], with_gravity: bool) -> float:
    """A device's acceleration (m/s^2, x y z) as movement 0..1: its magnitude (less gravity
    when the device gives only acceleration with gravity) over ``STREAM_MOTION_FULL``."""
    magnitude = math.sqrt(sum(a * a for a in acceleration))
    if with_gravity:
        magnitude = abs(magnitude - defaults.GRAVITY)
    return min(1.0, magnitude / defaults.STREAM_MOTION_FULL)


def orientation(alpha: float, beta: float, gamma: float) -> tuple[float, float, float]:
    """DeviceOrientation (a phone held flat, screen up, its top pointing ahead) as the engine's
    yaw, pitch, roll (docs/spatial.md): alpha grows turning left, so yaw is -alpha (wrapped to
    -180..180); beta (top up) is pitch, clamped to -90..90; gamma (right side down) is roll."""
    yaw = -((alpha + 180.0) % 360.0 - 180.0)
    return (yaw + 0.0, max(-90.0, min(90.0, beta)), gamma)


def _orientation_ok(alpha: float, beta: float, gamma: float) -> bool:
    """DeviceOrientation's own ranges: alpha 0..360, beta -180..180, gamma -90..90."""
    return 0.0 <= alpha <= 360.0 and -180.0 <= beta <= 180.0 and -90.0 <= gamma <= 90.0


def page_inputs(
    message: object, listener_id: str, score: Score
) -> tuple[list[tuple[str, tuple[float, ...]]], list[str]]:
    """A page's message as that listener's messages, and the reasons for what was refused.

    ``{"motion": [x, y, z], "gravity": false}`` -> ``/listener/ID/state/movement``;
    ``{"orientation": [alpha, beta, gamma]}`` -> ``/listener/ID/listener/orientation``;
    ``{"heartrate": bpm}`` -> ``/listener/ID/state/heartrate``. Inputs the score does not
    declare are refused (``undeclared_input``); values not finite or out of range too."""
    if not isinstance(message, dict) or not message:
        return [], ["bad_message"]
    out: list[tuple[str, tuple[float, ...]]] = []
    refused: list[str] = []
    prefix = f"/listener/{listener_id}"
    for key, value in message.items():
        if key == "gravity":
            continue
        if key == "motion":
            vector = _vector(value)
            if vector is None or any(abs(a) > 1000.0 for a in vector):
                refused.append("bad_value")
            elif "movement" not in score.inputs:
                refused.append("undeclared_input")
            else:
                level = movement(vector, message.get("gravity") is True)
                out.append((f"{prefix}/state/movement", (round(level, 4),)))
        elif key == "orientation":
            vector = _vector(value)
            if vector is None or not _orientation_ok(*vector):
                refused.append("bad_value")
            else:
                out.append((f"{prefix}/listener/orientation", orientation(*vector)))
        elif key == "heartrate":
            bpm = _number(value)
            low, high = defaults.STREAM_HEARTRATE_RANGE
            if bpm is None or not low <= bpm <= high:
                refused.append("bad_value")
            elif "heartrate" not in score.inputs:
                refused.append("undeclared_input")
            else:
                out.append((f"{prefix}/state/heartrate", (bpm,)))
        else:
            refused.append("undeclared_input")
    return out, refused
