"""Engine speed, measured: prints medians and ratios; asserts nothing (tests never time things).

    python benchmarks/bench_engine.py            # everything (~1-3 minutes on 2 CPU cores)
    python benchmarks/bench_engine.py --only train --steps 30

1. train:    one training step (forward + backward + AdamW) of our GPT at nanoGPT's CPU
             quick-start size (4 layers, 4 heads, 128 wide, block 64, batch 12), against a plain
             reference implementation of the same model written below, timed in the same run,
             interleaved step by step so both see the same machine load. Ratio = ours / reference.
2. sample:   tokens/s generating 256 new tokens with and without the KV cache.
3. tokenize: our Tokenizer.encode vs raw tiktoken on the course text; pieces() too.
4. load:     time to load the shipped model file, and load_pretrained() cold.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


# ----------------------------------------------------------------------------- reference model
# The plainest GPT-2 one would write from the paper: explicit masked-softmax attention, PyTorch's
# stock LayerNorm/GELU, a Python loop over blocks. Same sizes, same tied weights, same maths.


def build_reference(vocab_size: int, block_size: int, n_layer: int, n_head: int, n_embd: int):
    import torch
    import torch.nn.functional as F
    from torch import nn

    class RefAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = nn.Linear(n_embd, 3 * n_embd)
            self.out = nn.Linear(n_embd, n_embd)
            self.register_buffer("mask", torch.tril(torch.ones(block_size, block_size)).bool())

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.qkv(x).chunk(3, dim=-1)
            q = q.reshape(B, T, n_head, C // n_head).permute(0, 2, 1, 3)
            k = k.reshape(B, T, n_head, C // n_head).permute(0, 2, 1, 3)
            v = v.reshape(B, T, n_head, C // n_head).permute(0, 2, 1, 3)
            scores = q @ k.transpose(-2, -1) / math.sqrt(C // n_head)
            scores = scores.masked_fill(~self.mask[:T, :T], float("-inf"))
            y = F.softmax(scores, dim=-1) @ v
            return self.out(y.permute(0, 2, 1, 3).reshape(B, T, C))

    class RefBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = nn.LayerNorm(n_embd)
            self.attn = RefAttention()
            self.ln2 = nn.LayerNorm(n_embd)
            self.fc = nn.Linear(n_embd, 4 * n_embd)
            self.proj = nn.Linear(4 * n_embd, n_embd)

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))

    class RefGPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab_size, n_embd)
            self.pos = nn.Embedding(block_size, n_embd)
            self.blocks = nn.ModuleList(RefBlock() for _ in range(n_layer))
            self.ln = nn.LayerNorm(n_embd)
            self.head = nn.Linear(n_embd, vocab_size, bias=False)
            self.head.weight = self.tok.weight

        def forward(self, idx, targets):
            T = idx.shape[1]
            x = self.tok(idx) + self.pos(torch.arange(T))
            for block in self.blocks:
                x = block(x)
            logits = self.head(self.ln(x))
            return F.cross_entropy(logits.reshape(-1, vocab_size), targets.reshape(-1))

    return RefGPT()


def bench_train(steps: int, vocab_size: int) -> None:
    import torch

    from tutor.engine.model import GPT, GPTConfig
    from tutor.engine.training import TrainConfig, make_optimizer

    L, H, C, T, B = 4, 4, 128, 64, 12
    torch.manual_seed(0)
    ours = GPT(GPTConfig(vocab_size=vocab_size, block_size=T, n_layer=L, n_head=H, n_embd=C, dropout=0.0))
    ref = build_reference(vocab_size, T, L, H, C)
    n_ours = ours.num_params()
    n_ref = sum(p.numel() for p in ref.parameters())
    opt_ours = make_optimizer(ours, TrainConfig(), "cpu")
    opt_ref = torch.optim.AdamW(ref.parameters(), lr=1e-3, weight_decay=0.1)
    data = torch.randint(0, vocab_size, (B, T + 1), generator=torch.Generator().manual_seed(0))
    x, y = data[:, :-1], data[:, 1:]

    def step_ours():
        _, loss = ours(x, y)
        opt_ours.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(ours.parameters(), 1.0)
        opt_ours.step()

    def step_ref():
        loss = ref(x, y)
        opt_ref.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(ref.parameters(), 1.0)
        opt_ref.step()

    for _ in range(3):  # warm-up: allocator, kernels
        step_ours()
        step_ref()
    t_ours, t_ref = [], []
    for _ in range(steps):  # interleaved: both see the same machine load
        t0 = time.perf_counter()
        step_ours()
        t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        step_ref()
        t_ref.append(time.perf_counter() - t0)
    mo, mr = median_ms(t_ours), median_ms(t_ref)
    print(f"train step, {L} layers x {H} heads x {C} wide, block {T}, batch {B}, vocab {vocab_size:,}"
          f" ({n_ours:,} params ours, {n_ref:,} reference), median of {steps}:")
    print(f"  ours       {mo:8.2f} ms   ({B * T / (mo / 1000):,.0f} tokens/s)")
    print(f"  reference  {mr:8.2f} ms   ({B * T / (mr / 1000):,.0f} tokens/s)")
    print(f"  ratio ours/reference: {mo / mr:.2f}x")


def bench_sample(runs: int) -> None:
    import torch

    from tutor.engine.model import GPT, GPTConfig
    from tutor.engine.pretrained import COURSE_MODEL
    from tutor.engine.sampling import generate_ids

    new_tokens = 256
    config = GPTConfig(vocab_size=3072, **{**COURSE_MODEL, "block_size": 512, "dropout": 0.0})
    torch.manual_seed(0)
    model = GPT(config).eval()
    prompt = list(range(10, 26))  # 16 tokens
    results = {}
    for use_cache in (True, False):
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            out = [t for t, _ in generate_ids(model, prompt, new_tokens, temperature=0, use_cache=use_cache)]
            times.append(time.perf_counter() - t0)
        results[use_cache] = (statistics.median(times), out)
    same = results[True][1] == results[False][1]
    tc, tn = results[True][0], results[False][0]
    print(f"generation, {new_tokens} new tokens after 16, course-model sizes with a 512 context, median of {runs}:")
    print(f"  with KV cache     {new_tokens / tc:8.0f} tokens/s  ({tc * 1000:.0f} ms)")
    print(f"  without KV cache  {new_tokens / tn:8.0f} tokens/s  ({tn * 1000:.0f} ms)")
    print(f"  speed-up {tn / tc:.1f}x; same tokens: {same}")


def bench_tokenize(runs: int) -> None:
    from tutor.engine.corpus import corpus_text
    from tutor.engine.tokenizers import get_tokenizer

    text = corpus_text()
    print(f"tokenizing the course text ({len(text):,} characters), median of {runs}:")
    for name in ("gpt2", "cl100k_base", "course"):
        tok = get_tokenizer(name)
        enc = tok.encoding
        ours, raw = [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            n = len(tok.encode(text))
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            enc.encode_ordinary(text)
            raw.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        tok.pieces(text[:50_000])
        pieces_s = (time.perf_counter() - t0) * len(text) / 50_000
        mo, mr = statistics.median(ours), statistics.median(raw)
        print(f"  {name:12} {n:7,} tokens  ours {mo * 1000:7.1f} ms  raw tiktoken {mr * 1000:7.1f} ms"
              f"  ratio {mo / mr:.2f}x  ({len(text) / mo / 1e6:.2f} M chars/s); pieces() ~{pieces_s * 1000:.0f} ms")


def _python_ms(code: str) -> float:
    import subprocess

    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return (time.perf_counter() - t0) * 1000


def bench_load(runs: int) -> None:
    # import torch costs once per process; measured in fresh interpreters (minus a bare start).
    torch_ms = statistics.median(_python_ms("import torch") - _python_ms("pass") for _ in range(3))
    from tutor.engine.pretrained import load_pretrained, shipped_model_path
    from tutor.engine.training import load_checkpoint

    path = shipped_model_path()
    if not path.is_file():
        print("load: no shipped model yet")
        return
    t0 = time.perf_counter()
    load_pretrained("cpu")
    cold = time.perf_counter() - t0
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        load_checkpoint(path, "cpu")
        times.append(time.perf_counter() - t0)
    size = len(path.read_bytes())
    print(f"loading the shipped model ({size / 1e6:.1f} MB):")
    print(f"  import torch                  {torch_ms:7.0f} ms (once per process, fresh interpreter)")
    print(f"  load_pretrained() cold        {cold * 1000:7.0f} ms (model + course tokenizer)")
    print(f"  load_checkpoint() median of {runs} {median_ms(times):7.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["train", "sample", "tokenize", "load"], default=None)
    parser.add_argument("--steps", type=int, default=40, help="training steps timed per model")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads\n")
    if args.only in (None, "train"):
        bench_train(args.steps, vocab_size=65)  # nanoGPT's shakespeare_char vocabulary
        bench_train(args.steps, vocab_size=3072)  # the course tokenizer's
        print()
    if args.only in (None, "sample"):
        bench_sample(args.runs)
        print()
    if args.only in (None, "tokenize"):
        bench_tokenize(max(args.runs, 5))
        print()
    if args.only in (None, "load"):
        bench_load(max(args.runs, 5))


if __name__ == "__main__":
    main()
