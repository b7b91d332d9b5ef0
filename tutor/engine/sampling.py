"""Choosing the next token: greedy, temperature, top-k, top-p; and generation with a KV cache.

A language model only ever outputs one probability distribution over the vocabulary for the
next token. Everything here is about what we do with that distribution:

  temperature  divide the logits by T before softmax: T < 1 sharpens, T > 1 flattens, T = 0 is
               greedy (always the most likely token)
  top-k        keep only the k most likely tokens
  top-p        keep the smallest set of most likely tokens whose probabilities add up to p

Generation is seedable: the same seed and settings give the same text (torch.Generator).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import torch
import torch.nn.functional as F

from tutor.engine.device import small_model_threads
from tutor.engine.model import GPT, KVCache

Cancel = threading.Event | Callable[[], bool] | None


class TokenProb(NamedTuple):
    token_id: int
    token_text: str
    prob: float


@dataclass
class GenStep:
    """One generated token, for a live view."""

    index: int  # 0 for the first new token
    token_id: int
    text: str  # this token's text (may be partial UTF-8, shown with U+FFFD)
    prob: float  # the probability it had when it was drawn (after filtering)
    distribution: list[TokenProb] = field(default_factory=list)  # top_n candidates it was drawn from


@dataclass
class Generation:
    prompt: str
    text: str  # the new text only (prompt not included)
    prompt_ids: list[int]
    token_ids: list[int]  # the new tokens only
    stop_reason: str  # "max_tokens" | "end_token" | "cancelled"
    elapsed: float
    tokens_per_s: float


def is_cancelled(cancel: Cancel) -> bool:
    if cancel is None:
        return False
    if isinstance(cancel, threading.Event):
        return cancel.is_set()
    return bool(cancel())


def filtered_probs(
    logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None
) -> torch.Tensor:
    """The distribution sampling actually draws from, for logits (..., vocab).

    temperature 0 puts all the mass on the argmax (greedy).
    """
    logits = logits.float()
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    if temperature == 0:
        return F.one_hot(logits.argmax(dim=-1), logits.size(-1)).float()
    logits = logits / temperature
    if top_k is not None and top_k > 0 and top_k < logits.size(-1):
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1, None]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = F.softmax(logits, dim=-1)
    if top_p is not None and 0 < top_p < 1:
        sorted_p, order = probs.sort(dim=-1, descending=True)
        # Drop a token when the tokens strictly more likely than it already reach top_p; the
        # most likely token always stays.
        before = sorted_p.cumsum(dim=-1) - sorted_p
        sorted_p = sorted_p.masked_fill(before >= top_p, 0.0)
        probs = torch.zeros_like(probs).scatter(-1, order, sorted_p)
        probs = probs / probs.sum(dim=-1, keepdim=True)
    return probs


def sample_next(
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw one token per row from logits (B, vocab) -> (ids (B, 1), the probs drawn from)."""
    probs = filtered_probs(logits, temperature, top_k, top_p)
    if temperature == 0:
        return logits.argmax(dim=-1, keepdim=True), probs
    return torch.multinomial(probs, num_samples=1, generator=generator), probs


def _model_device(model: GPT) -> torch.device:
    return next(model.parameters()).device


def _ids_of(tokenizer, context) -> list[int]:
    if isinstance(context, str):
        return tokenizer.encode(context)
    return [int(t) for t in context]


def _top(probs: torch.Tensor, tokenizer, top_n: int) -> list[TokenProb]:
    values, ids = probs.topk(min(top_n, probs.numel()))
    return [
        TokenProb(int(i), tokenizer.token_text(int(i)) if tokenizer is not None else str(int(i)), float(p))
        for p, i in zip(values.tolist(), ids.tolist())
        if p > 0
    ]


