"""Why the music changed: a cause for each change a listener hears, as a line a designer reads.

The conductor asks an :class:`Explainer` when it makes a change worth telling: a scene change, a
key or mode change, a tempo change of at least ``defaults.WHY_TEMPO_STEP`` bpm, a stinger, and a
layer whose gain has moved ``defaults.WHY_LEVEL_DB`` or more since it was last explained. A
cause is either a command (``/scene ruins``, ``/event discovery 0.80``, ``/tempo 140``) or a
score rule and the input that moved it::

    layers.drums.gain <- arousal 0.10->0.80

The explainer remembers, for each thing it explains, the inputs as they stood when it last
explained it; the input named is the one whose term of the rule moved the value most since then
(a rule is a sum of terms, one per input: docs/score-format.md). Text is ASCII so every OSC
client can print it.

Nothing here runs per buffer unless a value already changed: a level is checked only when the
conductor sends that layer a new gain, the tempo and key once per bar.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine import defaults
from engine.music.scales import Scale
from engine.score.model import ParamMap

#: An input is named beside the one that moved a value most if its own term moved it at least
#: this share as much: a level pushed by two inputs names both, a small drift of a third does
#: not clutter the line.
SHARE = 0.25


@dataclass(frozen=True, slots=True)
class Why:
    """One change and its cause: ``kind`` is scene, key, tempo, stinger or level; ``subject``
    what changed (a scene, a key, ``72->96 bpm``, a stinger, ``drums +6.0 dB``)."""

    kind: str
    subject: str
    cause: str

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}: {self.cause}"


class Explainer:
    def __init__(self) -> None:
        #: The inputs as they stood when each thing was last explained, by its key.
        self._seen: dict[str, Mapping[str, float]] = {}
        #: Each sounding layer's gain (dB) when it was last explained, or when it entered.
        self._levels: dict[str, float] = {}
        self.tempo: float | None = None  # the tempo last explained
        self.scale: Scale | None = None  # the key and mode last explained

    def rule(self, key: str, rule: str, mapping: ParamMap, inputs: Mapping[str, float]) -> str:
        """``rule <- input before->after`` for the input whose term of ``mapping`` moved the value
        most since ``key`` was last explained, and any other whose term moved it at least
        ``SHARE`` as much (largest first); just ``rule`` if none moved. Remembers ``inputs``."""
        now = dict(inputs)
        seen = dict(self._seen.get(key, now))
        self._seen[key] = now
        moves = []
        for term in mapping.terms:
            name = term.input
            if name is not None and name in seen and name in now:
                moves.append((abs(term.evaluate(now) - term.evaluate(seen)), name))
        largest = max((change for change, _ in moves), default=0.0)
        if largest <= 0.0:
            return rule
        named = sorted(
            {name for change, name in moves if change >= SHARE * largest},
            key=lambda name: -max(c for c, n in moves if n == name),
        )
        return f"{rule} <- " + ", ".join(_move(name, seen[name], now[name]) for name in named)

    def moved(self, key: str, rule: str, name: str, inputs: Mapping[str, float]) -> str:
        """``rule <- name before->after`` for a rule of one input (a mode map); remembers
        ``inputs``."""
        seen = self._seen.get(key, inputs)
        self._seen[key] = dict(inputs)
        if name not in seen or name not in inputs:
            return rule
        return f"{rule} <- {_move(name, seen[name], inputs[name])}"

    def remember(self, key: str, inputs: Mapping[str, float]) -> None:
        """Take ``inputs`` as where ``key`` stands, without explaining anything."""
        self._seen[key] = dict(inputs)

    # -- levels -------------------------------------------------------------------------------
    def enter(self, layer: str, gain: float, inputs: Mapping[str, float]) -> None:
        """A layer entered (or re-entered) at ``gain`` dB: later moves are measured from here."""
        self._levels[layer] = gain
        self.remember(f"level:{layer}", inputs)

    def level(
        self, layer: str, gain: float, mapping: ParamMap | None, inputs: Mapping[str, float]
    ) -> Why | None:
        """A :class:`Why` if ``layer``'s gain has crossed ``WHY_LEVEL_DB`` from where it was last
        explained; the crossing becomes the new reference."""
        reference = self._levels.get(layer)
        if reference is None:
            self.enter(layer, gain, inputs)
            return None
        step = gain - reference
        if abs(step) < defaults.WHY_LEVEL_DB:
            return None
        self._levels[layer] = gain
        rule = f"layers.{layer}.gain"
        cause = self.rule(f"level:{layer}", rule, mapping, inputs) if mapping else rule
        return Why("level", f"{layer} {step:+.1f} dB", cause)

    def forget(self, layer: str) -> None:
        self._levels.pop(layer, None)


def _move(name: str, before: float, after: float) -> str:
    """``arousal 0.10->0.80``, never ``-0.00`` for a value a hair below zero."""
    return f"{name} {_number(before)}->{_number(after)}"


def _number(value: float) -> str:
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text
