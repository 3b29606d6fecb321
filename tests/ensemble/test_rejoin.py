"""Starting a listener engine mid-piece (Engine.resume_at, Conductor.resume_at), in process with
real engines: a new engine for listener 2, given listener 1's form and listener 2's own state,
is silent until the next bar line, then plays on the same bar grid, in its own key of the
shared form, with its inputs where they were."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine import load_score
from engine.ensemble.listener import ListenerEngine
from engine.ensemble.performance import Performance
from engine.errors import SoundscapeError

ROOT = Path(__file__).resolve().parents[2]
SR, BUFFER = 48000, 256


def test_a_new_engine_joins_at_the_next_bar_line() -> None:
    combat = load_score(ROOT / "scores" / "combat.yaml")
    with Performance(combat, 2, seed=2, sr=SR, buffersize=BUFFER) as performance:
        performance.send("/state/arousal", 0.5)
        performance.send("/listener/2/state/heartrate", 110.0)
        one = performance.listeners["1"].engine.conductor
        for _ in range(round(3 * SR / BUFFER)):
            performance.step()
        while one.deciding:  # between two bars' decisions
            performance.step()
        old = performance.listeners["2"]
        form = one.form_state()
        joined = form.transport.bar + 1
        line = form.transport.next_bar_start
        fresh = ListenerEngine(combat, "2", performance_seed=2, sr=SR, buffersize=BUFFER)
        state = [("/state/arousal", (0.5,), False), ("/state/heartrate", (110.0,), True)]
        fresh.rejoin(performance.sample, form, state)
        with pytest.raises(SoundscapeError, match="before the first buffer"):
            old.engine.resume_at(performance.sample, form)
        old.close()
        performance.listeners["2"] = fresh
        assert fresh.engine.conductor.bus.values["heartrate"] == 110.0  # settled, not gliding
        assert fresh.engine.conductor.form is not None
        assert fresh.engine.conductor.form.values["heartrate"] != 110.0  # personal: not form
        start = performance.sample
        audio, bars = [], {"1": {}, "2": {}}  # type: ignore[var-annotated]
        for _ in range(round(6 * SR / BUFFER)):
            audio.append(performance.step()["2"])
            for listener_id, listener in performance.listeners.items():
                transport = listener.engine.conductor.transport
                bars[listener_id][transport.bar] = transport.bar_start
        wav = np.concatenate(audio)
    assert bars["2"][joined] == bars["1"][joined] == line
    assert {b: s for b, s in bars["2"].items() if b >= joined} == {
        b: s for b, s in bars["1"].items() if b >= joined
    }
    offset = round(line) - start
    assert not wav[:offset].any()  # silent until its bar line
    assert np.abs(wav[offset : offset + SR]).max() > 0.01  # playing from it
