"""The status view, drawn from a real session on a manual server."""

from __future__ import annotations

import io

from rich.console import Console

from engine import load_score
from engine.dsp.server import manual_server
from engine.live.session import LiveSession
from engine.live.status import StatusView
from engine.osc.receiver import Message
from engine.render.engine import Engine
from tests.playing import FOREST


def test_the_view_shows_scene_tempo_position_inputs_layers_and_counters() -> None:
    server = manual_server(sr=48000, buffersize=256, seed=1)
    try:
        session = LiveSession(Engine(load_score(FOREST), sr=48000, buffersize=256, seed=1), None)
        session.apply(Message("/state/arousal", (0.5,)))
        session.apply(Message("/state/arousal", ("loud",)))
        for _ in range(round(5.5 * 48000 / 256)):
            session.process()
            server.process()
        out = io.StringIO()
        view = StatusView("Forest", Console(file=out, width=100, force_terminal=False))
        view(session, None)
        view.close()
    finally:
        server.stop()
        server.shutdown()
    text = out.getvalue()
    assert "Forest" in text and "scene meadow" in text and "tempo" in text
    bar = text.split("bar ")[1].split()[0]
    assert bar.split(":")[0] != "1"  # five seconds in, past the first bar
    for name in ("valence", "arousal", "movement", "heartrate", *load_score(FOREST).layers):
        assert name in text
    assert "received 0  accepted 1  dropped 1 (bad_type 1)" in text
    assert "xruns n/a" in text
