"""``--sliders``: a parameter panel, like a middleware tool, for auditioning a score.

A slider for every input the score declares (its range and default from the score), a button
for every scene and every event (with an intensity slider), and the engine's feedback beside
them: connection, the scene that is playing, tempo and beat, layer levels, and a log of what was
sent. It sends the same OSC as the game (``/state/<input>``, ``/scene``, ``/event``).

Mouse: drag a slider (double-click: back to its default), click a button. Keys: 1-9 change
scene, Space fires the first event, R resets every slider, Esc quits.

With ``--autopilot SECONDS`` it auditions by itself: sweeps the inputs, visits every scene and
fires every event, printing ``SENT``/``BEAT``/``STINGER``/``FEEDBACK`` lines and ``DONE``.
"""

from __future__ import annotations

import math
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pygame

from demos.wander import scoreinfo
from demos.wander.app import Report, open_window, save_screenshot
from demos.wander.hud import (
    ACCENT,
    DIM,
    EDGE,
    TEXT,
    Fonts,
    engine_panel,
    level_bars,
    panel,
    text,
)
from demos.wander.link import EngineLink, OscArg
from demos.wander.options import Options

ROW = 58


@dataclass
class Slider:
    name: str
    lo: float
    hi: float
    default: float
    value: float
    rect: pygame.Rect
    unit: str = ""

    @property
    def fraction(self) -> float:
        return (self.value - self.lo) / (self.hi - self.lo) if self.hi > self.lo else 0.0

    def set_from_x(self, x: float) -> None:
        f = min(1.0, max(0.0, (x - self.rect.x) / self.rect.width))
        self.value = self.lo + f * (self.hi - self.lo)

    def draw(self, screen: pygame.Surface, fonts: Fonts, active: bool) -> None:
        r = self.rect
        text(screen, fonts.text, self.name, (r.x, r.y - 22), TEXT)
        text(
            screen,
            fonts.text,
            f"{self.value:.2f}{self.unit}",
            (r.right, r.y - 22),
            ACCENT,
            "topright",
        )
        pygame.draw.rect(screen, (40, 46, 56), r, border_radius=5)
        if self.lo < 0 < self.hi:  # fill from zero for bipolar inputs
            zero = r.x + (0 - self.lo) / (self.hi - self.lo) * r.width
            knob = r.x + self.fraction * r.width
            fill = pygame.Rect(min(zero, knob), r.y, abs(knob - zero), r.height)
            pygame.draw.line(screen, EDGE, (zero, r.y - 3), (zero, r.bottom + 2))
        else:
            fill = pygame.Rect(r.x, r.y, self.fraction * r.width, r.height)
        pygame.draw.rect(
            screen, (90, 160, 220) if not active else (140, 200, 255), fill, border_radius=5
        )
        default = r.x + (self.default - self.lo) / (self.hi - self.lo) * r.width
        pygame.draw.line(screen, (200, 200, 200), (default, r.bottom + 2), (default, r.bottom + 7))
        knob_x = r.x + self.fraction * r.width
        pygame.draw.circle(screen, (245, 245, 250), (knob_x, r.centery), r.height * 0.9)
        pygame.draw.circle(screen, EDGE, (knob_x, r.centery), r.height * 0.9, 2)
        text(screen, fonts.small, f"{self.lo:g}", (r.x, r.bottom + 5), DIM)
        text(screen, fonts.small, f"{self.hi:g}", (r.right, r.bottom + 5), DIM, "topright")


@dataclass
class Button:
    label: str
    kind: str  # "scene" or "event"
    rect: pygame.Rect

    def draw(
        self, screen: pygame.Surface, fonts: Fonts, lit: bool, pending: bool, flash: float
    ) -> None:
        base = (60, 110, 80) if lit else (52, 60, 72)
        if pending:
            base = (110, 100, 50)
        if flash > 0:
            base = tuple(round(c + (255 - c) * 0.6 * flash) for c in base)
        pygame.draw.rect(screen, base, self.rect, border_radius=7)
        pygame.draw.rect(screen, ACCENT if lit else EDGE, self.rect, 2, border_radius=7)
        text(screen, fonts.text, self.label, self.rect.center, TEXT, "center")


