"""Log-probabilities from a chat server, as plain data (no Textual, no torch here).

What the servers send, and what we keep:

- Ollama (0.12.11 and newer; `api/types.go`): every chunk of `/api/chat` and `/api/generate` may
  carry `"logprobs": [{"token", "logprob", "bytes"?, "top_logprobs": [{"token", "logprob",
  "bytes"?}]}]`, one entry per generated token, when the request says `"logprobs": true` (and
  `"top_logprobs": n`, 0 to 20). Older servers ignore both fields and send none.
- OpenAI-compatible chat (llama.cpp's server, vLLM): `choices[0].logprobs.content` holds the same
  entries. The legacy completions API (`/v1/completions`, `"logprobs": n`) answers
  `{"tokens": [...], "token_logprobs": [...], "top_logprobs": [{token: logprob}, ...]}`.

What the numbers mean: Ollama computes them from the model's raw scores (a softmax over the whole
vocabulary, in `runner/common/logprob.go` when they were added), before temperature, top-k, top-p
or repeat penalties touch them. Temperature changes which token gets drawn, never these numbers.

Everything from the server is untrusted: token texts go through the one sanitiser (clean_text: no
escape sequence or control character is kept, stored or drawn) where they are parsed, and are clipped;
alternatives are capped at 20, log-probabilities that are not finite numbers dropped. A token that was
nothing but control characters stays in its place as "�" (a position of the
answer, with its numbers), and a sequence a model split over two tokens leaves each token harmless on
its own. The servers' `bytes` arrays are not kept: the cleaned text is what the view shows.
`printable()` then draws newlines and tabs as visible marks.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tutor.chat.sanitize import clean_text

MIN_OLLAMA = (0, 12, 11)  # the first Ollama that answers logprobs (server: add logprobs, #12899)
MIN_OLLAMA_TEXT = "0.12.11"
NEXT_TOKEN_TOP = 20  # alternatives asked for in lesson 1's lab (Ollama's maximum)
CHAT_TOP = 5  # alternatives asked for with every chat answer: a handful keeps it cheap
MAX_TOP = 20
MAX_TOKEN_CHARS = 64  # no real token is longer; a longer "token" is clipped
_RAW_TOKEN_CHARS = 4096  # what of a "token" is read at all before cleaning (a hostile one may be huge)
_DECIMALS = 4  # stored precision of a log-probability (a probability to about 0.01 %)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Alternative:
    """One candidate token and its log-probability."""

    token: str
    logprob: float

    @property
    def prob(self) -> float:
        return math.exp(self.logprob)


@dataclass(frozen=True)
class TokenLogprob:
    """One generated token, its log-probability, and the most likely tokens at its position."""

    token: str
    logprob: float
    top: tuple[Alternative, ...] = ()

    @property
    def prob(self) -> float:
        return math.exp(self.logprob)


@dataclass
class NextToken:
    """The server's distribution for the token after a text (lesson 1's lab with a real model).

    `candidates` are the most likely tokens, most likely first (empty when `ended`: the model's
    most likely continuation is its end-of-text token, which Ollama reports without logprobs).
    `via_chat` means the server only had the chat API, so its template wrapped the text.
    """

    candidates: list[Alternative] = field(default_factory=list)
    ended: bool = False
    via_chat: bool = False

    @property
    def covered(self) -> float:
        """How much of the probability the listed candidates hold (the rest is the long tail)."""
        return min(1.0, sum(c.prob for c in self.candidates))


# -- sanitising -----------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A token text from outside, cleaned where it enters (like every server text), then clipped."""
    if not isinstance(value, str):
        return None
    if not value:
        return value
    cleaned = clean_text(value[:_RAW_TOKEN_CHARS])
    return cleaned[:MAX_TOKEN_CHARS] if cleaned else "\N{REPLACEMENT CHARACTER}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    return min(0.0, value)  # a log-probability is never above 0 (probability 1)


def printable(token: str) -> str:
    """A token as the screen may show it: newline as ↵, tab as ⇥, other control characters as �."""
    return _CONTROL.sub("\N{REPLACEMENT CHARACTER}", token.replace("\n", "↵").replace("\t", "⇥").replace("\r", "↵"))


def _get(item: Any, key: str) -> Any:
    """A field of a dict or of the ollama client's pydantic objects."""
    if isinstance(item, Mapping):
        return item.get(key)
    return getattr(item, key, None)


