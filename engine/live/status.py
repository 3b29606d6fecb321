"""The live status view: what the engine is doing, redrawn a few times a second in the terminal.

Scene, tempo and bar:beat; every input's smoothed value against its target, how long ago it was
heard and its watchdog state (and the listener's baseline); each layer's level;
message, drop and xrun counters. Built with ``rich``; it runs in the main thread, which sleeps
between refreshes, so it costs the audio thread a few hundred microseconds of GIL per refresh.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from engine.live.jack import JackMonitor
from engine.live.session import LiveSession
from engine.state.bus import FALLEN_BACK, LIVE, STALE, StateBus

BAR_WIDTH = 24


#: The newest reasons the music changed that the view shows.
STATUS_WHYS = 3


class StatusView:
    def __init__(self, title: str, console: Console | None = None) -> None:
        self.title = title
        self.console = console or Console()
        self._live: Live | None = None

    def __call__(self, session: LiveSession, monitor: JackMonitor | None) -> None:
        if self._live is None:
            self._live = Live(
                self.render(session, monitor),
                console=self.console,
                auto_refresh=False,
                transient=False,
            )
            self._live.start()
        else:
            self._live.update(self.render(session, monitor), refresh=True)

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def render(self, session: LiveSession, monitor: JackMonitor | None) -> Group:
        conductor = session.engine.conductor
        transport = conductor.transport
        beat = _current_beat(session)
        head = Text.assemble(
            (f"{self.title}  ", "bold"),
            ("scene ", "dim"),
            (conductor.scene.name, "bold cyan"),
            ("  tempo ", "dim"),
            f"{transport.bpm:5.1f}",
            ("  bar ", "dim"),
            f"{max(0, transport.bar) + 1}:{beat + 1}",
            ("  time ", "dim"),
            _clock(session.buffers * session.engine.buffersize / session.engine.sr),
        )
        inputs = Table(title="inputs", title_justify="left", box=None, padding=(0, 1))
        for column in ("input", "value", "", "target", "heard"):
            inputs.add_column(column)
        bus = conductor.bus
        for name, spec in bus.specs.items():
            value, target = bus.values[name], bus.targets[name]
            share = (value - spec.min) / (spec.max - spec.min) if spec.max > spec.min else 0.0
            inputs.add_row(name, f"{value:8.3f}", _bar(share), f"{target:8.3f}", _heard(bus, name))
        layers = Table(title="layers", title_justify="left", box=None, padding=(0, 1))
        layers.add_column("layer")
        layers.add_column("level")
        for name, level in session.engine.orchestra.levels().items():
            layers.add_row(name, _bar(min(1.0, level)))
        why = Text()
        for seconds, reason in list(session.feedback.whys)[-STATUS_WHYS:]:
            why.append(f"{_clock(seconds)} ", style="dim")
            why.append(f"{reason}\n")
        return Group(head, inputs, layers, why, _counters(session.stats(), monitor))


def _heard(bus: StateBus, name: str) -> Text:
    """How long ago an input was heard and its watchdog state; the baseline beside the inputs
    read against it."""
    if "." in name:  # heartrate.relative and .ratio: the baseline they are read against
        baseline = bus.baseline
        value = baseline.value
        shown = f"{value:5.1f}" if value is not None else "  —  "
        return Text(f"baseline {shown} {baseline.state(bus.ticks)}", style="dim")
    state = bus.state(name)
    style = {LIVE: "", STALE: "yellow", FALLEN_BACK: "red"}[state]
    return Text(f"{bus.age(name):5.1f} s {state}", style=style)


def _counters(stats: dict[str, Any], monitor: JackMonitor | None) -> Text:
    dropped = ", ".join(f"{k} {v}" for k, v in sorted(stats["dropped_by_reason"].items()))
    xruns = "n/a" if stats["xruns"] < 0 else str(stats["xruns"])
    load = f"  dsp load {monitor.load:4.1f}%" if monitor is not None else ""
    text = Text.assemble(
        ("osc ", "dim"),
        f"received {stats['received']}  accepted {stats['accepted']}  dropped {stats['dropped']}",
        (f" ({dropped})" if dropped else "", "yellow"),
        ("\naudio ", "dim"),
        f"xruns {xruns}{load}  buffers {stats['buffers']}",
        ("  feedback ", "dim"),
        f"{stats['subscribers']} listening, {stats['feedback_sent']} sent",
    )
    if stats["errors"]:
        text.append(f"\nerrors {stats['errors']}", style="bold red")
    return text


def _current_beat(session: LiveSession) -> int:
    transport = session.engine.conductor.transport
    if transport.bar < 0:
        return 0
    return int(max(0.0, transport.beat_at(session.engine.sample))) % transport.beats_per_bar


def _bar(share: float) -> str:
    filled = round(max(0.0, min(1.0, share)) * BAR_WIDTH)
    return "█" * filled + "·" * (BAR_WIDTH - filled)


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"
