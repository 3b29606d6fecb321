"""Choosing the audio backend, and patching the engine's JACK ports to the speakers.

The pyo servers themselves are made in ``engine.dsp.realtime``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any

from engine.dsp.realtime import JACK_CLIENT, NO_SOUND_CARD, has_sound_card
from engine.errors import SoundscapeError


def default_backend() -> str:
    if not has_sound_card():
        raise SoundscapeError(NO_SOUND_CARD)
    return "portaudio"


def connect_jack_outputs(server_name: str | None) -> float | None:
    """Connect our outputs to the JACK server's playback ports (what a listener hears).

    Returns the output latency (s): the largest playback latency the driver declares on the
    playback ports we feed (JACK's own measure of when a computed buffer is heard: period ×
    periods for ALSA, a period for the dummy driver), or None if no port says."""
    import jack

    client = jack.Client("soundscape-patch", no_start_server=True, servername=server_name)
    try:
        ours = client.get_ports(f"{JACK_CLIENT}:", is_output=True, is_audio=True)
        playback = client.get_ports(is_physical=True, is_input=True, is_audio=True)
        frames = 0
        for source, sink in zip(ours, playback, strict=False):
            client.connect(source, sink)
            frames = max(frames, _playback_latency(jack, sink))
        return frames / client.samplerate if frames > 0 else None
    finally:
        client.close()


class _Range(ctypes.Structure):
    _fields_ = (("min", ctypes.c_uint32), ("max", ctypes.c_uint32))


_JACK_PLAYBACK_LATENCY = 1  # jack_latency_callback_mode_t's JackPlaybackLatency


def _playback_latency(jack: Any, port: Any) -> int:
    """A port's playback latency (frames, the largest of its range), or 0 if unknown.

    JACK-Client wraps no latency call, so libjack's ``jack_port_get_latency_range`` is called
    through ctypes on the port JACK-Client holds (its cffi pointer as an address)."""
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("jack") or "libjack.so.0")
        get = lib.jack_port_get_latency_range
        get.argtypes = (ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(_Range))
        get.restype = None
        span = _Range()
        address = int(jack._ffi.cast("uintptr_t", port._ptr))
        get(address, _JACK_PLAYBACK_LATENCY, ctypes.byref(span))
        return int(span.max)
    except (OSError, AttributeError, TypeError):
        return 0
