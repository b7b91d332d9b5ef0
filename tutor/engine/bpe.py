"""The course's own tokenizer: byte-level BPE trained on the course text.

Training is the textbook algorithm (Sennrich et al. 2016, byte-level as in GPT-2): start from
the 256 bytes, count every adjacent pair of tokens inside each pre-split word, merge the most
frequent pair into a new token, repeat. Ties go to the pair whose bytes sort first, so the
result is deterministic.

The trained merges become a real `tiktoken.Encoding` (ranks = merge order), so the course
tokenizer encodes as fast as GPT-4's. The shipped file is `data/course_bpe.tiktoken`, in
tiktoken's own format (base64 token + rank per line); `tutor engine bpe` retrains it.

No torch here.
"""

from __future__ import annotations

import base64
import heapq
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from tutor.engine.tokenizers import ENDOFTEXT, GPT2_PAT_STR, parse_tiktoken_bpe

DATA_FILE = "course_bpe.tiktoken"
# 3,071 byte/merge tokens + <|endoftext|>: small enough for a tiny model's embedding table,
# big enough that common Spanish and English words are single tokens.
DEFAULT_VOCAB_SIZE = 3072


class Merge(NamedTuple):
    """One learned merge: tokens `left` + `right` became `merged`, with id/rank `rank`.

    A tuple too: `rank, left, right, merged = merge`.
    """

    rank: int
    left: bytes
    right: bytes
    merged: bytes


@dataclass
class MergeStep:
    """The split of a text after one more merge rule was applied (rank None: raw bytes)."""

    rank: int | None
    left: bytes
    right: bytes
    merged: bytes
    tokens: list[bytes] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [t.decode("utf-8", errors="replace") for t in self.tokens]


def _split(texts: Iterable[str], pat_str: str) -> Counter:
    import regex

    pattern = regex.compile(pat_str)
    counts: Counter = Counter()
    for text in texts:
        counts.update(m.encode("utf-8") for m in pattern.findall(text))
    return counts


