"""What a score declares, for ``--sliders``: its inputs (with ranges), scenes and events.

Read with the engine's own loader, ``engine.score.loader.load_score``, so the panel shows
exactly what the engine will accept. The loader's default catalogue of instruments comes from
``engine.dsp``, which imports pyo; a game must not need the audio engine, so this module hands the
loader a catalogue built from the score itself that accepts whatever instrument parameters it
names (the engine checks those when it plays the score; the panel does not need them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class InputInfo:
    name: str
    min: float
    max: float
    default: float


@dataclass(frozen=True)
class ScoreInfo:
    title: str
    inputs: tuple[InputInfo, ...]
    scenes: tuple[str, ...]
    initial_scene: str
    #: Event names that fire a stinger (``/event NAME``), in the score's order.
    events: tuple[str, ...]


#: Keys of a stinger that are not instrument parameters (engine/score/loader.py).
_STINGER_KEYS = ("instrument", "notes", "event", "octave", "quantize", "gain", "reverb", "duck")


def _lenient_catalog(raw: Any) -> Any:
    from engine import defaults
    from engine.score.catalog import Catalog, ParamRange
    from engine.score.loader import LAYER_FIELDS

    anything = ParamRange(-math.inf, math.inf, 0.0)
    instruments: dict[str, dict[str, ParamRange]] = {}
    structural = {*LAYER_FIELDS, *defaults.LAYER_PARAMS, *_STINGER_KEYS}
    sections = [raw.get(key) for key in ("layers", "stingers")] if isinstance(raw, dict) else []
    for section in sections:
        for body in (section or {}).values() if isinstance(section, dict) else ():
            if isinstance(body, dict) and isinstance(body.get("instrument"), str):
                params = instruments.setdefault(body["instrument"], {})
                params.update({str(k): anything for k in body if k not in structural})
    return Catalog(instruments=instruments)


def load(path: str | Path) -> ScoreInfo:
    """The score's inputs, scenes and events; raises the loader's ScoreError if it is invalid."""
    from engine.score.loader import load_score

    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    score = load_score(path, _lenient_catalog(raw))
    inputs = tuple(
        InputInfo(name, spec.min, spec.max, spec.default) for name, spec in score.inputs.items()
    )
    events = tuple(dict.fromkeys(stinger.event for stinger in score.stingers.values()))
    return ScoreInfo(score.title, inputs, tuple(score.scenes), score.initial_scene, events)
