"""Scaled dot-product attention with every intermediate number (lesson 6's worked example).

    scores = Q·Kᵀ / sqrt(d_k)   ->   (causal mask)   ->   weights = softmax(scores, per row)
    output = weights · V

Plain Python on purpose: the matrices are a handful of numbers the learner can follow, and this
module does not need torch. The mini GPT's real attention maps come from the course's model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

Matrix = list[list[float]]


def softmax(row: Sequence[float]) -> list[float]:
    """Numerically stable softmax; -inf entries (masked) get weight 0."""
    finite = [v for v in row if v != -math.inf]
    if not finite:
        raise ValueError("a row with every position masked")
    top = max(finite)
    exps = [0.0 if v == -math.inf else math.exp(v - top) for v in row]
    total = sum(exps)
    return [e / total for e in exps]


@dataclass
class AttentionResult:
    tokens: list[str]
    d_k: int
    raw_scores: Matrix  # Q·Kᵀ
    scaled_scores: Matrix  # divided by sqrt(d_k)
    masked_scores: Matrix  # -inf above the diagonal when causal
    weights: Matrix  # softmax per row; each row sums to 1
    output: Matrix  # weights · V
    causal: bool


def attention(
    q: Sequence[Sequence[float]],
    k: Sequence[Sequence[float]],
    v: Sequence[Sequence[float]],
    tokens: Sequence[str] | None = None,
    causal: bool = True,
) -> AttentionResult:
    """Single-head attention of every query row over the key/value rows.

    With causal=True (as in GPT) position i only sees positions 0..i.
    """
    n, d_k = len(q), len(q[0])
    if len(k) != n or len(v) != n or any(len(row) != d_k for row in list(q) + list(k)):
        raise ValueError("q and k must be n x d_k and v must have n rows")
    raw = [[sum(a * b for a, b in zip(q[i], k[j])) for j in range(n)] for i in range(n)]
    scale = math.sqrt(d_k)
    scaled = [[s / scale for s in row] for row in raw]
    masked = [[(-math.inf if causal and j > i else s) for j, s in enumerate(row)] for i, row in enumerate(scaled)]
    weights = [softmax(row) for row in masked]
    d_v = len(v[0])
    output = [[sum(weights[i][j] * v[j][c] for j in range(n)) for c in range(d_v)] for i in range(n)]
    names = list(tokens) if tokens is not None else [str(i) for i in range(n)]
    return AttentionResult(names, d_k, raw, scaled, masked, weights, output, causal)


# A hand-made example in the spirit of the course's "perro ... ladra": 4 tokens with 2-D vectors,
# chosen so that the last token, "ladra", attends most to "perro" (who barks?). Illustrative values.
EXAMPLE_TOKENS = ["el", "perro", "que", "ladra"]
EXAMPLE_Q = [[0.2, 0.0], [2.0, 0.4], [0.0, 0.2], [1.8, 0.2]]
EXAMPLE_K = [[0.2, 0.2], [2.0, 0.4], [0.0, 0.4], [0.6, 0.0]]
EXAMPLE_V = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0]]


def example(causal: bool = True) -> AttentionResult:
    """attention() on the small hand-made example above."""
    return attention(EXAMPLE_Q, EXAMPLE_K, EXAMPLE_V, EXAMPLE_TOKENS, causal)
