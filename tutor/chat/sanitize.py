"""One sanitiser for every text that comes from outside: model replies and thinking, model names and
details, server error texts, pull statuses, whatever is read back from the chat history.

A model writes what its context tells it to, and a poisoned page can tell it to emit terminal control
sequences: `ESC ] 52 ; c ; ... BEL` writes the learner's clipboard through SSH, `ESC ] 0 ;` retitles
the window, `ESC [ 2 J` clears the screen, a C1 byte (U+009B) is a CSI on its own. Nothing of that
may reach a widget, an export, an OSC 52 copy or the plain view.

`clean_text` removes whole escape sequences (CSI, OSC, DCS, SOS, PM, APC, the short ESC ones and
their C1 forms), then every remaining C0 control except newline and tab, DEL and every C1 control.
A carriage return becomes a newline (a lone CR would let text overwrite its own line). The result is
valid UTF-8 without NULs, so SQLite and the terminal can hold it.

A streamed answer can split a sequence between two chunks; `StreamCleaner` holds back an unfinished
one until the next chunk decides it. `ThinkSplitter` moves `<think>...</think>` written inside the
content into the thinking, the same way for every backend, so the view, the plain view, the copy, the
store and the history sent back all see it split.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

# An escape sequence, in its 7-bit (ESC ...) or 8-bit (C1) form. Strings (OSC, DCS, SOS, PM, APC) run to
# their terminator (BEL or ST); an unterminated one runs to the end of the text (it is all control).
_STRING_BODY = r"[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|(?=\x1b)|$)"
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"  # CSI: parameters, intermediates, final
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])" + _STRING_BODY +  # OSC, DCS, SOS, PM, APC
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]"  # the short ones: ESC 7, ESC c, ESC ( B ...
)
# What is left after the sequences: C0 except \t and \n, DEL, C1, and a lone ESC.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The start of a sequence that a later chunk may still finish.
_INTRODUCER = re.compile(r"[\x1b\x90\x98\x9b\x9d\x9e\x9f]")
_HOLD_LIMIT = 4096  # an unfinished sequence longer than this is cleaned as it is, not held forever


def clean_text(text: Any) -> str:
    """`text` with no control sequences or control characters except newline and tab."""
    if not text:
        return ""
    text = str(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _INTRODUCER.search(text):
        text = _SEQUENCE.sub("", text)
    text = _CONTROL.sub("", text)
    return text.encode("utf-8", "replace").decode("utf-8")


def clean_line(text: Any) -> str:
    """One line of outside text (a model name, a status): cleaned, newlines and tabs as spaces."""
    return re.sub(r"[\n\t]+", " ", clean_text(text)).strip()


def is_clean(text: str) -> bool:
    """True if `text` holds nothing `clean_text` would remove (for tests and assertions)."""
    return not _CONTROL.search(text) and "\r" not in text


def _unfinished_at(text: str) -> int | None:
    """Where an escape sequence starts that the text ends before finishing, or None.

    The sequences are found the way `clean_text` finds them, left to right: an unterminated string
    (OSC, DCS, ...) swallows every introducer after it, so the one to hold back is the last match
    when it is still open at the end, else an ESC with only intermediates after the last match."""
    if not _INTRODUCER.search(text):
        return None
    end, start = 0, None
    for match in _SEQUENCE.finditer(text):
        end = match.end()
        if end == len(text) and _still_open(match.group()):
            start = match.start()
    if start is None:
        pending = _ESC_PREFIX.search(text, end)
        start = pending.start() if pending else None
    if start is None or len(text) - start > _HOLD_LIMIT:
        return None
    return start


_ESC_PREFIX = re.compile(r"\x1b[\x20-\x2f]*\Z")  # ESC, maybe intermediates, and nothing yet to end it


def _still_open(sequence: str) -> bool:
    """Whether a sequence matched at the very end of a text could still go on in the next piece."""
    if sequence.startswith(("\x1b[", "\x9b")):
        body = sequence[2:] if sequence[0] == "\x1b" else sequence[1:]
        return not body or not "\x40" <= body[-1] <= "\x7e"
    if sequence.startswith("\x1b") and sequence[1:2] not in ("]", "P", "X", "^", "_"):
        return False  # a short ESC sequence always ends with its final character
    return not sequence.endswith(("\x07", "\x9c", "\x1b\\"))


class StreamCleaner:
    """`clean_text` for a text that arrives in pieces: a sequence split between pieces is still removed."""

    def __init__(self) -> None:
        self.held = ""

    def feed(self, piece: str) -> str:
        text = self.held + (piece or "")
        self.held = ""
        if text.endswith("\r"):  # a CR LF pair may be split too
            self.held, text = "\r", text[:-1]
        cut = _unfinished_at(text)
        if cut is not None:
            self.held = text[cut:] + self.held
            text = text[:cut]
        return clean_text(text)

    def flush(self) -> str:
        text, self.held = self.held, ""
        return clean_text(text)


THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"


class ThinkSplitter:
    """Moves `<think>...</think>` written inside an answer's content into its thinking.

    `feed(content)` returns (content, thinking) for the part that is sure; a piece that could be the
    start of a tag waits for the next one."""

    def __init__(self) -> None:
        self.inside = False
        self.held = ""
        self.after_close = False  # the newlines right after </think> belong to neither

    def feed(self, piece: str) -> tuple[str, str]:
        text = self.held + (piece or "")
        self.held = ""
        if self.after_close and text:
            text = text.lstrip("\n")
            self.after_close = not text
        content: list[str] = []
        thinking: list[str] = []
        while text:
            tag = THINK_CLOSE if self.inside else THINK_OPEN
            at = text.find(tag)
            if at >= 0:
                (thinking if self.inside else content).append(text[:at])
                text = text[at + len(tag) :]
                self.inside = not self.inside
                if not self.inside:
                    text = text.lstrip("\n")  # the answer starts after the blank line that closes the thought
                    self.after_close = not text
                continue
            keep = _partial_suffix(text, tag)
            body, self.held = (text[:-keep], text[-keep:]) if keep else (text, "")
            (thinking if self.inside else content).append(body)
            break
        return "".join(content), "".join(thinking)

    def flush(self) -> tuple[str, str]:
        text, self.held = self.held, ""
        return ("", text) if self.inside else (text, "")


def _partial_suffix(text: str, tag: str) -> int:
    """How many characters at the end of `text` could start `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:size]):
            return size
    return 0


def split_think(content: str, thinking: str = "") -> tuple[str, str]:
    """A whole answer's content and thinking with any `<think>` block in the content moved out."""
    if THINK_OPEN not in (content or "") and THINK_CLOSE not in (content or ""):
        return content or "", thinking or ""
    splitter = ThinkSplitter()
    body, thought = splitter.feed(content)
    rest_body, rest_thought = splitter.flush()
    moved = (thought + rest_thought).strip("\n")
    joined = "\n\n".join(part for part in (thinking or "", moved) if part)
    return (body + rest_body).strip("\n") if moved else body + rest_body, joined


def clean_chunks(chunks: Iterable[Any]) -> Iterator[Any]:
    """A backend's chunk stream (objects with .content, .thinking, .done) made safe and split: every
    piece of text cleaned (sequences split between chunks included) and `<think>` moved to thinking."""
    content_cleaner = StreamCleaner()
    thinking_cleaner = StreamCleaner()
    splitter = ThinkSplitter()
    for chunk in chunks:
        body, thought = splitter.feed(content_cleaner.feed(chunk.content))
        thought = thinking_cleaner.feed(chunk.thinking) + thought
        if chunk.done:
            rest_body, rest_thought = splitter.feed(content_cleaner.flush())
            end_body, end_thought = splitter.flush()
            body += rest_body + end_body
            thought += rest_thought + end_thought + thinking_cleaner.flush()
        chunk.content, chunk.thinking = body, thought
        yield chunk


__all__ = [
    "StreamCleaner",
    "ThinkSplitter",
    "clean_chunks",
    "clean_line",
    "clean_text",
    "is_clean",
    "split_think",
]


_TAG = re.compile(r"<[^<>]{0,2000}>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HIDDEN = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def first_meaningful_line(text: Any, limit: int = 160) -> str:
    """The one line of a server's error body worth showing: for an HTML page (a proxy's 500) its title
    or first line of visible text, never the markup; for anything else its first non-empty line."""
    import html

    text = clean_text(text)
    if _TAG.search(text):
        title = _TITLE.search(text)
        if title and title.group(1).strip():
            text = title.group(1)
        else:
            text = _TAG.sub("\n", _HIDDEN.sub("", text))
        text = html.unescape(text)
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    line = clean_line(line)
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


__all__ += ["first_meaningful_line"]
