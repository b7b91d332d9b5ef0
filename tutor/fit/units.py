"""Byte sizes: parsing what people type and printing what Ollama prints.

Ollama itself prints two ways: `ollama ps` uses decimal units ("5.1 GB", format.HumanBytes)
and the server log uses binary units with one decimal ("4.7 GiB", format.HumanBytes2).
We parse both, and sizes without a unit are bytes.
"""

from __future__ import annotations

import math
import re

from tutor.i18n import say  # the messages are the command line's (`tutor fit --ram/--gpu`)

KIB = 1024
MIB = 1024**2
GIB = 1024**3
TIB = 1024**4

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "ki": KIB,
    "kib": KIB,
    "mi": MIB,
    "mib": MIB,
    "gi": GIB,
    "gib": GIB,
    "ti": TIB,
    "tib": TIB,
}

_SIZE_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([a-zA-Z]*)\s*$")


class SizeError(ValueError):
    """A size string we cannot read."""


def parse_size(text: str) -> int:
    """'24GiB' -> 25769803776, '10.67GiB', '8GB' (decimal), '512 MiB', '1024' (bytes).

    Raises SizeError with a readable message for anything else (negative, empty, unknown unit).
    """
    if text is None:
        raise SizeError(say("fit.err.empty_size"))
    m = _SIZE_RE.match(str(text))
    if not m and str(text).strip().startswith("-"):
        raise SizeError(say("fit.err.size_negative", text=repr(text)))
    if not m:
        raise SizeError(say("fit.err.not_size", text=repr(text)))
    number, unit = m.groups()
    factor = _UNITS.get(unit.lower())
    if factor is None:
        raise SizeError(say("fit.err.unit", unit=repr(unit), text=repr(text)))
    value = float(number) * factor
    if not math.isfinite(value) or value <= 0:
        raise SizeError(say("fit.err.size_positive", text=repr(text)))
    return int(value)


def human_bytes2(n: int | None) -> str:
    """Binary units, one decimal, like the Ollama server log: '4.7 GiB', '560.0 MiB'."""
    if n is None:
        return "unknown"
    n = int(n)
    if n >= GIB:
        return f"{n / GIB:.1f} GiB"
    if n >= MIB:
        return f"{n / MIB:.1f} MiB"
    if n >= KIB:
        return f"{n / KIB:.1f} KiB"
    return f"{n} B"


def human_bytes(n: int | None) -> str:
    """Decimal units like `ollama ps`: '5.1 GB', '42 GB' (values >= 10 are truncated, not rounded)."""
    if n is None:
        return "unknown"
    n = int(n)
    for limit, unit in ((1000**4, "TB"), (1000**3, "GB"), (1000**2, "MB"), (1000, "KB")):
        if n >= limit:
            value = n / limit
            if value >= 10:
                return f"{int(value)} {unit}"
            if value != math.trunc(value):
                return f"{value:.1f} {unit}"
            return f"{int(value)} {unit}"
    return f"{n} B"


def processor_split(size: int, size_vram: int) -> str:
    """The PROCESSOR column of `ollama ps`: '100% GPU', '100% CPU' or '48%/52% CPU/GPU'."""
    if size_vram <= 0:
        return "100% CPU"
    if size_vram == size:
        return "100% GPU"
    if size_vram > size or size <= 0:
        return "unknown"
    cpu = int(math.floor((size - size_vram) / size * 100 + 0.5))  # Go's math.Round: halves away from zero
    return f"{cpu}%/{100 - cpu}% CPU/GPU"