class Panel:
    """The sliders, buttons and the feedback column, laid out for a window size."""

    def __init__(self, info: scoreinfo.ScoreInfo, size: tuple[int, int]) -> None:
        self.info = info
        sw = size[0]
        left = 30
        width = max(280, min(640, sw - 420) - left)
        y = 134
        self.sliders: list[Slider] = []
        for spec in info.inputs:
            unit = " BPM" if spec.name == "heartrate" else ""
            self.sliders.append(
                Slider(
                    spec.name,
                    spec.min,
                    spec.max,
                    spec.default,
                    spec.default,
                    pygame.Rect(left, y, width, 14),
                    unit,
                )
            )
            y += ROW
        self.intensity = Slider(
            "event intensity", 0.0, 1.0, 1.0, 1.0, pygame.Rect(left, y, width, 14)
        )
        y += ROW - 10
        self.buttons: list[Button] = []
        self.scene_y = y + 18
        x = left
        for name in info.scenes:
            bw = max(90, 24 + 11 * len(name))
            self.buttons.append(Button(name, "scene", pygame.Rect(x, self.scene_y, bw, 38)))
            x += bw + 10
        self.event_y = self.scene_y + 70
        x = left
        for name in info.events:
            bw = max(90, 24 + 11 * len(name))
            self.buttons.append(Button(name, "event", pygame.Rect(x, self.event_y, bw, 38)))
            x += bw + 10
        self.width = width


def run_sliders(opts: Options) -> int:
    start = time.monotonic()

    def clock() -> float:
        return time.monotonic() - start

    try:
        info = scoreinfo.load(opts.score)
    except Exception as exc:
        print(f"cannot read the score {opts.score}: {exc}", file=sys.stderr)
        return 2
    report = Report(opts.autopilot is not None, clock)
    log: deque[str] = deque(maxlen=9)

    def sent(address: str, args: Sequence[OscArg]) -> None:
        report.sent(address, args)
        if not address.startswith("/engine"):
            words = " ".join(f"{a:.2f}" if isinstance(a, float) else str(a) for a in args)
            log.appendleft(f"{clock():6.1f}  {address} {words}")

    screen = open_window(opts.size, f"Soundscape sliders - {info.title}")
    fonts = Fonts()
    ui = Panel(info, opts.size)
    link = EngineLink(*opts.engine, clock=clock, on_send=sent)
    link.subscribe()
    dragging: Slider | None = None
    last_click: tuple[Slider | None, float] = (None, -1.0)
    flashes: dict[str, float] = {}
    requested = ""
    fired = 0
    ticker = pygame.time.Clock()
    running = True

    def press(button: Button, now: float) -> None:
        nonlocal requested, fired
        flashes[button.label] = now
        if button.kind == "scene":
            requested = button.label
            link.scene(button.label)
        else:
            fired += 1
            link.event(button.label, ui.intensity.value)

    scenes = [b for b in ui.buttons if b.kind == "scene"]
    events = [b for b in ui.buttons if b.kind == "event"]
    script_step = 0
    try:
        while running:
            ticker.tick(opts.fps)
            now = clock()
            for event in pygame.event.get():
                if event.type == pygame.QUIT:
                    running = False
                elif event.type == pygame.KEYDOWN:
                    if event.key == pygame.K_ESCAPE:
                        running = False
                    elif pygame.K_1 <= event.key <= pygame.K_9:
                        index = event.key - pygame.K_1
                        if index < len(scenes):
                            press(scenes[index], now)
                    elif event.key == pygame.K_SPACE and events:
                        press(events[0], now)
                    elif event.key == pygame.K_r:
                        for slider in ui.sliders:
                            slider.value = slider.default
                elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
                    for slider in [*ui.sliders, ui.intensity]:
                        if slider.rect.inflate(16, 20).collidepoint(event.pos):
                            if last_click[0] is slider and now - last_click[1] < 0.35:
                                slider.value = slider.default
                            else:
                                dragging = slider
                                slider.set_from_x(event.pos[0])
                            last_click = (slider, now)
                    for button in ui.buttons:
                        if button.rect.collidepoint(event.pos):
                            press(button, now)
                elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
                    dragging = None
                elif event.type == pygame.MOUSEMOTION and dragging is not None:
                    dragging.set_from_x(event.pos[0])
            if opts.autopilot is not None:  # audition by itself
                phase = now / opts.autopilot
                for i, slider in enumerate(ui.sliders):
                    wave = 0.5 + 0.5 * math.sin(2 * math.pi * (phase * 1.5 + i * 0.23))
                    slider.value = slider.lo + wave * (slider.hi - slider.lo)
                steps = len(scenes) + len(events)
                while script_step < steps and phase >= (script_step + 0.5) / (steps + 1):
                    press((scenes + events)[script_step], now)
                    script_step += 1
                if now >= opts.autopilot:
                    running = False
            for slider in ui.sliders:
                link.state(slider.name, slider.value, now)
            for address, args in link.poll(now):
                if address == "/engine/beat" and len(args) >= 3:
                    report.line(f"BEAT {args[0]} {args[1]} {float(args[2]):.2f}")
                elif address == "/engine/stinger" and args:
                    flashes[str(args[0])] = now
                    report.line(f"STINGER {args[0]}")
                    report.line(f"FEEDBACK {now:.3f} {address} {args[0]}")
                elif address == "/engine/scene" and args:
                    report.line(f"FEEDBACK {now:.3f} {address} {args[0]}")
                elif address == "/engine/levels":
                    report.layers(link.feedback.levels, now)
            draw(screen, fonts, ui, link, now, requested, flashes, log, opts, dragging)
            pygame.display.flip()
        if opts.screenshot:
            save_screenshot(screen, opts.screenshot)
            report.line(f"SCREENSHOT {opts.screenshot} {clock():.2f}")
    finally:
        link.close()
        pygame.quit()
    report.line(
        f"DONE scenes={','.join(b.label for b in scenes)} events={fired} "
        f"beats={link.feedback.beats} stingers={link.feedback.stingers}"
    )
    return 0


