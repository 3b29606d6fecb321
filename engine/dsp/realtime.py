"""Real-time pyo servers: the sound card (PortAudio) or JACK.

``--audio dummy`` is JACK too, on a private server with the dummy driver (``engine.live.jack``).
Only this module (with the rest of ``dsp/``) touches pyo; ``engine.live.audio`` chooses the
backend and patches JACK ports.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from engine.dsp.pyolib import pyo
from engine.errors import SoundscapeError

BACKENDS = ("portaudio", "jack", "dummy")
#: The JACK client name the engine registers as.
JACK_CLIENT = "soundscape"


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence C libraries (ALSA, PortAudio, PortMidi) that print to fd 2 while probing."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def has_sound_card() -> bool:
    with _quiet_stderr():
        return int(pyo.pa_count_devices()) > 0 and int(pyo.pa_get_default_output()) >= 0


NO_SOUND_CARD = (
    "no sound card found: use --audio dummy (plays in real time on a private "
    "JACK server, needs Debian's jackd2), --audio jack (an existing JACK server), "
    "or render offline with soundscape render"
)


def realtime_server(
    backend: str, *, sr: int, buffersize: int, seed: int, jack_server: str | None = None
) -> pyo.Server:
    """A booted (not started) real-time server; ``jack_server`` names the JACK server to join."""
    if backend not in BACKENDS:
        raise SoundscapeError(f"unknown audio backend {backend!r}: one of {', '.join(BACKENDS)}")
    audio = "portaudio" if backend == "portaudio" else "jack"
    if audio == "portaudio" and not has_sound_card():  # pyo 1.1.0 segfaults booting without one
        raise SoundscapeError(NO_SOUND_CARD)
    if audio == "jack":
        os.environ["JACK_NO_START_SERVER"] = "1"
        if jack_server is not None:
            os.environ["JACK_DEFAULT_SERVER"] = jack_server
    server = pyo.Server(
        sr=sr, nchnls=2, buffersize=buffersize, duplex=0, audio=audio, jackname=JACK_CLIENT
    )
    server.setVerbosity(1)
    server.deactivateMidi()
    if audio == "jack":
        server.setJackAuto(False, False)
    with _quiet_stderr():
        server.boot()
    if not server.getIsBooted():
        raise SoundscapeError(f"could not open the audio device ({backend})")
    server.setGlobalSeed(seed)
    return server
