"""Command-line value types: every value is checked where argparse reads it.

Each function is an argparse `type=`: it returns the value, or raises ArgumentTypeError with a
sentence that says what is allowed (in the command line's language: tutor.i18n.say), so a bad
value ends as argparse's usage line and exit code 2 before any work starts (no torch import, no
training that fails at the end). Headless.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from pathlib import Path

from tutor.i18n import os_reason, say

# torch.Generator.manual_seed takes at most 64 bits; one range for every verb keeps it simple.
SEED_MAX = 2**63 - 1


def _say(text: str) -> str:
    """An argument as shown in a message: repr escapes control characters; long ones are cut."""
    shown = repr(text)
    return shown if len(shown) <= 40 else shown[:39] + "…"


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(say("arg.not_number", value=_say(text))) from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(say("arg.not_finite", value=_say(text)))
    return value


def float_between(low: float, high: float, low_open: bool = False):
    """A finite float in [low, high] (or (low, high] with low_open)."""

    def parse(text: str) -> float:
        value = _number(text)
        if value < low or value > high or (low_open and value == low):
            left = "(" if low_open else "["
            raise argparse.ArgumentTypeError(say("arg.not_in", value=f"{value:g}", left=left, low=f"{low:g}", high=f"{high:g}"))
        return value

    parse.__name__ = "number"  # argparse names the type in its own messages
    return parse


def int_between(low: int, high: int):
    """A whole number in [low, high] (written in decimal; 1_000 and 1e3 are refused)."""

    def parse(text: str) -> int:
        if not re.fullmatch(r"\s*[+-]?\d{1,30}\s*", text):
            raise argparse.ArgumentTypeError(say("arg.not_whole", value=_say(text)))
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(say("arg.not_between", value=value, low=f"{low:,}", high=f"{high:,}"))
        return value

    parse.__name__ = "whole number"
    return parse


seed = int_between(0, SEED_MAX)


def writable_file(text: str) -> Path:
    """A path tutor will write later: its folder must exist or be creatable, and be writable now,
    so a long job does not fail at its very end. Creates nothing."""
    if not text.strip():
        raise argparse.ArgumentTypeError(say("arg.empty_path"))
    if "\x00" in text:
        raise argparse.ArgumentTypeError(say("arg.bad_path", value=_say(text)))
    path = Path(text).expanduser()
    try:
        if path.is_dir():
            raise argparse.ArgumentTypeError(say("arg.is_folder", path=text))
        if path.exists() and not os.access(path, os.W_OK):
            raise argparse.ArgumentTypeError(say("arg.not_writable", path=text))
        folder = path.absolute().parent
        while not folder.exists():  # the nearest folder that exists must let us create the rest
            folder = folder.parent
        if not folder.is_dir():
            raise argparse.ArgumentTypeError(say("arg.parent_not_folder", folder=folder, path=text))
        if not os.access(folder, os.W_OK | os.X_OK) or _is_pseudo(folder):
            raise argparse.ArgumentTypeError(say("arg.cannot_write_in", folder=folder))
    except OSError as exc:  # a name too long, a loop of links, ...
        raise argparse.ArgumentTypeError(say("arg.os", value=_say(text), reason=os_reason(exc))) from None
    return path


def _is_pseudo(folder: Path) -> bool:
    """/proc and /sys accept no new files even for root, whom os.access always answers yes."""
    parts = folder.resolve().parts
    return len(parts) > 1 and parts[1] in ("proc", "sys")
