"""Every mapping curve of a score, as data: which input moves which parameter, through what.

A score's parameters are sums of terms (``engine.score.model.ParamMap``): constants and curves of
one input each. :func:`mappings` lists each curve term once, named ``input → owner.param``, with
the x range to draw it over (the input's declared range; for an OSC binding's transform, the
raw values its points span), in score order: bindings, tempo, harmony, master, scenes, layers.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.curve import Curve
from engine.score.model import KeySpec, ParamMap, Score


@dataclass(frozen=True)
class Mapping:
    input: str  # an input name, or an OSC address for a binding's transform
    target: str  # "pad.gain", "tempo.bpm", "scene ruins: tempo.bpm", "input heartrate"
    curve: Curve
    x_range: tuple[float, float]
    constant: float = 0.0  # the map's constant terms, added to every curve's value
    others: int = 0  # the map's other curve terms, added too
    y_labels: tuple[str, ...] = ()  # names of y = 0, 1, ... (a key's modes)

    @property
    def label(self) -> str:
        return f"{self.input} → {self.target}"


def mappings(score: Score) -> list[Mapping]:
    """Every curve term of ``score`` (see the module's doc for the order)."""
    out: list[Mapping] = []
    ranges = {name: (spec.min, spec.max) for name, spec in score.inputs.items()}

    def add(target: str, param: ParamMap | None) -> None:
        if param is None:
            return
        curves = [t for t in param.terms if t.input is not None and t.curve is not None]
        constant = sum(t.value for t in param.terms if t.input is None)
        for term in curves:
            assert term.input is not None and term.curve is not None
            out.append(
                Mapping(
                    term.input,
                    target,
                    term.curve,
                    ranges.get(term.input, _span(term.curve)),
                    constant,
                    len(curves) - 1,
                )
            )

    for name, spec in score.inputs.items():
        for binding in spec.bindings:
            if binding.map is not None:
                out.append(
                    Mapping(binding.address, f"input {name}", binding.map, _span(binding.map))
                )
    add("tempo.bpm", score.tempo.bpm)
    add("harmony.bars_per_chord", score.harmony.bars_per_chord)
    add("harmony.tension", score.harmony.tension)
    add("master.dynamics", score.master.dynamics)

    def add_modes(target: str, key: KeySpec | None) -> None:
        if key is None or key.modes is None:
            return
        modes = key.modes
        names = tuple(mode for _, mode in modes.thresholds)
        steps = Curve(tuple((x, float(i)) for i, (x, _) in enumerate(modes.thresholds)), "step")
        x_range = ranges.get(modes.input, _span(steps))
        out.append(Mapping(modes.input, target, steps, x_range, y_labels=names))

    add_modes("key.mode", score.key)
    for scene in score.scenes.values():
        add(f"scene {scene.name}: tempo.bpm", scene.tempo)
        if scene.key is not None and scene.key.modes != score.key.modes:
            add_modes(f"scene {scene.name}: key.mode", scene.key)
    for layer in score.layers.values():
        for param, mapping in layer.params.items():
            add(f"{layer.name}.{param}", mapping)
    return out


def _span(curve: Curve) -> tuple[float, float]:
    """The x range a curve's points cover, widened by a tenth each side (or ±1 for one point)."""
    low, high = curve.points[0][0], curve.points[-1][0]
    margin = (high - low) * 0.1 or 1.0
    return low - margin, high + margin
