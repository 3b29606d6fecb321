"""The game loop: input (keys or the autopilot), one game step, OSC out, feedback in, drawing.

With ``--autopilot`` the game prints one line per thing that happened, flushed, for tools and
tests (docs/demo.md):

    ZONE <name> <t>              the player entered a zone (and /scene <name> was sent)
    PICKUP <t>                   a relic was collected (and /event discovery <i> was sent)
    BEAT <bar> <beat> <tempo>    /engine/beat came back
    STINGER <name>               /engine/stinger came back
    SENT <t> <address> <args>    a /scene or /event was sent
    FEEDBACK <t> <address> <args>  /engine/scene or /engine/stinger came back
    LAYERS <t> <a,b,c>           the layers /engine/levels reports audible changed
    SCREENSHOT <path> <t>        the window was saved
    DONE zones=a,b,c pickups=N beats=N stingers=N

``t`` is seconds since the game started, on one clock for everything it prints.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pygame

from demos.wander.autopilot import Autopilot
from demos.wander.hud import Hud, beat_pulse
from demos.wander.link import EngineLink, OscArg
from demos.wander.options import Options
from demos.wander.render import ZONE_COLOUR, WorldView
from demos.wander.sim import Game, Intent, RelicCollected, ZoneEntered

#: The stinger a relic fires, and the scenes the zones ask for (scores/forest.yaml).
EVENT = "discovery"
TITLE = "Wander - soundscape demo"
#: A layer whose gain is above this (-60 dB) counts as playing.
AUDIBLE = 0.001


class Report:
    """The machine-readable lines of ``--autopilot``; silent otherwise."""

    def __init__(self, enabled: bool, clock: Callable[[], float]) -> None:
        self.enabled = enabled
        self.clock = clock
        self._layers: str | None = None

    def line(self, words: str) -> None:
        if self.enabled:
            print(words, flush=True)

    def sent(self, address: str, args: Sequence[OscArg]) -> None:
        if address in ("/scene", "/event"):
            self.line(f"SENT {self.clock():.3f} {address} {' '.join(map(str, args))}")

    def layers(self, levels: dict[str, float], now: float) -> None:
        """``LAYERS`` when the set of audible layers changes (a scene's fades, in effect)."""
        audible = ",".join(name for name, level in levels.items() if level > AUDIBLE)
        if audible != self._layers:
            self._layers = audible
            self.line(f"LAYERS {now:.3f} {audible or '-'}")


def open_window(size: tuple[int, int], caption: str) -> pygame.Surface:
    """Display and fonts only: the game makes no sound of its own (the engine does)."""
    try:
        pygame.display.init()
        pygame.font.init()
        pygame.display.set_caption(caption)
        return pygame.display.set_mode(size)
    except pygame.error as exc:
        raise SystemExit(
            f"wander: cannot open a window ({exc}); to run without a display, "
            "set SDL_VIDEODRIVER=dummy"
        ) from None


def save_screenshot(screen: pygame.Surface, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pygame.image.save(screen, str(path))


def keyboard_intent() -> Intent:
    keys = pygame.key.get_pressed()
    dx = (keys[pygame.K_d] or keys[pygame.K_RIGHT]) - (keys[pygame.K_a] or keys[pygame.K_LEFT])
    dy = (keys[pygame.K_s] or keys[pygame.K_DOWN]) - (keys[pygame.K_w] or keys[pygame.K_UP])
    sprint = bool(keys[pygame.K_LSHIFT] or keys[pygame.K_RSHIFT])
    return Intent(float(dx), float(dy), sprint)


def check_score(path: Path) -> None:
    """Warn (on stderr) if the score lacks the scenes or the event the game sends."""
    try:
        from demos.wander import scoreinfo

        info = scoreinfo.load(path)
    except Exception as exc:  # the game plays on: the engine is what must accept the score
        print(f"note: could not read {path}: {exc}", file=sys.stderr)
        return
    missing = [z for z in ZONE_COLOUR if z not in info.scenes]
    if EVENT not in info.events:
        missing.append(f"event {EVENT}")
    if missing:
        print(
            f"note: {path} has no {', '.join(missing)}: the engine will drop those messages",
            file=sys.stderr,
        )


def run_game(opts: Options) -> int:
    start = time.monotonic()

    def clock() -> float:
        return time.monotonic() - start

    report = Report(opts.autopilot is not None, clock)
    check_score(opts.score)
    screen = open_window(opts.size, TITLE)
    game = Game()
    view = WorldView(game.world)
    hud = Hud(view.minimap(210))
    link = EngineLink(*opts.engine, clock=clock, on_send=report.sent)
    link.subscribe()
    pilot = Autopilot(opts.autopilot) if opts.autopilot is not None else None
    visited: list[str] = []
    pickups = 0
    shot_taken = False
    ticker = pygame.time.Clock()
    legend = "WASD / arrows: walk    Shift: sprint    Esc: quit"
    running = True
    try:
        while running:
            dt = ticker.tick(opts.fps) / 1000.0
            now = clock()
            for event in pygame.event.get():
                if event.type == pygame.QUIT or (
                    event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE
                ):
                    running = False
            intent = pilot.intent(game, dt) if pilot is not None else keyboard_intent()
            for happened in game.step(dt, intent):
                if isinstance(happened, ZoneEntered):
                    link.scene(happened.zone)
                    if happened.zone not in visited:
                        visited.append(happened.zone)
                    report.line(f"ZONE {happened.zone} {now:.2f}")
                    hud.toast(f"the {happened.zone}", now, ZONE_COLOUR[happened.zone])
                elif isinstance(happened, RelicCollected):
                    link.event(EVENT, happened.intensity)
                    pickups += 1
                    report.line(f"PICKUP {now:.2f}")
                    hud.toast(f"relic found  ({EVENT} {happened.intensity:.2f})", now)
            link.mood(game.mood.valence, game.mood.arousal, now)
            link.state("movement", round(game.movement, 3), now)
            link.state("heartrate", round(game.heart.bpm, 1), now)
            polled = clock()
            for address, args in link.poll(polled):
                if address == "/engine/beat" and len(args) >= 3:
                    report.line(f"BEAT {args[0]} {args[1]} {float(args[2]):.2f}")
                elif address == "/engine/stinger" and args:
                    report.line(f"STINGER {args[0]}")
                    report.line(f"FEEDBACK {polled:.3f} {address} {args[0]}")
                    view.ring(game.pos)
                elif address == "/engine/scene" and args:
                    report.line(f"FEEDBACK {polled:.3f} {address} {args[0]}")
                elif address == "/engine/levels":
                    report.layers(link.feedback.levels, polled)
            hud.sample(dt, game.time, game.heart.bpm, game.mood.valence, game.mood.arousal)
            fb = link.feedback
            pulse = beat_pulse(now, fb.beat_time)
            view.draw(screen, game, now, pulse, fb.beat == 0, dt)
            banner = legend
            if pilot is not None and opts.autopilot is not None:
                left = max(0.0, opts.autopilot - now)
                note = pilot.current.note if pilot.current is not None else "resting"
                banner = f"AUTOPILOT {left:4.1f} s   {note}" if note else f"AUTOPILOT {left:4.1f} s"
            hud.draw(screen, game, link, now, banner)
            pygame.display.flip()
            if pilot is not None and pilot.photo_due and opts.screenshot and not shot_taken:
                save_screenshot(screen, opts.screenshot)
                shot_taken = True
                report.line(f"SCREENSHOT {opts.screenshot} {now:.2f}")
            if opts.autopilot is not None and now >= opts.autopilot:
                running = False
        if opts.screenshot and not shot_taken:
            save_screenshot(screen, opts.screenshot)
            report.line(f"SCREENSHOT {opts.screenshot} {clock():.2f}")
    finally:
        link.close()
        pygame.quit()
    report.line(
        f"DONE zones={','.join(visited)} pickups={pickups} "
        f"beats={link.feedback.beats} stingers={link.feedback.stingers}"
    )
    return 0
