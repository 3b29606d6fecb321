"""Choosing the audio backend, and patching the engine's JACK ports to the speakers.

The pyo servers themselves are made in ``engine.dsp.realtime``.
"""

from __future__ import annotations

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
            frames = max(frames, int(sink.get_latency_range(jack.PLAYBACK)[1]))
        return frames / client.samplerate if frames > 0 else None
    finally:
        client.close()
