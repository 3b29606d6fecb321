"""The heads-up display: heart rate, mood pad, the engine's scene, beat and layer levels.

Everything on the right-hand side comes back from the engine (``/engine/scene``,
``/engine/beat``, ``/engine/levels``), so it shows what the music does, not what the game
asked for: the scene changes on the bar line, the beat lights as the beat leaves the engine.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import pygame

from demos.wander import world as w
from demos.wander.link import EngineLink
from demos.wander.physiology import MAX_BPM, MIN_BPM
from demos.wander.render import ZONE_COLOUR, Colour
from demos.wander.sim import Game

PANEL: tuple[int, int, int, int] = (12, 16, 22, 178)
EDGE: Colour = (90, 104, 120)
TEXT: Colour = (232, 236, 240)
DIM: Colour = (150, 160, 172)
GOOD: Colour = (90, 220, 120)
BAD: Colour = (235, 90, 80)
ACCENT: Colour = (255, 214, 120)


def beat_pulse(now: float, beat_time: float, decay: float = 0.16) -> float:
    """1 at a beat, fading over ``decay`` seconds: what the beat lamps and the lantern show."""
    age = now - beat_time
    return math.exp(-age / decay) if age >= 0 else 0.0


@dataclass
class Toast:
    text: str
    colour: Colour
    born: float


class Fonts:
    def __init__(self) -> None:
        self.title = pygame.font.Font(None, 40)
        self.big = pygame.font.Font(None, 34)
        self.text = pygame.font.Font(None, 22)
        self.small = pygame.font.Font(None, 18)


def panel(screen: pygame.Surface, rect: pygame.Rect) -> None:
    surf = pygame.Surface(rect.size, pygame.SRCALPHA)
    pygame.draw.rect(surf, PANEL, surf.get_rect(), border_radius=8)
    pygame.draw.rect(surf, (*EDGE, 200), surf.get_rect(), 1, border_radius=8)
    screen.blit(surf, rect.topleft)


def text(
    screen: pygame.Surface,
    font: pygame.font.Font,
    words: str,
    pos: tuple[float, float],
    colour: Colour = TEXT,
    anchor: str = "topleft",
) -> pygame.Rect:
    img = font.render(words, True, colour)
    rect = img.get_rect(**{anchor: (round(pos[0]), round(pos[1]))})
    screen.blit(img, rect)
    return rect


def beat_lamps(
    screen: pygame.Surface,
    fonts: Fonts,
    link: EngineLink,
    now: float,
    x: int,
    y: int,
    beats_per_bar: int = 4,
) -> None:
    """Four lamps; the one of the beat just heard flashes (the first of the bar brighter)."""
    fb = link.feedback
    pulse = beat_pulse(now, fb.beat_time)
    for i in range(beats_per_bar):
        rect = pygame.Rect(x + i * 34, y, 28, 20)
        lit = i == fb.beat
        if lit:
            base = ACCENT if i == 0 else (140, 200, 255)
            colour = tuple(round(40 + (c - 40) * (0.35 + 0.65 * pulse)) for c in base)
            pygame.draw.rect(
                screen, colour, rect.inflate(round(6 * pulse), round(6 * pulse)), border_radius=5
            )
        else:
            pygame.draw.rect(screen, (44, 52, 62), rect, border_radius=5)
        pygame.draw.rect(screen, EDGE, rect, 1, border_radius=5)
    if fb.bar >= 0:
        text(screen, fonts.small, f"bar {fb.bar}", (x + beats_per_bar * 34 + 4, y + 3), DIM)


def engine_panel(
    screen: pygame.Surface, fonts: Fonts, link: EngineLink, now: float, rect: pygame.Rect
) -> None:
    """Connection, the engine's scene, tempo and beat lamps."""
    panel(screen, rect)
    x, y = rect.x + 14, rect.y + 10
    fb = link.feedback
    connected = link.connected(now)
    pygame.draw.circle(screen, GOOD if connected else BAD, (x + 6, y + 9), 6)
    host, port = link.address
    status = "engine: connected" if connected else "engine: no feedback"
    text(screen, fonts.text, status, (x + 18, y + 1), TEXT if connected else BAD)
    text(screen, fonts.small, f"{host}:{port}", (rect.right - 12, y + 4), DIM, "topright")
    y += 28
    scene = fb.scene or "?"
    pygame.draw.rect(
        screen, ZONE_COLOUR.get(scene, (120, 120, 120)), (x, y + 4, 14, 14), border_radius=3
    )
    text(screen, fonts.small, "music scene", (x + 22, y), DIM)
    text(screen, fonts.big, scene, (x + 22, y + 12))
    if fb.tempo > 0:
        text(screen, fonts.big, f"{fb.tempo:.0f}", (rect.right - 58, y + 12), TEXT, "topright")
        text(screen, fonts.small, "BPM", (rect.right - 14, y + 20), DIM, "topright")
    y += 46
    beat_lamps(screen, fonts, link, now, x, y)


