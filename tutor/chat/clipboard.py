"""Copy to the clipboard with OSC 52, the escape sequence that works over SSH.

The terminal on the learner's own computer receives the sequence and sets its clipboard, so
copying works even when tutor runs on a remote GPU box. Inside tmux the sequence is also sent
wrapped for passthrough (tmux `allow-passthrough on`, or `set-clipboard on` for the plain one);
inside GNU screen it is wrapped in screen's DCS chunks. Some terminals cap the size, so very long
texts are refused with a message rather than silently cut.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping

MAX_BYTES = 500_000  # of text before base64; beyond this many terminals drop the sequence
_SCREEN_CHUNK = 76

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[^\n]*\n(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$", re.M | re.S)


class TooLong(ValueError):
    """The text is larger than terminals accept in one OSC 52 sequence."""


def osc52(text: str, environ: Mapping[str, str] | None = None, plain: bool = True) -> str:
    """The bytes to write to the terminal so that it copies `text` (as str).

    With `plain=False`, only what the terminal multiplexer needs beyond the plain sequence
    (empty outside tmux and screen): for callers that already sent the plain one."""
    data = (text or "").encode("utf-8", "replace")
    if len(data) > MAX_BYTES:
        raise TooLong(f"{len(data)} bytes (limit {MAX_BYTES})")
    payload = base64.b64encode(data).decode("ascii")
    sequence = f"\x1b]52;c;{payload}\x07"
    env = os.environ if environ is None else environ
    head = sequence if plain else ""
    if env.get("TMUX"):
        # The plain sequence (honoured with set-clipboard on) and the passthrough one.
        return head + "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    if env.get("STY") or env.get("TERM", "").startswith("screen"):
        pieces = [sequence[i : i + _SCREEN_CHUNK] for i in range(0, len(sequence), _SCREEN_CHUNK)]
        return head + "".join(f"\x1bP{piece}\x1b\\" for piece in pieces)
    return head


def code_blocks(markdown: str) -> list[str]:
    """The fenced code blocks of a markdown text, in order (their content, without fences)."""
    return [match.group("body").rstrip("\n") for match in _FENCE.finditer(markdown or "")]


def last_code_block(markdown: str) -> str | None:
    blocks = code_blocks(markdown)
    return blocks[-1] if blocks else None
