"""What every part of the chat screen shares: limits, cleaning typed text, stats lines, OSC 52 copies."""

from __future__ import annotations

import re

from tutor.chat.backends import ChatError, Stats
from tutor.chat.clipboard import TooLong, osc52
from tutor.chat.sanitize import clean_text
from tutor.i18n import t

UI_INTERVAL = 0.1  # seconds between screen updates of a streaming answer (at most ~10/s)
MAX_INPUT_CHARS = 200_000  # a message longer than this is refused, not cut
DEFAULT_TEMPERATURE = 0.7
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_input(text: str) -> str:
    """What the learner typed or pasted, safe to send and store: no control bytes, valid UTF-8."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    return text.encode("utf-8", "replace").decode("utf-8")


def format_stats(stats: Stats | dict | None, lang: str) -> str:
    if isinstance(stats, dict):
        stats = Stats.from_dict(stats)
    if stats is None:
        return ""
    parts = []
    if stats.prompt_tokens is not None:
        parts.append(t("chat.stats.prompt", lang, n=f"{stats.prompt_tokens:,}"))
    if stats.output_tokens is not None:
        parts.append(t("chat.stats.output", lang, n=f"{stats.output_tokens:,}"))
    if stats.tokens_per_second is not None:
        parts.append(t("chat.stats.speed", lang, v=f"{stats.tokens_per_second:.1f}"))
    if stats.load_seconds is not None:
        parts.append(t("chat.stats.load", lang, v=f"{stats.load_seconds:.1f}"))
    return " · ".join(parts)


class UnexpectedError(ChatError):
    key = "chat.err.generic"

    def __init__(self, exc: BaseException):
        super().__init__(detail=f"{type(exc).__name__}: {exc}")


# -- helpers ------------------------------------------------------------------------------------


def copy_to_terminal(app, text: str) -> bool:
    """Copy with OSC 52: Textual sends the plain sequence (and keeps the text for its own paste);
    inside tmux or screen we add the wrapped one. False if the text is too long for OSC 52."""
    text = clean_text(text)  # whatever the caller gathered, no control sequence rides inside the copy
    try:
        extra = osc52(text, plain=False)
    except TooLong:
        return False
    app.copy_to_clipboard(text)
    driver = getattr(app, "_driver", None)  # Textual has no public call to write raw bytes
    if extra and driver is not None:
        driver.write(extra)
    return True


def short_url(url: str) -> str:
    return re.sub(r"^https?://", "", url)


def first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def match_model(wanted: str | None, names: list[str]) -> str | None:
    if not wanted:
        return None
    if wanted in names:
        return wanted
    if ":" not in wanted and f"{wanted}:latest" in names:
        return f"{wanted}:latest"
    return None
