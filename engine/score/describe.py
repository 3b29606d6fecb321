"""What a score offers a game, as one flat OSC argument list: the reply to ``/engine/describe``.

A game or a console builds its controls from it without reading the YAML: every input with its
range and default, every scene (the first is where the score starts), every event a game may
send, and every stinger with the event that fires it. Counts come first in each section, so a
reader walks the list without guessing (docs/osc.md, "Discovery"):

    "inputs", n, (name, min, max, default) * n,
    "scenes", m, name * m,
    "events", k, name * k,
    "stingers", j, (name, event) * j

Sizes are bounded by the score's own limits (64 inputs, 64 scenes, 32 stingers, names of at most
64 characters): under 16 KB, one UDP datagram.
"""

from __future__ import annotations

from engine.score.model import Score


def describe(score: Score) -> list[object]:
    """The score's controls as a flat argument list (see the module docstring)."""
    args: list[object] = ["inputs", len(score.inputs)]
    for spec in score.inputs.values():
        args += [spec.name, float(spec.min), float(spec.max), float(spec.default)]
    scenes = [score.initial_scene, *(s for s in score.scenes if s != score.initial_scene)]
    args += ["scenes", len(scenes), *scenes]
    events = list(dict.fromkeys(stinger.event for stinger in score.stingers.values()))
    args += ["events", len(events), *events]
    args += ["stingers", len(score.stingers)]
    for stinger in score.stingers.values():
        args += [stinger.name, stinger.event]
    return args
