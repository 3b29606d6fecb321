"""``/engine/why`` from the real ``soundscape play`` (issue 14, item 7): a game that moves one
input and changes the scene hears why the music changed, naming that input and that message,
and the exit summary keeps the newest reasons."""

from __future__ import annotations

import time

from tests.live.conftest import Listener
from tests.live.test_play import oscsend


def test_a_game_hears_why_the_music_changed(player, listener: Listener) -> None:
    live = player("--feedback", f"127.0.0.1:{listener.port}")
    oscsend(live.port, "/state/mood", "ff", 0.0, 1.0)  # arousal alone, to its top
    time.sleep(9.0)
    oscsend(live.port, "/scene", "s", "grove")
    time.sleep(5.0)
    summary = live.stop()
    whys = [tuple(args) for _, args in listener.of("/engine/why")]
    tempo = [w for w in whys if w[0] == "tempo"]
    assert tempo, whys
    assert all(str(w[2]).startswith("tempo.bpm <- arousal 0.00->") for w in tempo[:1]), tempo
    assert ("scene", "grove", "/scene grove") in whys, whys
    assert summary["why_dropped"] == 0
    assert summary["why"] and summary["why"][-1].split(" s ", 1)[1] in {
        f"{kind} {subject}: {cause}" for kind, subject, cause in whys
    }, summary["why"]
