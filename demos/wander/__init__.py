"""Wander: a small top-down game whose music is played by the soundscape engine.

The game is a separate process that talks to the engine only over OSC (docs/osc.md), exactly as
a Unity or Godot game would. Run it with ``python demos/wander/main.py`` (docs/demo.md).

Pure logic, importable without pygame (and never importing pyo): :mod:`world` (geometry, zones,
obstacles, threats, relics), :mod:`physiology` (heart rate), :mod:`mood` (valence and arousal
from the player's situation), :mod:`sim` (one game step), :mod:`autopilot` (the scripted walk),
:mod:`link` (OSC out, feedback in, send throttling), :mod:`scoreinfo` (what a score declares)
and :mod:`options`. Rendering, HUD and input: :mod:`render`, :mod:`hud`, :mod:`sliders`,
:mod:`app`; :mod:`main` is the command line.
"""

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # the game prints only what it means