def _alternatives(items: Any) -> tuple[Alternative, ...]:
    if not isinstance(items, (list, tuple)):
        return ()
    out = []
    for item in items[:MAX_TOP]:
        token, logprob = _text(_get(item, "token")), _number(_get(item, "logprob"))
        if token is not None and logprob is not None:
            out.append(Alternative(token, logprob))
    out.sort(key=lambda a: a.logprob, reverse=True)
    return tuple(out)


def parse_entries(items: Any) -> list[TokenLogprob]:
    """Ollama's `logprobs` list, or OpenAI's `logprobs.content` (same entry shape). Bad entries dropped."""
    if not isinstance(items, (list, tuple)):
        return []
    out = []
    for item in items:
        token, logprob = _text(_get(item, "token")), _number(_get(item, "logprob"))
        if token is None or logprob is None:
            continue
        out.append(TokenLogprob(token, logprob, _alternatives(_get(item, "top_logprobs"))))
    return out


def parse_legacy(logprobs: Any) -> list[TokenLogprob]:
    """The legacy completions shape: parallel `tokens`, `token_logprobs` and `top_logprobs` (dicts)."""
    if not isinstance(logprobs, Mapping):
        return []
    if isinstance(logprobs.get("content"), list):  # llama.cpp answers completions in the chat shape
        return parse_entries(logprobs["content"])
    tokens, values, tops = logprobs.get("tokens"), logprobs.get("token_logprobs"), logprobs.get("top_logprobs")
    if not isinstance(tokens, list) or not isinstance(values, list):
        return []
    tops = tops if isinstance(tops, list) else []
    out = []
    for i, (raw_token, raw_value) in enumerate(zip(tokens, values)):
        token, logprob = _text(raw_token), _number(raw_value)
        if token is None or logprob is None:
            continue
        top = tops[i] if i < len(tops) and isinstance(tops[i], Mapping) else {}
        out.append(TokenLogprob(token, logprob, _alternatives([{"token": k, "logprob": v} for k, v in top.items()])))
    return out


def next_token_from(entries: Sequence[TokenLogprob]) -> NextToken:
    """The distribution at the first generated position (what lesson 1's lab draws)."""
    if not entries:
        return NextToken(ended=True)
    first = entries[0]
    candidates = list(first.top) or [Alternative(first.token, first.logprob)]
    return NextToken(candidates=candidates)


# -- storing --------------------------------------------------------------------------------------


def to_json(entries: Iterable[TokenLogprob]) -> str:
    """Compact: [[token, logprob, [[alternative, logprob], ...]], ...] with 4 decimals."""
    rows = [
        [e.token, round(e.logprob, _DECIMALS), [[a.token, round(a.logprob, _DECIMALS)] for a in e.top]] for e in entries
    ]
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":")) if rows else ""


def from_json(raw: str | None) -> list[TokenLogprob]:
    """What `to_json` wrote; anything else (an empty column, a damaged value) gives []."""
    if not raw:
        return []
    try:
        rows = json.loads(raw)
    except ValueError:
        return []
    if not isinstance(rows, list):
        return []
    out = []
    for row in rows:
        if not (isinstance(row, list) and len(row) >= 2):
            continue
        token, logprob = _text(row[0]), _number(row[1])
        if token is None or logprob is None:
            continue
        alts = row[2] if len(row) > 2 and isinstance(row[2], list) else []
        top = _alternatives([{"token": a[0], "logprob": a[1]} for a in alts if isinstance(a, list) and len(a) == 2])
        out.append(TokenLogprob(token, logprob, top))
    return out


# -- versions -------------------------------------------------------------------------------------


def ollama_has_logprobs(version: str | None) -> bool | None:
    """True from 0.12.11 on, False before, None when the version cannot be read."""
    from tutor.fit.versions import parse_version  # the one version parser (also used by the fit check)

    parsed = parse_version(version)
    if parsed is None:
        return None
    return parsed >= MIN_OLLAMA


__all__ = [
    "Alternative",
    "CHAT_TOP",
    "MIN_OLLAMA_TEXT",
    "NEXT_TOKEN_TOP",
    "NextToken",
    "TokenLogprob",
    "from_json",
    "next_token_from",
    "ollama_has_logprobs",
    "parse_entries",
    "parse_legacy",
    "printable",
    "to_json",
]
