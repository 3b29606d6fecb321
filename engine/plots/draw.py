"""Drawing: a render's course (:func:`draw_trace`) and a score's curves (:func:`draw_curves`).

The only module of the engine that imports matplotlib. Figures are built with
``matplotlib.figure.Figure`` and written by the Agg canvas directly: no ``pyplot``, so no GUI
backend is ever chosen, nothing global is touched, and it works on a machine with no display.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from engine import defaults
from engine.analysis import PITCH_CLASS_NAMES
from engine.plots.mappings import Mapping
from engine.render.bodytrace import BodyTrace
from engine.render.trace import Trace

#: Scene bands and layer lines take colours from these cycles (tab10's, then tab20's).
COLOURS = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
DPI = 100


def draw_trace(
    trace: Trace, loudness: tuple[np.ndarray, np.ndarray], out: Path, *, subtitle: str = ""
) -> None:
    """One figure of stacked panels on a shared time axis (seconds): each input (target as a
    step line, smoothed beside it), tempo with key and mode, scenes as bands, layer gains,
    stingers and events, short-term loudness. Written to ``out`` as PNG (OSError if it cannot
    be)."""
    heights = [1.1] * len(trace.inputs) + [1.4, 0.5, 2.0, 0.9, 1.4]
    figure = Figure(figsize=(14, 0.9 + sum(heights) * 1.05), dpi=DPI, layout="constrained")
    axes = figure.subplots(len(heights), 1, sharex=True, height_ratios=heights)
    title = f"{trace.title}: {trace.seconds:.1f} s"
    figure.suptitle(f"{title}  ({subtitle})" if subtitle else title, fontsize=12)
    end = trace.seconds
    transitions = [t for t, _ in trace.scenes[1:]]
    for ax, name, (low, high) in zip(axes, trace.inputs, trace.input_ranges, strict=False):
        times, values, targets = trace.input(name)
        ax.plot(times, targets, drawstyle="steps-post", color="#999999", lw=1.2, label="target")
        ax.plot(times, values, color="#1f77b4", lw=1.5, label="smoothed")
        margin = (high - low) * 0.06
        ax.set_ylim(low - margin, high + margin)
        ax.set_ylabel(name, rotation=0, ha="right", va="center")
    axes[0].legend(loc="upper left", fontsize=8, ncols=2, framealpha=0.8)
    rest = axes[len(trace.inputs) :]
    _tempo(rest[0], trace, end)
    _scenes(rest[1], trace, end)
    _gains(rest[2], trace)
    _marks(rest[3], trace)
    _loudness(rest[4], trace, loudness)
    for ax in axes:
        ax.set_xlim(0, end)
        ax.grid(axis="x", color="#dddddd", lw=0.6)
        for t in transitions:
            ax.axvline(t, color="#555555", lw=0.8, ls="--", alpha=0.6)
    axes[-1].set_xlabel("seconds")
    _save(figure, out)


def _tempo(ax: Axes, trace: Trace, end: float) -> None:
    if trace.tempo:
        times = [t for t, _ in trace.tempo] + [end]
        bpms = [bpm for _, bpm in trace.tempo]
        ax.plot(times, [*bpms, bpms[-1]], drawstyle="steps-post", color="#d62728", lw=1.5)
        low, high = min(bpms), max(bpms)
        pad = max(2.0, (high - low) * 0.15)
        ax.set_ylim(low - pad, high + pad * 2.5)  # room above for the key's names
    keys = trace.keys
    for index, (t, root, mode) in enumerate(keys):
        stop = keys[index + 1][0] if index + 1 < len(keys) else end
        ax.axvspan(t, stop, color=COLOURS[index % 2 + 8], alpha=0.25, lw=0)
        ax.text(
            t,
            0.97,
            f" {PITCH_CLASS_NAMES[root % 12]} {mode}",
            transform=ax.get_xaxis_transform(),
            va="top",
            fontsize=8,
            clip_on=True,
        )
    ax.set_ylabel("tempo\n(BPM)\nand key", rotation=0, ha="right", va="center")


def _scenes(ax: Axes, trace: Trace, end: float) -> None:
    colours: dict[str, str] = {}
    for index, (t, name) in enumerate(trace.scenes):
        stop = trace.scenes[index + 1][0] if index + 1 < len(trace.scenes) else end
        colour = colours.setdefault(name, COLOURS[len(colours) % len(COLOURS)])
        ax.axvspan(t, stop, color=colour, alpha=0.55, lw=0)
        ax.text((t + stop) / 2, 0.5, name, ha="center", va="center", fontsize=9, clip_on=True)
    for t, _ in trace.scene_requests:
        ax.plot([t], [0.92], marker="v", color="black", ms=5, clip_on=True)
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.set_ylabel("scene", rotation=0, ha="right", va="center")


def _gains(ax: Axes, trace: Trace) -> None:
    floor = defaults.PLOT_GAIN_FLOOR_DB
    for index, name in enumerate(trace.layers):
        level = trace.level(name)
        with np.errstate(divide="ignore"):
            db = np.maximum(20 * np.log10(np.maximum(level, 0.0)), floor)
        ax.plot(trace.times, db, color=COLOURS[index % len(COLOURS)], lw=1.3, label=name)
    ax.set_ylim(floor - 2, max(6.0, ax.get_ylim()[1]))
    ax.set_ylabel("layer gain\n(dB: fade x\nduck x mix)", rotation=0, ha="right", va="center")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)


def _marks(ax: Axes, trace: Trace) -> None:
    # (row name, marks, marker, colour, whether a mark's name includes its detail)
    rows: tuple[tuple[str, Sequence[tuple[float, str, object]], str, str, bool], ...] = (
        ("events", trace.events, "^", "#1f77b4", False),
        ("stingers", trace.stingers, "*", "#d62728", False),
        ("mutations", trace.mutations, ".", "#7f7f7f", True),  # the layer and the operator
    )
    for y, (_, marks, marker, colour, detailed) in enumerate(rows):
        times = [mark[0] for mark in marks]
        ax.plot(times, [y] * len(times), ls="", marker=marker, color=colour, ms=9, clip_on=True)
        if len(marks) <= 40:  # named while they fit; marks at one time share a name
            names: dict[float, list[str]] = {}
            for mark in marks:
                name = f"{mark[1]} {mark[2]}" if detailed else str(mark[1])
                names.setdefault(mark[0], []).append(name)
            for t, group in names.items():
                text = group[0] if len(group) == 1 else f"{len(group)}: {', '.join(group)}"
                ax.annotate(
                    text[:48], (t, y), xytext=(4, 3), textcoords="offset points", fontsize=7
                )
    ax.set_ylim(-0.6, len(rows) - 0.3)
    ax.set_yticks(range(len(rows)), [row[0] for row in rows], fontsize=8)


def _loudness(ax: Axes, trace: Trace, loudness: tuple[np.ndarray, np.ndarray]) -> None:
    times, lufs = loudness
    shown = np.where(np.isfinite(lufs), lufs, np.nan)
    ax.plot(times, shown, color="#2ca02c", lw=1.5, label="short-term (3 s)")
    ax.axhline(trace.loudness_target, color="#555555", ls=":", lw=1, label="score's target")
    finite = lufs[np.isfinite(lufs)]
    if len(finite):
        low = min(float(finite.min()), trace.loudness_target)
        high = max(float(finite.max()), trace.loudness_target)
        ax.set_ylim(low - 3, high + 3)
    ax.set_ylabel("loudness\n(LUFS)", rotation=0, ha="right", va="center")
    ax.legend(loc="lower right", fontsize=8, framealpha=0.8)


def draw_entrainment(trace: Trace, heart: str, out: Path, *, subtitle: str = "") -> None:
    """Entrainment in one panel (docs/entrainment.md): the heart rate (``heart``, the input
    the tempo leads, smoothed as the engine heard it), the tempo at each bar line, and the
    phases (match, lead, held) as they began."""
    figure = Figure(figsize=(12, 4.5), dpi=DPI, layout="constrained")
    ax = figure.subplots()
    title = f"{trace.title}: entrainment"
    figure.suptitle(f"{title}  ({subtitle})" if subtitle else title, fontsize=12)
    times, values, _ = trace.input(heart)
    ax.plot(times, values, color="#1f77b4", lw=1.5, label=f"{heart} (BPM)")
    if trace.tempo:
        bar_times = [t for t, _ in trace.tempo] + [trace.seconds]
        bpms = [bpm for _, bpm in trace.tempo]
        ax.plot(bar_times, [*bpms, bpms[-1]], drawstyle="steps-post", color="#d62728", lw=1.5,
                label="tempo at each bar line (BPM)")  # fmt: skip
    for t, phase, _ in trace.entrainment:
        ax.axvline(t, color="#555555", ls=":", lw=1)
        ax.text(t, 0.98, f" {phase}", transform=ax.get_xaxis_transform(), va="top", fontsize=9)
    ax.set_xlim(0, trace.seconds)
    ax.set_xlabel("seconds")
    ax.set_ylabel("BPM")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=9)
    _save(figure, out)


def draw_comfort(
    runs: Sequence[tuple[str, Trace, tuple[np.ndarray, np.ndarray]]],
    drive: str,
    layer: str,
    out: Path,
) -> None:
    """The same drive rendered with and without a comfort budget (docs/comfort.md): per run
    (label, trace, short-term loudness), the drive input's target, one layer's gain in dB, the
    tempo at each bar line and the loudness, each run in its own colour."""
    figure = Figure(figsize=(12, 8), dpi=DPI, layout="constrained")
    axes = figure.subplots(4, 1, sharex=True, height_ratios=[0.8, 1.2, 1.0, 1.2])
    figure.suptitle(f"comfort budget: {drive} driven by a 5 Hz square wave", fontsize=12)
    for index, (label, trace, (l_times, lufs)) in enumerate(runs):
        colour = COLOURS[index]
        times, _, targets = trace.input(drive)
        if index == 0:
            axes[0].plot(times, targets, color="#999999", lw=0.6, drawstyle="steps-post")
        level = trace.level(layer)
        floor = 10 ** (defaults.PLOT_GAIN_FLOOR_DB / 20)
        axes[1].plot(trace.times, 20 * np.log10(np.maximum(level, floor)), color=colour, lw=1.2,
                     label=label)  # fmt: skip
        if trace.tempo:
            bar_times = [t for t, _ in trace.tempo] + [trace.seconds]
            bpms = [bpm for _, bpm in trace.tempo]
            axes[2].plot(bar_times, [*bpms, bpms[-1]], drawstyle="steps-post", color=colour,
                         lw=1.4)  # fmt: skip
        axes[3].plot(l_times, np.where(np.isfinite(lufs), lufs, np.nan), color=colour, lw=1.4)
    for ax, name in zip(
        axes,
        (drive, f"{layer} gain\n(dB)", "tempo\n(BPM)", "loudness\n(LUFS, 3 s)"),
        strict=True,
    ):
        ax.set_ylabel(name, rotation=0, ha="right", va="center")
        ax.grid(alpha=0.3)
    axes[1].legend(loc="upper left", fontsize=9)
    axes[-1].set_xlabel("seconds")
    _save(figure, out)


def draw_curves(title: str, maps: Sequence[Mapping], out: Path, *, columns: int = 6) -> None:
    """One small plot per mapping, labelled ``input → owner.param``, x over the input's range."""
    count = max(1, len(maps))
    columns = min(columns, count)
    rows = math.ceil(count / columns)
    figure = Figure(figsize=(2.6 * columns, 0.6 + 2.0 * rows), dpi=DPI, layout="constrained")
    figure.suptitle(f"{title}: {len(maps)} mappings (input → parameter)", fontsize=12)
    grid = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    for ax, mapping in zip(grid, maps, strict=False):
        low, high = mapping.x_range
        xs = np.linspace(low, high, 400)
        ys = [mapping.curve(float(x)) for x in xs]
        ax.plot(xs, ys, color="#1f77b4", lw=1.5)
        px, py = zip(*mapping.curve.points, strict=True)
        ax.plot(px, py, ls="", marker="o", ms=3, color="#d62728")
        ax.set_title(_title(mapping), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_xlim(low, high)
        if mapping.y_labels:
            ax.set_yticks(range(len(mapping.y_labels)), mapping.y_labels, fontsize=7)
    for ax in grid[len(maps) :]:
        ax.set_axis_off()
    if not maps:
        grid[0].text(0.5, 0.5, "no mappings: every parameter is a constant", ha="center")
    _save(figure, out)


def _title(mapping: Mapping) -> str:
    """``input → target``, over two lines when long; the map's other terms said under it."""
    label = mapping.label
    if len(label) > 36:
        label = f"{mapping.input}\n→ {mapping.target}"
    extra = []
    if mapping.constant:
        extra.append(f"{mapping.constant:g}")
    if mapping.others:
        extra.append(f"{mapping.others} more term{'s' if mapping.others > 1 else ''}")
    return label + (f"\n(+ {' + '.join(extra)})" if extra else "")


def _save(figure: Figure, out: Path) -> None:
    FigureCanvasAgg(figure)
    figure.savefig(out, format="png")


def draw_body(trace: BodyTrace, out: Path) -> None:
    """The listener's heart over a render (``render --body-plot``, docs/listener.md): readings
    as sent (faults marked where they fall outside the plausible range), the smoothed heart
    rate, the baseline as it is learned, the learning window, the stretches the watchdog found
    the strap silent; below, the heart rate read against the baseline (``heartrate.relative``).
    Written to ``out`` as PNG (OSError if it cannot be)."""
    figure = Figure(figsize=(12, 6.5), dpi=DPI, layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[2.2, 1.0])
    figure.suptitle(f"{trace.title}: the listener's heart over {trace.seconds:.0f} s", fontsize=12)
    lo, hi = defaults.BASELINE_PLAUSIBLE
    shown = (30.0, 150.0)
    readings = np.array(trace.readings).reshape(-1, 2)
    plausible = (readings[:, 1] >= lo) & (readings[:, 1] <= hi)
    top.scatter(
        readings[plausible, 0],
        readings[plausible, 1],
        s=9,
        color="#999999",
        label="readings as sent",
        zorder=2,
    )
    faults = readings[~plausible]
    top.scatter(
        faults[:, 0],
        np.clip(faults[:, 1], *shown),
        s=22,
        marker="x",
        color="#d62728",
        label="faults (0, 255): refused",
        zorder=3,
    )
    top.plot(trace.times, trace.heart, color="#1f77b4", lw=1.6, label="heart rate (smoothed)")
    top.plot(trace.times, trace.baseline, color="#2ca02c", lw=2.0, label="baseline (median)")
    top.axvspan(
        0,
        min(trace.learn_seconds, trace.seconds),
        color="#2ca02c",
        alpha=0.06,
        label="learning window",
    )
    for start, end in _runs(trace.times, trace.state > 0):
        for ax in (top, bottom):
            ax.axvspan(start, end, color="#ff7f0e", alpha=0.15, lw=0)
    top.axvspan(0, 0, color="#ff7f0e", alpha=0.15, label="strap silent: watchdog")
    top.set_ylim(*shown)
    top.set_ylabel("BPM")
    top.legend(loc="upper left", fontsize=8, ncols=3, framealpha=0.85)
    bottom.plot(trace.times, trace.relative, color="#9467bd", lw=1.6)
    bottom.axhline(0, color="#555555", lw=0.8)
    bottom.set_ylabel("heartrate.relative\n(BPM above rest)")
    bottom.set_xlabel("seconds")
    for ax in (top, bottom):
        ax.set_xlim(0, trace.seconds)
        ax.grid(color="#dddddd", lw=0.6)
    _save(figure, out)


def _runs(times: np.ndarray, mask: np.ndarray) -> list[tuple[float, float]]:
    """(start, end) times of each run of True in ``mask``."""
    runs, start = [], None
    for t, on in zip(times, mask, strict=True):
        if on and start is None:
            start = float(t)
        elif not on and start is not None:
            runs.append((start, float(t)))
            start = None
    if start is not None and len(times):
        runs.append((start, float(times[-1])))
    return runs
