"""A WAV file that pyo is still appending to: its header kept true while it grows, and a count of
the frames actually on disk.

pyo records through libsndfile, in C, which writes the RIFF and ``data`` chunk sizes only when
the recording stops (``recstop``). Until then the header says 0 frames, so a killed process would
leave a file that nothing opens. :class:`GrowingWav` rewrites those two 4-byte fields from the
file's current length through its own file descriptor (``pwrite`` at fixed offsets: libsndfile's
own file position is untouched). At ``recstop`` libsndfile writes the same fields from the same
length, so a finished file is byte for byte what it would have been without us.

The frame count is also how a failed write shows: pyo ignores libsndfile's write errors, but the
file stops growing while the buffers go on.
"""

from __future__ import annotations

import os
import struct
import wave
from dataclasses import dataclass
from pathlib import Path

#: How far into the file the ``data`` chunk may start (libsndfile puts it at byte 36 or after
#: a PEAK chunk; anything beyond this is not a file we wrote).
HEADER_LIMIT = 4096
#: The largest size a RIFF field can hold (past ~4 hours of 48 kHz stereo 24-bit audio the WAV
#: format itself cannot say how long the file is; the samples are still written).
RIFF_MAX = 0xFFFFFFFF


@dataclass(frozen=True)
class WavLayout:
    sr: int
    block_align: int  # bytes per frame, all channels
    data_start: int  # byte offset of the first sample


def read_layout(head: bytes) -> WavLayout:
    """Where the samples start, from the first bytes of a WAV file.

    Neither ``wave`` nor ``soundfile`` says at which byte the ``data`` chunk starts, and we need
    that offset to patch its size; so this walks the chunk headers itself (the 12-byte RIFF
    header, then 8-byte ``id, size`` pairs up to ``data``) and reads only ``fmt``'s rate and
    block alignment. Everything else about the file is libsndfile's business.
    """
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE file")
    position, sr, block_align = 12, 0, 0
    while position + 8 <= len(head):
        chunk, size = head[position : position + 4], struct.unpack_from("<I", head, position + 4)[0]
        body = position + 8
        if chunk == b"fmt " and body + 14 <= len(head):
            sr = struct.unpack_from("<I", head, body + 4)[0]
            block_align = struct.unpack_from("<H", head, body + 12)[0]
        elif chunk == b"data":
            if not (sr and block_align):
                raise ValueError("no fmt chunk before the data chunk")
            return WavLayout(sr=sr, block_align=block_align, data_start=body)
        position = body + size + (size & 1)  # chunks are padded to even sizes
    raise ValueError(f"no data chunk in the first {len(head)} bytes")


class GrowingWav:
    """A WAV being written by someone else: :meth:`refresh_header` makes its header describe
    every whole frame on disk now. Only call it while the writer is still appending (before
    ``recstop``): after that the writer's own header is final."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDWR)
        try:
            self.layout = read_layout(os.pread(self._fd, HEADER_LIMIT, 0))
        except (OSError, ValueError):
            os.close(self._fd)
            raise

    def size(self) -> int:
        """Bytes in the file now (of the file we opened, even if its name was since removed)."""
        return os.fstat(self._fd).st_size

    def deleted(self) -> bool:
        return os.fstat(self._fd).st_nlink == 0

    def frames(self, size: int | None = None) -> int:
        """Whole frames on disk (in a file of ``size`` bytes; default: now)."""
        size = self.size() if size is None else size
        return max(0, size - self.layout.data_start) // self.layout.block_align

    def seconds(self, size: int | None = None) -> float:
        return self.frames(size) / self.layout.sr

    def refresh_header(self) -> int:
        """Write the RIFF and data sizes for the whole frames on disk; returns the size seen."""
        size = self.size()
        start, align = self.layout.data_start, self.layout.block_align
        data = min(self.frames(size) * align, (RIFF_MAX - start) // align * align)
        os.pwrite(self._fd, struct.pack("<I", start - 8 + data), 4)
        os.pwrite(self._fd, struct.pack("<I", data), start - 4)
        return size

    def close(self) -> None:
        os.close(self._fd)

    def __enter__(self) -> GrowingWav:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def frames_in_header(path: Path) -> int:
    """The frame count a finished WAV's header declares (what every reader will play)."""
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes()
