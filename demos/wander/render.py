"""Drawing the world with pygame primitives: terrain, paths, trees, ruins, relics, threats and
the wanderer. No image files: everything is painted once at start (the ground and the canopies,
as two world-sized surfaces) or every frame (what moves).
"""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pygame

from demos.wander import world as w
from demos.wander.sim import Game

Colour = tuple[int, int, int]

#: Ground colour of each zone, in ZONES order.
GROUND: tuple[Colour, ...] = ((104, 158, 74), (44, 80, 52), (128, 118, 100))
ZONE_COLOUR: dict[str, Colour] = {
    "meadow": (150, 205, 100),
    "grove": (70, 150, 90),
    "ruins": (190, 160, 120),
}
PATH: Colour = (176, 150, 106)
ADD = pygame.BLEND_RGB_ADD
PATH_EDGE: Colour = (140, 118, 82)


def glow(radius: int, colour: Colour, peak: int = 255, power: float = 2.0) -> pygame.Surface:
    """A soft round light: ``colour`` fading to transparent at ``radius`` (blit normally)."""
    size = 2 * radius + 1
    y, x = np.mgrid[0:size, 0:size]
    d = np.hypot(x - radius, y - radius) / max(1, radius)
    alpha = (np.clip(1.0 - d, 0.0, 1.0) ** power * peak).astype(np.uint8)
    surf = pygame.Surface((size, size), pygame.SRCALPHA)
    surf.fill((*colour, 0))
    pygame.surfarray.pixels_alpha(surf)[:] = alpha.T
    return surf


def light(radius: int, colour: Colour, peak: float = 1.0, power: float = 2.0) -> pygame.Surface:
    """An additive light: black outside, ``colour`` times ``peak`` at the centre; blit it with
    ``special_flags=pygame.BLEND_RGB_ADD``."""
    size = 2 * radius + 1
    y, x = np.mgrid[0:size, 0:size]
    d = np.hypot(x - radius, y - radius) / max(1, radius)
    k = np.clip(1.0 - d, 0.0, 1.0) ** power * peak
    rgb = np.clip(k[..., None] * np.array(colour, dtype=float), 0, 255).astype(np.uint8)
    return pygame.surfarray.make_surface(rgb.transpose(1, 0, 2))


