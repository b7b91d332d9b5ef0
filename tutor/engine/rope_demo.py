"""RoPE (rotary positional encoding) in numbers, for lesson 9.

RoPE (Su et al. 2021, "RoFormer") encodes a token's position m by *rotating* its query and key
vectors. The d dimensions are split into d/2 pairs; pair i is rotated by the angle m * theta_i with

    theta_i = base ** (-2i / d),   i = 0 .. d/2 - 1,   base = 10000

so the first pairs spin fast (theta_0 = 1 radian per position) and the last ones slowly. Because a
rotation by a and then the dot product with a vector rotated by b only depends on a - b, the
attention score q_m · k_n depends on the *relative* position m - n, not on m and n themselves.
`relative_position_check` shows that with real numbers.

Pairs are taken as neighbours (x0, x1), (x2, x3), ... as in the paper. Some implementations (e.g.
GPT-NeoX/Llama in Hugging Face) pair dimension j with j + d/2 instead ("rotate_half"); the
mathematics is the same, only the memory layout differs.

Plain Python (math and random) on purpose: the numbers are few and this keeps the demo instant.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Sequence


def rope_thetas(d: int, base: float = 10000.0) -> list[float]:
    """theta_i = base^(-2i/d) for each of the d/2 pairs (radians per position)."""
    if d <= 0 or d % 2:
        raise ValueError("d must be a positive even number")
    return [base ** (-2 * i / d) for i in range(d // 2)]


def rotate_pair(x: float, y: float, angle: float) -> tuple[float, float]:
    """Rotate the 2-D point (x, y) by `angle` radians counter-clockwise."""
    c, s = math.cos(angle), math.sin(angle)
    return (x * c - y * s, x * s + y * c)


@dataclass(frozen=True)
class RotatedPair:
    position: int
    angle: float  # radians, m * theta_i (not wrapped)
    angle_degrees: float  # the same angle wrapped to [0, 360)
    x: float
    y: float


def rotate_query_pair(
    pair: tuple[float, float] = (1.0, 0.0),
    i: int = 0,
    d: int = 8,
    positions: int = 8,
    base: float = 10000.0,
) -> list[RotatedPair]:
    """Pair number `i` of a d-dimensional query, rotated for every position m = 0 .. positions.

    The length of the pair never changes (rotations keep norms); only its direction turns.
    """
    thetas = rope_thetas(d, base)
    if not 0 <= i < len(thetas):
        raise ValueError(f"pair index i must be in 0..{len(thetas) - 1}")
    theta = thetas[i]
    out = []
    for m in range(positions + 1):
        angle = m * theta
        x, y = rotate_pair(pair[0], pair[1], angle)
        out.append(RotatedPair(m, angle, math.degrees(angle) % 360.0, x, y))
    return out


def apply_rope(vector: Sequence[float], position: int, base: float = 10000.0) -> list[float]:
    """Rotate every pair of `vector` (length d, even) for position `position`."""
    d = len(vector)
    thetas = rope_thetas(d, base)
    out: list[float] = []
    for i, theta in enumerate(thetas):
        out.extend(rotate_pair(vector[2 * i], vector[2 * i + 1], position * theta))
    return out


def dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b))


def rope_score(q: Sequence[float], k: Sequence[float], m: int, n: int, base: float = 10000.0) -> float:
    """Attention score (before scaling and softmax) of a query at position m and a key at position n."""
    return dot(apply_rope(q, m, base), apply_rope(k, n, base))


def angle_table(d: int = 8, positions: int = 4, base: float = 10000.0) -> list[list[float]]:
    """rows = positions 0..positions, columns = pairs: the angle m * theta_i in radians."""
    thetas = rope_thetas(d, base)
    return [[m * t for t in thetas] for m in range(positions + 1)]


@dataclass
class RelativeCheck:
    """Scores q_m · k_n for several (m, n) with the same distance m - n."""

    d: int
    distance: int
    q: list[float]
    k: list[float]
    position_pairs: list[tuple[int, int]]  # (m, n)
    scores: list[float]
    max_abs_diff: float  # largest difference between any two of `scores`
    equal: bool  # max_abs_diff <= tol
    tol: float
    # For contrast: the score at other distances (n = 0, m = distance), which does change.
    by_distance: dict[int, float]
    # Without RoPE the score is q · k at every position: position is invisible.
    plain_score: float


def relative_position_check(
    d: int = 8,
    distance: int = 3,
    starts: Sequence[int] = (0, 1, 5, 20, 100),
    seed: int = 0,
    base: float = 10000.0,
    tol: float = 1e-5,
    other_distances: Sequence[int] = (0, 1, 2, 3, 4, 8, 16),
) -> RelativeCheck:
    """Random q and k (seeded), query at m = n + distance, key at n for each n in `starts`.

    The scores are all the same (to rounding: ~1e-15 in float64) because RoPE makes the score a
    function of m - n only.
    """
    rng = random.Random(seed)
    q = [rng.gauss(0.0, 1.0) for _ in range(d)]
    k = [rng.gauss(0.0, 1.0) for _ in range(d)]
    pairs = [(n + distance, n) for n in starts]
    scores = [rope_score(q, k, m, n, base) for m, n in pairs]
    diff = max(scores) - min(scores) if scores else 0.0
    by_distance = {dist: rope_score(q, k, dist, 0, base) for dist in other_distances}
    return RelativeCheck(d, distance, q, k, pairs, scores, diff, diff <= tol, tol, by_distance, dot(q, k))