@torch.no_grad()
def next_token_distribution(
    model: GPT,
    tokenizer,
    context: str | list[int],
    top_n: int = 10,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> list[TokenProb]:
    """The top_n most likely next tokens after `context`, with the probabilities sampling would use.

    An empty context starts from <|endoftext|> (the model's "start of a document").
    """
    ids = _ids_of(tokenizer, context)
    if not ids:
        if tokenizer is None or tokenizer.eot_id is None:
            raise ValueError("empty context")
        ids = [tokenizer.eot_id]
    model.eval()
    x = torch.tensor([ids[-model.config.block_size :]], dtype=torch.long, device=_model_device(model))
    with small_model_threads(model):
        logits, _ = model(x, last_only=True)
    return _top(filtered_probs(logits[0, -1], temperature, top_k, top_p), tokenizer, top_n)


@torch.no_grad()
def generate_ids(
    model: GPT,
    prompt_ids: list[int],
    max_new_tokens: int,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = None,
    end_token: int | None = None,
    use_cache: bool = True,
    cancel: Cancel = None,
) -> Iterator[tuple[int, torch.Tensor]]:
    """Yield (token id, probs it was drawn from) for each new token.

    With the cache, the prompt is run once and then each step feeds only the new token. While
    the context fits in block_size this is exact; past it, like the uncached path, the model
    sees only the last block_size tokens, which means recomputing that window each step (the
    cached keys were computed at other positions), so both paths give identical tokens always.
    """
    if not prompt_ids:
        raise ValueError("generation needs at least one prompt token")
    model.eval()
    device = _model_device(model)
    block = model.config.block_size
    generator = torch.Generator(device=device)
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(int(seed))
    tokens = list(prompt_ids)
    cache = KVCache(model.config, 1, device, next(model.parameters()).dtype) if use_cache else None

    def window() -> torch.Tensor:
        return torch.tensor([tokens[-block:]], dtype=torch.long, device=device)

    def forward(x: torch.Tensor) -> torch.Tensor:
        # Thread settings are scoped to each forward: between yields nothing is held.
        with small_model_threads(model):
            return model(x, cache=cache, last_only=True)[0]

    logits = forward(window())
    for i in range(max_new_tokens):
        if is_cancelled(cancel):
            return
        next_id, probs = sample_next(logits[:, -1, :], temperature, top_k, top_p, generator)
        token = int(next_id)
        yield token, probs[0]
        if (end_token is not None and token == end_token) or i == max_new_tokens - 1:
            return  # (no forward pass for a token nobody will ask for)
        tokens.append(token)
        if cache is not None and cache.length < block:
            logits = forward(next_id.view(1, 1))
        else:  # no cache, or the window slides: run the whole window (see the docstring)
            if cache is not None:
                cache.reset()
            logits = forward(window())


def iter_generate(
    model: GPT,
    tokenizer,
    prompt: str | list[int],
    max_new_tokens: int = 100,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = None,
    stop_at_end: bool = True,
    use_cache: bool = True,
    top_n: int = 5,
    cancel: Cancel = None,
) -> Iterator[GenStep]:
    """Generate token by token, yielding each with its top_n candidates (for a live view)."""
    ids = _ids_of(tokenizer, prompt) or ([tokenizer.eot_id] if tokenizer.eot_id is not None else [])
    end = tokenizer.eot_id if stop_at_end else None
    steps = generate_ids(
        model, ids, max_new_tokens, temperature=temperature, top_k=top_k, top_p=top_p,
        seed=seed, end_token=end, use_cache=use_cache, cancel=cancel,
    )
    for i, (token, probs) in enumerate(steps):
        dist = _top(probs, tokenizer, top_n) if top_n > 0 else []
        yield GenStep(i, token, tokenizer.token_text(token), float(probs[token]), dist)


def generate(
    model: GPT,
    tokenizer,
    prompt: str | list[int],
    max_new_tokens: int = 100,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = None,
    stop_at_end: bool = True,
    use_cache: bool = True,
    top_n: int = 0,
    cancel: Cancel = None,
    stream: bool = False,
) -> Generation | Iterator[GenStep]:
    """Continue `prompt`. Returns a Generation, or with stream=True an iterator of GenStep.

    Stops after max_new_tokens, at <|endoftext|> (stop_at_end), or when `cancel` is set.
    """
    kwargs = {
        "temperature": temperature, "top_k": top_k, "top_p": top_p, "seed": seed, "stop_at_end": stop_at_end,
        "use_cache": use_cache, "top_n": top_n,
    }
    if stream:
        return iter_generate(model, tokenizer, prompt, max_new_tokens, cancel=cancel, **kwargs)
    cancelled = False

    def check() -> bool:  # remembers a cancel, which may be a one-shot callable
        nonlocal cancelled
        cancelled = cancelled or is_cancelled(cancel)
        return cancelled

    kwargs["cancel"] = check
    prompt_ids = _ids_of(tokenizer, prompt)
    start = time.perf_counter()
    new: list[int] = []
    for step in iter_generate(model, tokenizer, prompt, max_new_tokens, **kwargs):
        new.append(step.token_id)
    elapsed = time.perf_counter() - start
    if cancelled:
        reason = "cancelled"
    elif new and stop_at_end and new[-1] == tokenizer.eot_id:
        reason = "end_token"
        new = new[:-1]
    else:
        reason = "max_tokens"
    return Generation(
        prompt=prompt if isinstance(prompt, str) else tokenizer.decode(prompt_ids),
        text=tokenizer.decode(new),
        prompt_ids=prompt_ids,
        token_ids=new,
        stop_reason=reason,
        elapsed=elapsed,
        tokens_per_s=len(new) / elapsed if elapsed > 0 else 0.0,
    )