def level_db(level: float) -> float:
    return 20.0 * math.log10(level) if level > 1e-6 else -math.inf


def level_bars(
    screen: pygame.Surface,
    fonts: Fonts,
    levels: dict[str, float],
    rect: pygame.Rect,
    title: str = "layers (engine levels, dB)",
    floor_db: float = -40.0,
) -> None:
    """One bar per layer, in dB from ``floor_db`` to +6 (a tick at 0 dB, unity)."""
    panel(screen, rect)
    x, y = rect.x + 12, rect.y + 8
    text(screen, fonts.small, title, (x, y), DIM)
    y += 18
    if not levels:
        text(screen, fonts.small, "waiting for /engine/levels", (x, y + 4), DIM)
        return
    rows = len(levels)
    row_h = max(10, min(18, (rect.bottom - y - 6) // max(1, rows)))
    bar_x, bar_w = x + 64, rect.width - 124
    span = 6.0 - floor_db
    for name, level in levels.items():
        db = level_db(level)
        audible = db > floor_db
        text(screen, fonts.small, name, (x, y + (row_h - 12) // 2), TEXT if audible else DIM)
        pygame.draw.rect(screen, (40, 46, 56), (bar_x, y + 2, bar_w, row_h - 5), border_radius=3)
        if audible:
            fill = min(1.0, (db - floor_db) / span)
            colour = (90, 200, 140) if db <= 0.5 else ACCENT
            pygame.draw.rect(
                screen, colour, (bar_x, y + 2, round(bar_w * fill), row_h - 5), border_radius=3
            )
            text(
                screen,
                fonts.small,
                f"{db:+.0f}",
                (rect.right - 12, y + (row_h - 12) // 2),
                DIM,
                "topright",
            )
        else:
            text(
                screen,
                fonts.small,
                "off",
                (rect.right - 12, y + (row_h - 12) // 2),
                DIM,
                "topright",
            )
        unity = bar_x + round(bar_w * -floor_db / span)
        pygame.draw.line(screen, (120, 130, 140), (unity, y + 1), (unity, y + row_h - 3), 1)
        y += row_h


def mood_pad(
    screen: pygame.Surface,
    fonts: Fonts,
    rect: pygame.Rect,
    trail: Sequence[tuple[float, float]],
    valence: float,
    arousal: float,
) -> None:
    """Valence across, arousal up: the mood the game sends, with its recent path."""
    pygame.draw.rect(screen, (26, 32, 40), rect, border_radius=6)
    for (qx, qy), colour in (
        ((0, 0), (70, 40, 50)),
        ((1, 0), (70, 60, 30)),
        ((0, 1), (36, 40, 70)),
        ((1, 1), (36, 70, 50)),
    ):
        quad = pygame.Rect(
            rect.x + qx * rect.width // 2,
            rect.y + qy * rect.height // 2,
            rect.width // 2,
            rect.height // 2,
        )
        pygame.draw.rect(screen, colour, quad.inflate(-2, -2), border_radius=4)
    pygame.draw.line(screen, EDGE, (rect.centerx, rect.y + 4), (rect.centerx, rect.bottom - 4))
    pygame.draw.line(screen, EDGE, (rect.x + 4, rect.centery), (rect.right - 4, rect.centery))
    for words, anchor, pos in (
        ("tense", "topleft", (rect.x + 4, rect.y + 3)),
        ("excited", "topright", (rect.right - 4, rect.y + 3)),
        ("gloomy", "bottomleft", (rect.x + 4, rect.bottom - 2)),
        ("calm", "bottomright", (rect.right - 4, rect.bottom - 2)),
    ):
        text(screen, fonts.small, words, pos, DIM, anchor)

    def at(v: float, a: float) -> tuple[float, float]:
        return (rect.centerx + v * (rect.width / 2 - 8), rect.centery - a * (rect.height / 2 - 8))

    if len(trail) > 1:
        pygame.draw.lines(screen, (150, 170, 200), False, [at(v, a) for v, a in trail], 2)
    pygame.draw.circle(screen, (255, 255, 255), at(valence, arousal), 7)
    pygame.draw.circle(
        screen, (255, 120, 120) if arousal > 0.3 else (120, 220, 255), at(valence, arousal), 5
    )


def heart_icon(
    screen: pygame.Surface, centre: tuple[float, float], size: float, colour: Colour
) -> None:
    x, y = centre
    r = size * 0.3
    pygame.draw.circle(screen, colour, (x - r * 0.95, y - r * 0.3), r)
    pygame.draw.circle(screen, colour, (x + r * 0.95, y - r * 0.3), r)
    pygame.draw.polygon(
        screen,
        colour,
        [(x - size * 0.58, y - r * 0.05), (x + size * 0.58, y - r * 0.05), (x, y + size * 0.6)],
    )


class Hud:
    """The game's HUD; :meth:`sample` once a frame, :meth:`draw` to paint it."""

    def __init__(self, minimap: pygame.Surface) -> None:
        self.fonts = Fonts()
        self.minimap = minimap
        self.heart_history: deque[float] = deque(maxlen=160)  # 40 s at 4 Hz
        self.trail: deque[tuple[float, float]] = deque(maxlen=24)
        self.toasts: list[Toast] = []
        self._next_sample = 0.0
        self._heart_phase = 0.0

    def toast(self, words: str, now: float, colour: Colour = ACCENT) -> None:
        self.toasts.append(Toast(words, colour, now))
        del self.toasts[:-3]

    def sample(
        self, dt: float, game_time: float, bpm: float, valence: float, arousal: float
    ) -> None:
        """Once a frame: the heart icon's phase, and the traces (four points a second)."""
        self._heart_phase = (self._heart_phase + dt * bpm / 60.0) % 1.0
        if game_time >= self._next_sample:
            self._next_sample = game_time + 0.25
            self.heart_history.append(bpm)
            self.trail.append((valence, arousal))

    def draw(
        self, screen: pygame.Surface, game: Game, link: EngineLink, now: float, banner: str
    ) -> None:
        sw, sh = screen.get_size()
        f = self.fonts
        # title and controls
        top = pygame.Rect(10, 10, min(620, sw - 340), 62)
        panel(screen, top)
        r = text(screen, f.title, "WANDER", (top.x + 14, top.y + 8), ACCENT)
        text(
            screen,
            f.text,
            "a walk with music by the soundscape engine, over OSC",
            (r.right + 12, top.y + 14),
            DIM,
        )
        text(screen, f.small, banner, (top.x + 14, top.y + 40), TEXT)
        # minimap
        mm = self.minimap
        mrect = mm.get_rect(topleft=(10, top.bottom + 8))
        screen.blit(mm, mrect)
        pygame.draw.rect(screen, EDGE, mrect, 1)
        k = mm.get_width() / w.WIDTH
        for relic in game.world.relics:
            if relic.available(game.time):
                pygame.draw.circle(
                    screen,
                    (255, 230, 140),
                    (mrect.x + relic.pos[0] * k, mrect.y + relic.pos[1] * k),
                    2,
                )
        for threat in game.world.threats:
            pygame.draw.circle(
                screen, (200, 40, 60), (mrect.x + threat.x * k, mrect.y + threat.y * k), 2
            )
        pygame.draw.circle(screen, (255, 255, 255), (mrect.x + game.x * k, mrect.y + game.y * k), 3)
        text(screen, f.small, game.zone, (mrect.x + 4, mrect.bottom - 14), TEXT)
        # engine: connection, scene, tempo, beat
        engine_panel(screen, f, link, now, pygame.Rect(sw - 320, 10, 310, 112))
        # heart and mood (what the game sends)
        self._draw_body(screen, game, pygame.Rect(10, sh - 178, 430, 168))
        # layer levels (what the engine plays)
        levels = link.feedback.levels
        height = 34 + 16 * max(3, len(levels))
        level_bars(screen, f, levels, pygame.Rect(sw - 320, sh - height - 10, 310, height))
        # toasts
        y = 92
        for toast in list(self.toasts):
            age = now - toast.born
            if age > 3.0:
                self.toasts.remove(toast)
                continue
            img = f.big.render(toast.text, True, toast.colour)
            img.set_alpha(round(255 * min(1.0, (3.0 - age) / 0.8)))
            screen.blit(img, img.get_rect(midtop=(sw // 2, y - round(8 * age))))
            y += 32

    def _draw_body(self, screen: pygame.Surface, game: Game, rect: pygame.Rect) -> None:
        f = self.fonts
        panel(screen, rect)
        x, y = rect.x + 14, rect.y + 10
        bpm = game.heart.bpm
        # the heart icon beats at the simulated rate
        thump = math.exp(-self._heart_phase * 9.0)
        heart_icon(screen, (x + 16, y + 18), 22 + 6 * thump, (230, 70, 80))
        text(screen, f.big, f"{bpm:.0f}", (x + 38, y + 2))
        text(screen, f.small, "BPM heart", (x + 38, y + 28), DIM)
        text(screen, f.small, f"target {game.heart.target:.0f}", (x + 120, y + 8), DIM)
        # the trace
        graph = pygame.Rect(x, y + 48, 222, 62)
        pygame.draw.rect(screen, (26, 32, 40), graph, border_radius=4)
        for mark in (80, 120, 160):
            gy = graph.bottom - (mark - MIN_BPM) / (MAX_BPM - MIN_BPM) * graph.height
            pygame.draw.line(screen, (48, 56, 66), (graph.x, gy), (graph.right, gy))
            text(screen, f.small, str(mark), (graph.right + 4, gy - 6), DIM)
        if len(self.heart_history) > 1:
            n = self.heart_history.maxlen or 1
            points = [
                (
                    graph.x + i * graph.width / (n - 1),
                    graph.bottom - (v - MIN_BPM) / (MAX_BPM - MIN_BPM) * graph.height,
                )
                for i, v in enumerate(self.heart_history)
            ]
            pygame.draw.lines(screen, (240, 90, 100), False, points, 2)
        # movement and danger meters
        for i, (name, value, colour) in enumerate(
            (("movement", game.movement, (120, 190, 255)), ("danger", game.danger, (240, 80, 80)))
        ):
            my = graph.bottom + 8 + i * 20
            text(screen, f.small, name, (x, my), DIM)
            pygame.draw.rect(screen, (40, 46, 56), (x + 70, my + 1, 152, 10), border_radius=3)
            pygame.draw.rect(
                screen, colour, (x + 70, my + 1, round(152 * value), 10), border_radius=3
            )
        # the mood pad
        pad = pygame.Rect(rect.right - 160, rect.y + 22, 146, 136)
        text(
            screen,
            f.small,
            f"mood  v {game.mood.valence:+.2f}  a {game.mood.arousal:+.2f}",
            (pad.x, rect.y + 6),
            DIM,
        )
        mood_pad(screen, f, pad, list(self.trail), game.mood.valence, game.mood.arousal)