def _value_noise(shape: tuple[int, int], cells: int, rng: np.random.Generator) -> np.ndarray:
    """Smooth random field in 0..1: a coarse random grid, bilinearly upsampled."""
    h, wd = shape
    gh, gw = max(2, h // cells + 2), max(2, wd // cells + 2)
    grid = rng.random((gh, gw))
    ys = np.linspace(0, gh - 1.001, h)
    xs = np.linspace(0, gw - 1.001, wd)
    y0, x0 = ys.astype(int), xs.astype(int)
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
    fy, fx = fy * fy * (3 - 2 * fy), fx * fx * (3 - 2 * fx)
    a = grid[y0][:, x0]
    b = grid[y0][:, x0 + 1]
    c = grid[y0 + 1][:, x0]
    d = grid[y0 + 1][:, x0 + 1]
    return a * (1 - fx) * (1 - fy) + b * fx * (1 - fy) + c * (1 - fx) * fy + d * fx * fy


def ground_surface(scale: int = 4, seed: int = 3) -> pygame.Surface:
    """The bare ground of the whole world: zone colours blended softly at the borders, with
    patches of light and shade."""
    rng = np.random.default_rng(seed)
    xs = np.arange(0, w.WIDTH, scale, dtype=float) + scale / 2
    ys = np.arange(0, w.HEIGHT, scale, dtype=float) + scale / 2
    gx, gy = np.meshgrid(xs, ys)
    dist = np.stack(w.zone_distances(gx, gy))
    weight = np.exp(-(dist - dist.min(axis=0)) / 14.0)
    weight /= weight.sum(axis=0)
    colour = np.tensordot(weight, np.array(GROUND, dtype=float), axes=(0, 0))
    shade = 0.82 + 0.3 * _value_noise(gx.shape, 40, rng) + 0.08 * _value_noise(gx.shape, 6, rng)
    colour *= shade[..., None]
    small = pygame.surfarray.make_surface(
        np.clip(colour, 0, 255).astype(np.uint8).transpose(1, 0, 2)
    )
    return pygame.transform.smoothscale(small, (w.WIDTH, w.HEIGHT))


def _thick_path(
    surf: pygame.Surface, points: tuple[w.Point, ...], colour: Colour, width: int
) -> None:
    for a, b in itertools.pairwise(points):
        pygame.draw.line(surf, colour, a, b, width)
    for p in points:
        pygame.draw.circle(surf, colour, p, width // 2)


def _tree(ground: pygame.Surface, over: pygame.Surface, o: w.Obstacle, rng: random.Random) -> None:
    x, y, r = o.x, o.y, o.r
    pygame.draw.circle(ground, (22, 40, 26), (x + r * 0.25, y + r * 0.3), r * 1.02)  # shadow
    pygame.draw.circle(ground, (84, 60, 38), (x, y), max(3, r * 0.3))  # trunk
    if o.kind == "pine":
        for k, (shade, scale) in enumerate(
            (((26, 70, 48), 1.0), ((34, 88, 58), 0.72), ((48, 108, 70), 0.42))
        ):
            points = []
            for i in range(16):
                a = i * math.pi / 8 + k * 0.2
                rr = r * scale * (1.0 if i % 2 == 0 else 0.62)
                points.append((x + rr * math.cos(a), y + rr * math.sin(a)))
            pygame.draw.polygon(over, (*shade, 240), points)
        return
    meadow = w.zone_at(x, y) == "meadow"
    base = (56, 112, 52) if meadow else (36, 86, 46)
    for k in range(5):  # a lumpy canopy
        a = rng.uniform(0, 2 * math.pi)
        d = r * 0.35
        pygame.draw.circle(over, (*base, 238), (x + d * math.cos(a), y + d * math.sin(a)), r * 0.7)
        if k == 0:
            pygame.draw.circle(over, (*base, 238), (x, y), r * 0.85)
    light = (96, 150, 70) if meadow else (62, 118, 62)
    pygame.draw.circle(over, (*light, 220), (x - r * 0.25, y - r * 0.3), r * 0.42)
    pygame.draw.circle(
        over, (*[min(255, c + 30) for c in light], 160), (x - r * 0.35, y - r * 0.4), r * 0.18
    )


def _ruin(surf: pygame.Surface, o: w.Obstacle, rng: random.Random) -> None:
    x, y, r = o.x, o.y, o.r
    if o.kind == "block":
        rect = pygame.Rect(0, 0, 2 * r + 2, 2 * r + 2)
        rect.center = (round(x), round(y))
        pygame.draw.rect(surf, (70, 64, 56), rect.move(3, 4), border_radius=2)
        tone = rng.randint(-12, 12)
        pygame.draw.rect(surf, (150 + tone, 144 + tone, 130 + tone), rect, border_radius=2)
        pygame.draw.rect(surf, (100, 94, 82), rect, 2, border_radius=2)
        pygame.draw.line(surf, (176, 170, 156), rect.topleft, rect.topright, 2)
    elif o.kind == "pillar":
        pygame.draw.circle(surf, (64, 58, 50), (x + 5, y + 6), r)
        pygame.draw.circle(surf, (166, 160, 146), (x, y), r)
        pygame.draw.circle(surf, (110, 104, 92), (x, y), r, 3)
        pygame.draw.circle(surf, (196, 190, 176), (x - r * 0.3, y - r * 0.3), r * 0.4)
        for _ in range(5):  # rubble around the broken column
            a = rng.uniform(0, 2 * math.pi)
            d = r + rng.uniform(4, 16)
            pygame.draw.circle(
                surf, (140, 134, 120), (x + d * math.cos(a), y + d * math.sin(a)), rng.uniform(2, 4)
            )
    elif o.kind == "rock":
        points = [
            (
                x + r * rng.uniform(0.75, 1.1) * math.cos(a),
                y + r * rng.uniform(0.75, 1.1) * math.sin(a),
            )
            for a in np.linspace(0, 2 * math.pi, 7, endpoint=False)
        ]
        pygame.draw.polygon(surf, (70, 66, 60), [(px + 3, py + 3) for px, py in points])
        pygame.draw.polygon(surf, (132, 128, 120), points)
        pygame.draw.polygon(surf, (96, 92, 86), points, 2)


def _bush(surf: pygame.Surface, o: w.Obstacle, rng: random.Random) -> None:
    x, y, r = o.x, o.y, o.r
    ruins = w.zone_at(x, y) == "ruins"
    base = (92, 100, 60) if ruins else (58, 118, 56)
    pygame.draw.circle(surf, (40, 70, 40), (x + 3, y + 4), r)
    for _ in range(4):
        a = rng.uniform(0, 2 * math.pi)
        pygame.draw.circle(
            surf, base, (x + r * 0.4 * math.cos(a), y + r * 0.4 * math.sin(a)), r * 0.7
        )
    pygame.draw.circle(surf, [min(255, c + 40) for c in base], (x - r * 0.3, y - r * 0.3), r * 0.3)


def _pond(surf: pygame.Surface, o: w.Obstacle, rng: random.Random) -> None:
    x, y, r = o.x, o.y, o.r
    pygame.draw.ellipse(surf, (70, 110, 70), (x - r * 1.25, y - r * 1.05, r * 2.5, r * 2.1))
    pygame.draw.circle(surf, (50, 98, 140), (x, y), r)
    pygame.draw.circle(surf, (72, 126, 166), (x - r * 0.15, y - r * 0.15), r * 0.75)
    for k in range(3):
        pygame.draw.arc(
            surf,
            (150, 190, 215),
            (x - r * 0.6 + 12 * k, y - r * 0.4 + 14 * k, r * 0.7, r * 0.4),
            0.3,
            2.6,
            2,
        )
    for _ in range(14):  # reeds
        a = rng.uniform(0, 2 * math.pi)
        px, py = x + (r + 2) * math.cos(a), y + (r + 2) * math.sin(a)
        pygame.draw.line(surf, (60, 100, 50), (px, py), (px + rng.uniform(-3, 3), py - 12), 2)
        pygame.draw.ellipse(surf, (110, 80, 50), (px - 2, py - 16, 4, 7))


def paint_world(world: w.World, seed: int = 5) -> tuple[pygame.Surface, pygame.Surface]:
    """The ground (with everything flat or low) and the canopies drawn over the characters."""
    rng = random.Random(seed)
    ground = ground_surface()
    over = pygame.Surface((w.WIDTH, w.HEIGHT), pygame.SRCALPHA)
    over.fill((0, 0, 0, 0))
    # flagstones in the ruins
    for gy in range(0, w.HEIGHT, 34):
        for gx in range(0, w.WIDTH, 40):
            x, y = gx + (17 if (gy // 34) % 2 else 0), gy
            if w.zone_at(x, y) != "ruins" or rng.random() < 0.35:
                continue
            tone = rng.randint(-14, 10)
            rect = pygame.Rect(x + rng.randint(-2, 2), y + rng.randint(-2, 2), 37, 31)
            pygame.draw.rect(ground, (146 + tone, 138 + tone, 120 + tone), rect, border_radius=3)
            pygame.draw.rect(ground, (112, 104, 88), rect, 1, border_radius=3)
            if rng.random() < 0.25:  # a crack
                pygame.draw.line(
                    ground,
                    (96, 88, 74),
                    (rect.x + rng.randint(4, 30), rect.y),
                    (rect.x + rng.randint(4, 30), rect.bottom),
                    1,
                )
    # paths
    for line in w.all_paths():
        _thick_path(ground, line, PATH_EDGE, 52)
    for line in w.all_paths():
        _thick_path(ground, line, PATH, 42)
    for line in w.all_paths():  # pebbles along the paths
        for a, b in itertools.pairwise(line):
            for _ in range(int(math.dist(a, b) / 18)):
                t = rng.random()
                px = a[0] + t * (b[0] - a[0]) + rng.uniform(-16, 16)
                py = a[1] + t * (b[1] - a[1]) + rng.uniform(-16, 16)
                pygame.draw.circle(ground, (150, 128, 92), (px, py), rng.uniform(1, 2.5))
    # flowers and tufts in the meadow, litter and mushrooms in the grove
    for _ in range(5000):
        x, y = rng.uniform(0, w.WIDTH), rng.uniform(0, w.HEIGHT)
        zone = w.zone_at(x, y)
        if w.distance_to_path((x, y)) < 24:
            continue
        if zone == "meadow":
            if rng.random() < 0.45:
                colour = rng.choice(
                    (
                        (245, 245, 235),
                        (250, 220, 90),
                        (235, 150, 190),
                        (180, 160, 240),
                        (250, 180, 90),
                    )
                )
                pygame.draw.circle(ground, colour, (x, y), rng.choice((2, 2, 3)))
            else:
                pygame.draw.line(ground, (80, 136, 60), (x, y), (x - 2, y - 6), 1)
                pygame.draw.line(ground, (80, 136, 60), (x, y), (x + 2, y - 5), 1)
        elif zone == "grove":
            if rng.random() < 0.025:
                pygame.draw.circle(ground, (190, 80, 60), (x, y), 3)
                pygame.draw.circle(ground, (240, 230, 220), (x - 1, y - 1), 1)
            else:
                pygame.draw.circle(
                    ground,
                    rng.choice(((70, 62, 36), (60, 90, 44), (86, 74, 40))),
                    (x, y),
                    rng.uniform(1.5, 3),
                )
        elif rng.random() < 0.5:
            pygame.draw.circle(ground, (104, 98, 86), (x, y), rng.uniform(1, 2.5))
    # obstacles, north to south so the southern ones overlap the northern
    for o in sorted(world.obstacles, key=lambda o: o.y):
        if o.kind in ("tree", "pine"):
            _tree(ground, over, o, rng)
        elif o.kind == "bush":
            _bush(ground, o, rng)
        elif o.kind == "pond":
            _pond(ground, o, rng)
        else:
            _ruin(ground, o, rng)
    return ground.convert(), over.convert_alpha()


def wolf_sprite(phase: int) -> pygame.Surface:
    """A shadow wolf seen from above, facing east (rotate it to its heading); ``phase`` 0..3
    swings the legs and the tail."""
    surf = pygame.Surface((76, 44), pygame.SRCALPHA)
    body, rim = (22, 16, 32), (96, 66, 130)
    swing = (-1, 0, 1, 0)[phase] * 4
    for lx, side in ((46, -1), (46, 1), (24, -1), (24, 1)):  # legs
        off = swing * side * (1 if lx > 30 else -1)
        pygame.draw.ellipse(surf, body, (lx - 4 + off, 22 + side * 11 - 3, 9, 7))
    tail = [(20, 20), (4, 16 + swing), (2, 22 + swing), (20, 25)]
    pygame.draw.polygon(surf, body, tail)
    pygame.draw.polygon(surf, rim, tail, 1)
    pygame.draw.ellipse(surf, body, (14, 12, 40, 20))
    pygame.draw.ellipse(surf, rim, (14, 12, 40, 20), 2)
    pygame.draw.circle(surf, body, (55, 22), 10)  # head
    pygame.draw.circle(surf, rim, (55, 22), 10, 2)
    pygame.draw.polygon(surf, body, [(60, 17), (72, 22), (60, 27)])  # snout
    for side in (-1, 1):  # ears
        ear = [(50, 22 + side * 6), (47, 22 + side * 15), (56, 22 + side * 9)]
        pygame.draw.polygon(surf, body, ear)
        pygame.draw.polygon(surf, rim, ear, 1)
    for k in range(5):  # bristling fur along the back
        pygame.draw.line(surf, rim, (20 + 7 * k, 22), (17 + 7 * k, 22 + (-1) ** k * 4), 1)
    return surf


class WorldView:
    """Draws the world around the player into a viewport, every frame."""

    def __init__(self, world: w.World) -> None:
        self.ground, self.over = paint_world(world)
        self.lantern = light(150, (255, 200, 130), peak=0.33)
        self.relic_glow = light(46, (120, 220, 255), peak=0.8)
        self.relic_glow_gold = light(46, (255, 210, 110), peak=0.8)
        self.aura = glow(60, (10, 0, 20), peak=150, power=1.5)
        self.eye = light(7, (255, 60, 40), power=1.2)
        self.ghost_eye = light(7, (200, 240, 255), power=1.2)
        self.wolf = [wolf_sprite(phase) for phase in range(4)]
        self.vignette: pygame.Surface | None = None
        self.camera = (0.0, 0.0)
        self.dust: list[list[float]] = []
        self.rings: list[list[float]] = []
        self._rng = random.Random(9)

    def minimap(self, width: int) -> pygame.Surface:
        height = round(width * w.HEIGHT / w.WIDTH)
        return pygame.transform.smoothscale(self.ground, (width, height))

    def _vignette(self, size: tuple[int, int]) -> pygame.Surface:
        if self.vignette is None or self.vignette.get_size() != size:
            sw, sh = size
            y, x = np.mgrid[0:sh, 0:sw]
            d = np.hypot((x - sw / 2) / (sw / 2), (y - sh / 2) / (sh / 2))
            alpha = (np.clip((d - 0.55) / 0.75, 0, 1) ** 1.6 * 255).astype(np.uint8)
            surf = pygame.Surface(size, pygame.SRCALPHA)
            surf.fill((40, 0, 10, 0))
            pygame.surfarray.pixels_alpha(surf)[:] = alpha.T
            self.vignette = surf
        return self.vignette

    def to_screen(self, p: w.Point) -> tuple[float, float]:
        return p[0] - self.camera[0], p[1] - self.camera[1]

    def ring(self, p: w.Point) -> None:
        """A ring of light spreading from ``p`` (a stinger sounding)."""
        self.rings.append([p[0], p[1], 0.0])

    def draw(
        self,
        screen: pygame.Surface,
        game: Game,
        now: float,
        beat_pulse: float,
        downbeat: bool,
        dt: float,
    ) -> None:
        sw, sh = screen.get_size()
        cx = min(max(game.x - sw / 2, 0.0), max(0.0, w.WIDTH - sw))
        cy = min(max(game.y - sh / 2, 0.0), max(0.0, w.HEIGHT - sh))
        if sw > w.WIDTH:
            cx = (w.WIDTH - sw) / 2
        if sh > w.HEIGHT:
            cy = (w.HEIGHT - sh) / 2
        self.camera = (cx, cy)
        view = pygame.Rect(round(cx), round(cy), sw, sh)
        screen.fill((20, 24, 20))
        screen.blit(self.ground, (0, 0), view)
        self._draw_relics(screen, game, now, beat_pulse)
        self._draw_dust(screen, game, dt)
        self._draw_player(screen, game, now, beat_pulse, downbeat)
        screen.blit(self.over, (0, 0), view)
        self._draw_threats(screen, game, now)  # shadows slip between the trees
        self._draw_rings(screen, dt)
        if game.danger > 0.02:
            vignette = self._vignette((sw, sh))
            vignette.set_alpha(round(200 * min(1.0, game.danger)))
            screen.blit(vignette, (0, 0))

    def _draw_relics(self, screen: pygame.Surface, game: Game, now: float, pulse: float) -> None:
        for index, relic in enumerate(game.world.relics):
            if not relic.available(game.time):
                continue
            x, y = self.to_screen(relic.pos)
            if not (-60 < x < screen.get_width() + 60 and -60 < y < screen.get_height() + 60):
                continue
            bob = 3.0 * math.sin(now * 2.2 + index)
            gold = relic.spot.intensity >= 0.85
            halo = self.relic_glow_gold if gold else self.relic_glow
            scale = 0.8 + 0.55 * pulse + 0.08 * math.sin(now * 3.0 + index)
            size = max(8, round(halo.get_width() * scale))
            img = pygame.transform.smoothscale(halo, (size, size))
            screen.blit(img, (x - size / 2, y - size / 2 + bob), special_flags=ADD)
            core = (255, 236, 150) if gold else (170, 240, 255)
            edge = (200, 150, 40) if gold else (60, 150, 200)
            h = 11 + 2 * pulse
            points = [(x, y - h + bob), (x + 7, y + bob), (x, y + h * 0.8 + bob), (x - 7, y + bob)]
            pygame.draw.ellipse(screen, (30, 40, 30), (x - 8, y + 12, 16, 6))
            pygame.draw.polygon(screen, core, points)
            pygame.draw.polygon(screen, edge, points, 2)
            pygame.draw.line(screen, (255, 255, 255), (x - 2, y - h + 5 + bob), (x - 4, y + bob), 2)

    def _draw_dust(self, screen: pygame.Surface, game: Game, dt: float) -> None:
        if game.sprinting and game.speed > 150 and self._rng.random() < 0.7:
            self.dust.append([game.x + self._rng.uniform(-6, 6), game.y + 10, 0.0])
        alive = []
        for d in self.dust:
            d[2] += dt
            if d[2] < 0.6:
                alive.append(d)
                x, y = self.to_screen((d[0], d[1]))
                r = 3 + 10 * d[2]
                surf = pygame.Surface((2 * r + 2, 2 * r + 2), pygame.SRCALPHA)
                pygame.draw.circle(
                    surf, (200, 180, 140, round(120 * (1 - d[2] / 0.6))), (r + 1, r + 1), r
                )
                screen.blit(surf, (x - r, y - r))
        self.dust = alive

    def _draw_player(
        self, screen: pygame.Surface, game: Game, now: float, pulse: float, downbeat: bool
    ) -> None:
        x, y = self.to_screen(game.pos)
        scale = 0.85 + (0.45 if downbeat else 0.3) * pulse
        size = round(self.lantern.get_width() * scale)
        lamp = pygame.transform.smoothscale(self.lantern, (size, size))
        screen.blit(lamp, (x - size / 2, y - size / 2), special_flags=ADD)
        pygame.draw.ellipse(screen, (20, 30, 20), (x - 12, y + 6, 24, 10))
        stride = math.sin(game.walked / 9.0) * min(1.0, game.speed / 100.0)
        fx, fy = math.cos(game.facing), math.sin(game.facing)
        px, py = -fy, fx  # sideways
        for side in (-1, 1):  # feet
            step = stride * side * 6
            pygame.draw.circle(
                screen,
                (60, 44, 34),
                (x + px * 5 * side + fx * step, y + py * 5 * side + fy * step + 4),
                4,
            )
        cloak = (170, 60, 60) if game.sprinting else (62, 96, 170)
        pygame.draw.circle(screen, cloak, (x, y), 11)
        pygame.draw.circle(screen, [max(0, c - 40) for c in cloak], (x, y), 11, 2)
        pygame.draw.circle(screen, (236, 204, 166), (x + fx * 3, y + fy * 3 - 2), 6)
        pygame.draw.circle(screen, (110, 80, 50), (x + fx * 1, y + fy * 1 - 4), 5)  # hair
        lx, ly = x + px * 12 + fx * 4, y + py * 12 + fy * 4  # the lantern in one hand
        pygame.draw.circle(screen, (255, 230, 160), (lx, ly), 3 + 2 * pulse)

    def _draw_threats(self, screen: pygame.Surface, game: Game, now: float) -> None:
        for threat in game.world.threats:
            x, y = self.to_screen(threat.pos)
            if not (-80 < x < screen.get_width() + 80 and -80 < y < screen.get_height() + 80):
                continue
            screen.blit(self.aura, (x - 60, y - 60))
            h = threat.heading
            fx, fy = math.cos(h), math.sin(h)
            px, py = -fy, fx
            if threat.spawn.kind == "wolf":
                for i, (tx, ty) in enumerate(threat.trail[::3]):  # smoke behind it
                    sx, sy = self.to_screen((tx, ty))
                    pygame.draw.circle(screen, (34, 26, 46), (sx, sy), 2 + i)
                frame = self.wolf[int(now * 8 + x * 0.01) % len(self.wolf)]
                sprite = pygame.transform.rotate(frame, -math.degrees(h))
                screen.blit(sprite, sprite.get_rect(center=(round(x), round(y))))
                for side in (-1, 1):  # the eyes glow whatever the angle
                    ex, ey = x + fx * 19 + px * 4 * side, y + fy * 19 + py * 4 * side
                    screen.blit(self.eye, (ex - 7, ey - 7), special_flags=ADD)
                    pygame.draw.circle(screen, (255, 120, 90), (ex, ey), 1.5)
            else:
                flicker = 0.7 + 0.3 * math.sin(now * 6.0 + y * 0.05)
                ghost = pygame.Surface((90, 90), pygame.SRCALPHA)
                c = 45
                sway = math.sin(now * 4.0 + x * 0.02) * 6.0
                shape = [
                    (c + px * 14, c + py * 14),
                    (c + fx * 14, c + fy * 14),
                    (c - px * 14, c - py * 14),
                    (c - fx * 38 + px * sway, c - fy * 38 + py * sway),
                ]
                pygame.draw.polygon(ghost, (150, 140, 190, round(150 * flicker)), shape)
                pygame.draw.circle(
                    ghost, (190, 185, 220, round(190 * flicker)), (c + fx * 6, c + fy * 6), 13
                )
                screen.blit(ghost, (x - c, y - c))
                for side in (-1, 1):
                    ex, ey = x + fx * 10 + px * 5 * side, y + fy * 10 + py * 5 * side
                    screen.blit(self.ghost_eye, (ex - 7, ey - 7), special_flags=ADD)
                    pygame.draw.circle(screen, (30, 20, 50), (ex, ey), 2)

    def _draw_rings(self, screen: pygame.Surface, dt: float) -> None:
        alive = []
        for ring in self.rings:
            ring[2] += dt
            if ring[2] < 1.2:
                alive.append(ring)
                x, y = self.to_screen((ring[0], ring[1]))
                r = 20 + 260 * ring[2]
                a = round(200 * (1 - ring[2] / 1.2))
                surf = pygame.Surface((2 * r + 4, 2 * r + 4), pygame.SRCALPHA)
                pygame.draw.circle(surf, (255, 236, 160, a), (r + 2, r + 2), r, 4)
                for k in range(12):
                    ang = k * math.pi / 6 + ring[2]
                    pygame.draw.circle(
                        surf,
                        (255, 255, 220, a),
                        (r + 2 + r * math.cos(ang), r + 2 + r * math.sin(ang)),
                        3,
                    )
                screen.blit(surf, (x - r - 2, y - r - 2))
        self.rings = alive