def train_bpe(
    texts: Iterable[str],
    vocab_size: int = DEFAULT_VOCAB_SIZE,
    *,
    pat_str: str = GPT2_PAT_STR,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[Merge]:
    """Learn `vocab_size - 257` merges from `texts` (256 bytes + merges + <|endoftext|>)."""
    n_merges = vocab_size - 257
    if n_merges < 0:
        raise ValueError("vocab_size must be at least 257 (256 bytes + <|endoftext|>)")
    vocab: list[bytes] = [bytes([b]) for b in range(256)]  # token id -> its bytes
    ids: dict[bytes, int] = {v: i for i, v in enumerate(vocab)}

    # Every distinct pre-split word once, with its frequency: merges happen inside words only.
    words: list[list[int]] = []
    freqs: list[int] = []
    for piece, freq in sorted(_split(texts, pat_str).items()):
        words.append(list(piece))
        freqs.append(freq)

    # Pair counts and, for each pair, the words that contain it: a merge then only revisits
    # those words instead of rescanning the whole corpus (the naive version is ~100x slower).
    pair_count: dict[tuple[int, int], int] = defaultdict(int)
    where: dict[tuple[int, int], set[int]] = defaultdict(set)
    for wi, word in enumerate(words):
        for pair in itertools.pairwise(word):
            pair_count[pair] += freqs[wi]
            where[pair].add(wi)

    # A max-heap by count (ties: smallest bytes first). Entries go stale when counts change;
    # a popped entry is used only if it still matches the live count.
    def entry(pair: tuple[int, int], count: int):
        return (-count, vocab[pair[0]], vocab[pair[1]], pair)

    heap = [entry(p, c) for p, c in pair_count.items()]
    heapq.heapify(heap)

    merges: list[Merge] = []
    while len(merges) < n_merges and heap:
        if cancel is not None and cancel():
            break
        neg, _, _, pair = heapq.heappop(heap)
        if pair_count.get(pair, 0) != -neg or neg == 0:
            continue
        a, b = pair
        merged = vocab[a] + vocab[b]
        new_id = ids.get(merged)
        if new_id is None:
            new_id = len(vocab)
            vocab.append(merged)
            ids[merged] = new_id
            merges.append(Merge(new_id, vocab[a], vocab[b], merged))
            if progress is not None and len(merges) % 100 == 0:
                progress(len(merges), n_merges)
        # else: the same bytes already exist as a token reached by another pair; merging
        # into that token keeps the training split identical to what tiktoken will do.
        touched: set[tuple[int, int]] = set()
        for wi in sorted(where.pop(pair, ())):
            word, freq = words[wi], freqs[wi]
            old_pairs = list(itertools.pairwise(word))
            new_word: list[int] = []
            i = 0
            while i < len(word):
                if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
                    new_word.append(new_id)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            new_pairs = list(itertools.pairwise(new_word))
            for p in old_pairs:
                pair_count[p] -= freq
                touched.add(p)
            for p in new_pairs:
                pair_count[p] += freq
                touched.add(p)
            for p in set(old_pairs) - set(new_pairs):
                where[p].discard(wi)
            for p in set(new_pairs):
                where[p].add(wi)
            words[wi] = new_word
        for p in touched:
            count = pair_count[p]
            if count > 0:
                heapq.heappush(heap, entry(p, count))
            else:
                pair_count.pop(p, None)
                where.pop(p, None)
    if progress is not None:
        progress(len(merges), n_merges)
    return merges


def ranks_from_merges(merges: list[Merge]) -> dict[bytes, int]:
    """tiktoken's mergeable ranks: the 256 bytes, then each merged token at its rank."""
    ranks = {bytes([b]): b for b in range(256)}
    for m in merges:
        ranks[m.merged] = m.rank
    return ranks


def make_encoding(ranks: dict[bytes, int], name: str = "course"):
    """A real tiktoken.Encoding over `ranks`, GPT-2's pre-split regex, one special token."""
    import tiktoken

    return tiktoken.Encoding(
        name=name,
        pat_str=GPT2_PAT_STR,
        mergeable_ranks=ranks,
        special_tokens={ENDOFTEXT: len(ranks)},
    )


def save_ranks(ranks: dict[bytes, int], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [base64.b64encode(tok) + b" " + str(rank).encode() for tok, rank in sorted(ranks.items(), key=lambda kv: kv[1])]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(b"\n".join(lines) + b"\n")
    tmp.replace(path)
    return path


def shipped_path():
    """The shipped merges file (a Traversable inside the installed package)."""
    from importlib.resources import files

    return files("tutor.engine").joinpath("data").joinpath(DATA_FILE)


def load_ranks(path: str | Path | None = None) -> dict[bytes, int]:
    """The course tokenizer's ranks: from `path`, or the file shipped with tutor."""
    source = Path(path) if path is not None else shipped_path()
    return parse_tiktoken_bpe(source.read_bytes())


# --------------------------------------------------------------------------- replaying merges


def _lowest(parts: list[bytes], ranks: dict[bytes, int], below: int | None = None) -> tuple[int, int] | None:
    """(rank, position) of the adjacent pair tiktoken would merge next (leftmost on ties)."""
    best: tuple[int, int] | None = None
    for i in range(len(parts) - 1):
        r = ranks.get(parts[i] + parts[i + 1])
        if r is not None and (below is None or r < below) and (best is None or r < best[0]):
            best = (r, i)
    return best


def _bpe(parts: list[bytes], ranks: dict[bytes, int], below: int | None = None) -> list[bytes]:
    parts = list(parts)
    while (found := _lowest(parts, ranks, below)) is not None:
        _, i = found
        parts[i : i + 2] = [parts[i] + parts[i + 1]]
    return parts


def merge_history(ranks: dict[bytes, int]) -> list[Merge]:
    """Every merge in rank order, recovered from the ranks alone.

    A token's two halves are what BPE makes of its bytes using only the earlier ranks: that is
    exactly the pair tiktoken joins to build it.
    """
    out: list[Merge] = []
    for token, rank in sorted(ranks.items(), key=lambda kv: kv[1]):
        if len(token) < 2:
            continue
        parts = _bpe([bytes([b]) for b in token], ranks, below=rank)
        if len(parts) != 2:  # not reachable by one merge (never for trained files): best split
            splits = [(max(ranks[token[:i]], ranks[token[i:]]), i) for i in range(1, len(token)) if token[:i] in ranks and token[i:] in ranks]
            i = min(splits)[1] if splits else 1
            parts = [token[:i], token[i:]]
        out.append(Merge(rank, parts[0], parts[1], token))
    return out


def replay(text: str, ranks: dict[bytes, int] | None = None, *, pat_str: str = GPT2_PAT_STR) -> list[MergeStep]:
    """How BPE tokenizes `text`, one merge rule at a time, as tiktoken does it.

    Step 0 is the raw bytes (rank None). Each later step applies the lowest-ranked merge that
    fits anywhere (every occurrence of it), and lists the tokens after it. The last step's
    tokens are exactly what the encoder returns.
    """
    import regex

    if ranks is None:
        ranks = load_ranks()
    pieces = [[bytes([b]) for b in m.encode("utf-8")] for m in regex.findall(pat_str, text)]

    def flat() -> list[bytes]:
        return [t for p in pieces for t in p]

    steps = [MergeStep(None, b"", b"", b"", flat())]
    while True:
        found = [f for p in pieces if (f := _lowest(p, ranks)) is not None]
        if not found:
            break
        rank = min(r for r, _ in found)
        left = right = b""
        for p in pieces:
            # Merge this rank in the piece for as long as it is the piece's next merge, leftmost
            # first, exactly as tiktoken orders merges inside one piece.
            while (f := _lowest(p, ranks)) is not None and f[0] == rank:
                i = f[1]
                left, right = p[i], p[i + 1]
                p[i : i + 2] = [left + right]
        steps.append(MergeStep(rank, left, right, left + right, flat()))
    # tiktoken takes a whole piece as one token when it is in the vocabulary, merges or not.
    if any(len(p) > 1 and b"".join(p) in ranks for p in pieces):
        pieces = [[b"".join(p)] if b"".join(p) in ranks else p for p in pieces]
        steps.append(MergeStep(None, b"", b"", b"", flat()))
    return steps


def train_course_tokenizer(
    vocab_size: int = DEFAULT_VOCAB_SIZE,
    out: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[bytes, int], Path | None]:
    """Retrain the course BPE on the course corpus (deterministic); save it when `out` given."""
    from tutor.engine.corpus import build_corpus

    texts = [doc.text for doc in build_corpus()]
    ranks = ranks_from_merges(train_bpe(texts, vocab_size, progress=progress))
    path = save_ranks(ranks, out) if out is not None else None
    return ranks, path
