"""How close is `tutor fit` to what Ollama published? And what would the simple rule have said?

Run:  python benchmarks/bench_fit.py

For every published case in tests/fit_cases/ (real `ollama ps` / `/api/ps` figures and server-log
lines, with the model data that produced them) this prints the published size, tutor's estimate
and its error, and beside it the popular rule "parameters x bits / 8 + 0.5 GB" with the nominal
bits of the quantization (4 for Q4_*, 8 for Q8_0, 16 for F16). A published figure shown with one
decimal ("6.2 GiB", "9.4 GB") is an interval: the error is 0 when the estimate is inside it, else
the distance to its nearest end.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fit_cases import load_cases  # noqa: E402

from tutor.fit.estimate import Settings, estimate, naive_bytes  # noqa: E402
from tutor.fit.hardware import GPU, Hardware  # noqa: E402
from tutor.fit.model import ModelFacts  # noqa: E402

NOMINAL_BITS = {"Q4_0": 4, "Q4_K_M": 4, "Q4_K_S": 4, "Q5_K_M": 5, "Q6_K": 6, "Q8_0": 8, "F16": 16, "BF16": 16}


def distance(value: int, lo: int, hi: int) -> int:
    if value < lo:
        return value - lo
    if value > hi:
        return value - hi
    return 0


def main() -> int:
    rows = []
    t0 = time.perf_counter()
    for c in load_cases():
        m = c["model"]
        h = dict(c["hardware"])
        hw = Hardware(**{k: v for k, v in h.items() if k != "gpus"}, gpus=[GPU(**g) for g in h.get("gpus", [])])
        f = ModelFacts.from_show(m["model_info"], m["tensors"])
        e = estimate(f, None, hw, c["request_ctx"], c["ollama_version"], settings=Settings())
        lo, hi = c["published_range"]
        mid = (lo + hi) // 2
        bits = NOMINAL_BITS.get(m["details"].get("quantization_level", ""), 4)
        naive = naive_bytes(f, bits)
        rows.append((c["id"], c["ollama_version"], lo, hi, e.total_bytes, distance(e.total_bytes, lo, hi), mid,
                     naive, distance(naive, lo, hi), e.exact))
    elapsed = time.perf_counter() - t0
    head = f"{'case':34} {'ollama':7} {'published':>21} {'tutor':>14} {'error':>14} {'err %':>7}   " \
           f"{'params x bits':>14} {'error':>15} {'err %':>7}"
    print(head)
    print("-" * len(head))
    for cid, ver, lo, hi, est, err, mid, naive, nerr, exact in rows:
        pub = f"{lo:,}" if lo == hi else f"{lo / 1e9:.2f}-{hi / 1e9:.2f} GB"
        mark = "" if exact else " ~"
        print(f"{cid:34} {ver:7} {pub:>21} {est:>14,} {err:>+14,} {100 * err / mid:>+6.2f}%   "
              f"{naive:>14,} {nerr:>+15,} {100 * nerr / mid:>+6.1f}%{mark}")
    exact_rows = [r for r in rows if r[9]]
    print()
    print(f"cases: {len(rows)} ({len(exact_rows)} where Ollama estimates, {len(rows) - len(exact_rows)} measured "
          f"by Ollama, marked ~)")
    print(f"tutor: {sum(1 for r in rows if r[5] == 0)}/{len(rows)} inside the published figure; "
          f"largest error {max(abs(r[5]) for r in rows) / 1e6:.1f} MB")
    print(f"params x bits: {sum(1 for r in rows if r[8] == 0)}/{len(rows)} inside; "
          f"mean absolute error {sum(abs(r[8]) for r in rows) / len(rows) / 1e9:.2f} GB")
    print(f"({elapsed * 1000:.0f} ms for all estimates)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
