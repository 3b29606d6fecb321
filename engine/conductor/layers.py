"""A layer while it plays: its generator, whether it sounds, and the parameters last sent.

Mix and instrument parameters are continuous: re-evaluated whenever the state moves, and sent
only when they changed. Music parameters (density, register ...) are structural: evaluated once
per bar, when the generator is asked for the bar's notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine import defaults
from engine.music.generators import NoteGenerator
from engine.score.model import LayerSpec, ParamMap

MIX_PARAMS = ("gain", "pan", "reverb")
MUSIC_PARAMS = ("density", "intensity", "register", "velocity", "gate", "variation")
#: Smallest change worth sending, as a share of the parameter's range.
RESEND = 1e-3


@dataclass
class LayerState:
    spec: LayerSpec
    generator: NoteGenerator
    active: bool = False
    fading_until: float | None = None  # sample where a fade-out ends and the layer is suspended
    woken: bool = False  # its instrument runs, still silent, ahead of an entry (preparation.py)
    sent: dict[str, float] = field(default_factory=dict)
    instrument_params: dict[str, ParamMap] = field(default_factory=dict)
    param_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: A stem's bars: the bar it (re-)entered on, and the bar that continues it without a gap.
    loop_first: int = 0
    loop_next: int = -1
    #: Removed by a reloaded score: fading out, then gone.
    retiring: bool = False

    def carry_on(self, previous: LayerState) -> None:
        """Take over where ``previous`` (the same layer, before a reseed or a reload) stands:
        sounding or not, fading, woken, and a stem's place in its loop."""
        self.active, self.fading_until = previous.active, previous.fading_until
        self.woken = previous.woken
        self.loop_first, self.loop_next = previous.loop_first, previous.loop_next

    @property
    def sounding(self) -> bool:
        return self.active or self.fading_until is not None

    def value(self, name: str, inputs: dict[str, float]) -> float:
        """A mix or music parameter's value now (the layer's mapping, else the default)."""
        mapping = self.spec.params.get(name)
        value = mapping.evaluate(inputs) if mapping else defaults.LAYER_PARAMS[name]
        lo, hi = defaults.LAYER_PARAM_RANGES[name]
        return min(hi, max(lo, value))

    def changed(self, name: str, value: float, span: float) -> bool:
        """Record ``value`` as sent if it differs enough from the last one sent."""
        last = self.sent.get(name)
        if last is not None and abs(value - last) <= RESEND * span:
            return False
        self.sent[name] = value
        return True
