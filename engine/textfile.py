"""Reading a text file someone else wrote: bounded in size, strictly UTF-8, no control characters.

Scores and timelines both come from outside (editors, game tools, recordings). Every problem is a
:class:`TextFileError` that knows the 1-based line and column, so callers can report it in the
``file:line:column: problem`` form of their own error class. Nothing here reads more than
``limit + 1`` bytes, and nothing quotes more than ``defaults.MAX_QUOTE`` characters of a value.
"""

from __future__ import annotations

import re
from pathlib import Path

from engine import defaults

#: What YAML 1.2 allows in a stream (and a JSON Lines file has no business going beyond):
#: tab, line breaks, printable ASCII, NEL, and the printable rest of Unicode.
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


class TextFileError(Exception):
    """A problem at ``line``:``column`` (1-based; 0 when it concerns the whole file)."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def read_bytes(path: str | Path, limit: int) -> bytes:
    """The file's bytes; a file over ``limit`` bytes is refused without being read."""
    try:
        with open(path, "rb") as stream:
            data = stream.read(limit + 1)
    except OSError as exc:
        raise TextFileError(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise TextFileError(f"larger than the limit of {size(limit)}")
    return data


def decode(data: bytes) -> str:
    """Strict UTF-8 (a leading byte-order mark is dropped), with no control characters."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = position_of_byte(data, exc.start)
        raise TextFileError(
            f"not UTF-8: byte 0x{data[exc.start]:02x} ({exc.reason}); save the file as UTF-8",
            line,
            column,
        ) from None
    text = text.removeprefix("\ufeff")
    check_printable(text)
    return text


def check_printable(text: str) -> None:
    """Refuse NUL and the other control characters (tab and line breaks are fine)."""
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        line, column = position_of_char(text, bad.start())
        raise TextFileError(
            f"control character U+{ord(bad.group()):04X} is not allowed", line, column
        )


def read_text(path: str | Path, limit: int) -> str:
    return decode(read_bytes(path, limit))


def position_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of byte ``offset`` of UTF-8 ``data``."""
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def position_of_char(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - start + 1


def quote(value: object, limit: int = defaults.MAX_QUOTE) -> str:
    """``repr(value)`` cut to ``limit`` characters; a long string is cut before it is repr'd,
    so quoting a megabyte costs no more than quoting a word."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"an integer of {value.bit_length()} bits"  # repr() refuses past 4,300 digits
    if isinstance(value, str) and len(value) > limit:
        return repr(value[:limit]) + f"... ({len(value)} characters)"
    text = repr(value) if isinstance(value, str | int | float | bool | None) else _short(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short(value: object) -> str:
    if isinstance(value, list | tuple | dict):
        return f"a {type(value).__name__} of {len(value)}"
    return type(value).__name__


def size(limit: int) -> str:
    for unit, factor in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if limit >= factor and limit % factor == 0:
            return f"{limit // factor} {unit}"
    return f"{limit} bytes"