def draw(
    screen: pygame.Surface,
    fonts: Fonts,
    ui: Panel,
    link: EngineLink,
    now: float,
    requested: str,
    flashes: dict[str, float],
    log: deque[str],
    opts: Options,
    dragging: Slider | None,
) -> None:
    sw, sh = screen.get_size()
    screen.fill((18, 22, 28))
    text(screen, fonts.title, "SOUNDSCAPE", (30, 18), ACCENT)
    text(
        screen,
        fonts.text,
        f"sliders for {ui.info.title}  ({Path(opts.score).name})",
        (230, 26),
        DIM,
    )
    text(
        screen,
        fonts.small,
        "drag a slider (double-click: default)   1-9: scenes   "
        "Space: first event   R: reset   Esc: quit",
        (30, 56),
        DIM,
    )
    text(screen, fonts.small, "INPUTS  /state/<name>", (30, 86), DIM)
    for slider in [*ui.sliders, ui.intensity]:
        slider.draw(screen, fonts, slider is dragging)
    fb = link.feedback
    text(
        screen,
        fonts.small,
        "SCENES  /scene <name>   (lit: playing, amber: on its way)",
        (30, ui.scene_y - 20),
        DIM,
    )
    text(screen, fonts.small, "EVENTS  /event <name> <intensity>", (30, ui.event_y - 20), DIM)
    for button in ui.buttons:
        age = now - flashes.get(button.label, -math.inf)
        flash = math.exp(-age / 0.25) if age >= 0 else 0.0
        lit = button.kind == "scene" and button.label == fb.scene
        pending = button.kind == "scene" and button.label == requested and not lit
        button.draw(screen, fonts, lit, pending, flash)
    # the feedback column
    right = pygame.Rect(sw - 370, 16, 355, 112)
    engine_panel(screen, fonts, link, now, right)
    levels = fb.levels
    height = 34 + 16 * max(3, len(levels))
    level_bars(screen, fonts, levels, pygame.Rect(right.x, right.bottom + 10, right.width, height))
    log_rect = pygame.Rect(
        right.x, right.bottom + height + 20, right.width, max(60, sh - right.bottom - height - 36)
    )
    panel(screen, log_rect)
    text(screen, fonts.small, "sent", (log_rect.x + 12, log_rect.y + 8), DIM)
    for i, line in enumerate(log):
        y = log_rect.y + 26 + i * 17
        if y > log_rect.bottom - 16:
            break
        text(screen, fonts.small, line, (log_rect.x + 12, y), TEXT if i == 0 else DIM)
