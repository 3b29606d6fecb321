"""The master bus's last buffer, readable from Python: what a listener engine streams.

A pyo ``TableFill`` per output channel writes the master's samples into a table one buffer
long. pyo computes objects in the order they were made, and the tap is made after the master's
output, so once ``server.process()`` returns the tables hold exactly the buffer just computed
(it wraps round at the buffer's end, back to the table's start). Reading it is a copy out of
two numpy views of pyo's own memory: no file, no extra thread.

The views must go before their tables: a view released after its table is freed crashes the
interpreter (seen when the tap was collected whole, tables first, attributes going in the order
they were set). So the views are set first, and go first.
"""

from __future__ import annotations

import numpy as np

from engine.dsp.pyolib import pyo

CHANNELS = 2


class OutputTap:
    def __init__(self, output: pyo.PyoObject, buffersize: int) -> None:
        self._views: list[np.ndarray] = []  # first: released before the tables (above)
        tables = [pyo.DataTable(buffersize) for _ in range(CHANNELS)]
        self._fills = [pyo.TableFill(output[i], table) for i, table in enumerate(tables)]
        self._views.extend(np.asarray(table.getBuffer()) for table in tables)
        self._tables = tables

    def read(self) -> np.ndarray:
        """The buffer the server computed last: ``(frames, 2)`` float32, a copy."""
        out = np.empty((len(self._views[0]), CHANNELS), dtype=np.float32)
        for channel, view in enumerate(self._views):
            out[:, channel] = view
        return out

    def stop(self) -> None:
        """Stop writing, and let go of the views (the tables stay until the tap goes)."""
        for fill in self._fills:
            fill.stop()
        self._views.clear()
