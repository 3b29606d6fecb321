"""The one door to pyo.

We use pyo's double-precision build, ``pyo64``: the float32 build segfaults in ``SineLoop`` and
``CrossFM`` and emits NaN from ``FM``, ``SumOsc`` and ``Harmonizer`` (see docs/architecture.md and
the team's pyo notes). The wheel is the same; only the import differs. pyo's WxPython notice is
silenced with its own switch, ``PYO_GUI_WX=0``, since the engine never opens pyo's GUI.
"""

from __future__ import annotations

import os

os.environ.setdefault("PYO_GUI_WX", "0")

import pyo64 as pyo  # after the switch above: pyo reads it on import

__all__ = ["pyo"]
