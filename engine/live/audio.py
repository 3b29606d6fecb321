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


def connect_jack_outputs(server_name: str | None) -> None:
    """Connect our outputs to the JACK server's playback ports (what a listener hears)."""
    import jack

    client = jack.Client("soundscape-patch", no_start_server=True, servername=server_name)
    try:
        ours = client.get_ports(f"{JACK_CLIENT}:", is_output=True, is_audio=True)
        playback = client.get_ports(is_physical=True, is_input=True, is_audio=True)
        for source, sink in zip(ours, playback, strict=False):
            client.connect(source, sink)
    finally:
        client.close()
