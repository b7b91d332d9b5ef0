"""Sampling: filters, distributions, seeded generation, KV cache == no cache, cancelling."""

from __future__ import annotations

import threading

import pytest
import torch

from tutor.engine.model import GPT, GPTConfig
from tutor.engine.sampling import (
    filtered_probs,
    generate,
    generate_ids,
    iter_generate,
    next_token_distribution,
    sample_next,
)
from tutor.engine.tokenizers import get_tokenizer


@pytest.fixture(scope="module")
def course_tok():
    return get_tokenizer("course")


@pytest.fixture(scope="module")
def model(course_tok):
    torch.manual_seed(0)
    config = GPTConfig(vocab_size=course_tok.n_vocab, block_size=32, n_layer=2, n_head=2, n_embd=32)
    return GPT(config).eval()


def test_filters():
    logits = torch.tensor([2.0, 1.0, 0.5, -1.0, -3.0])
    p = filtered_probs(logits)
    assert torch.allclose(p, torch.softmax(logits, -1))
    greedy = filtered_probs(logits, temperature=0)
    assert greedy.tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]
    top2 = filtered_probs(logits, top_k=2)
    assert (top2 > 0).sum() == 2 and abs(float(top2.sum()) - 1) < 1e-6
    e = torch.exp(torch.tensor([2.0, 1.0]))
    assert torch.allclose(top2[:2], e / e.sum())
    # softmax = [0.607, 0.223, 0.135, 0.030, 0.004]
    assert [round(v, 3) for v in p.tolist()] == [0.607, 0.223, 0.135, 0.030, 0.004]
    # top-p 0.5: the first token alone has 0.607 >= 0.5, so only it survives.
    assert (filtered_probs(logits, top_p=0.5) > 0).sum() == 1
    # top-p 0.8: the first two reach 0.830 >= 0.8; top-p 0.85 needs the third (0.965).
    assert (filtered_probs(logits, top_p=0.8) > 0).sum() == 2
    assert (filtered_probs(logits, top_p=0.85) > 0).sum() == 3
    kept = filtered_probs(logits, top_p=0.85)
    assert abs(kept.sum().item() - 1) < 1e-6 and abs(kept[0].item() - 0.607 / 0.965) < 1e-3
    # Temperature: lower sharpens, higher flattens.
    assert filtered_probs(logits, temperature=0.5)[0] > p[0] > filtered_probs(logits, temperature=2.0)[0]
    with pytest.raises(ValueError):
        filtered_probs(logits, temperature=-1)


def test_sample_next_is_seeded():
    logits = torch.randn(1, 50)
    a = [int(sample_next(logits, generator=torch.Generator().manual_seed(3))[0]) for _ in range(3)]
    b = [int(sample_next(logits, generator=torch.Generator().manual_seed(3))[0]) for _ in range(3)]
    assert a == b
    assert int(sample_next(logits, temperature=0)[0]) == int(logits.argmax())


def test_next_token_distribution(model, course_tok):
    dist = next_token_distribution(model, course_tok, "La atención", top_n=5)
    assert len(dist) == 5
    probs = [d.prob for d in dist]
    assert probs == sorted(probs, reverse=True)
    assert all(0 < p <= 1 for p in probs)
    token_id, text, _prob = dist[0]  # plain tuples too
    assert text == course_tok.token_text(token_id)
    full = next_token_distribution(model, course_tok, course_tok.encode("La atención"), top_n=course_tok.n_vocab)
    assert abs(sum(d.prob for d in full) - 1.0) < 1e-4
    assert next_token_distribution(model, course_tok, "La atención", top_n=3, temperature=0)[0].prob == 1.0
    assert len(next_token_distribution(model, course_tok, "La", top_n=10, top_k=3)) == 3
    assert next_token_distribution(model, course_tok, "", top_n=2)  # empty: starts at <|endoftext|>


@pytest.mark.parametrize("temperature", [0.0, 1.0])
def test_kv_cache_generation_equals_uncached(model, temperature):
    # 40 new tokens after an 8-token prompt: past block_size 32, so the sliding window is tested too.
    prompt = list(range(100, 108))
    with_cache = [t for t, _ in generate_ids(model, prompt, 40, temperature=temperature, seed=5, use_cache=True)]
    without = [t for t, _ in generate_ids(model, prompt, 40, temperature=temperature, seed=5, use_cache=False)]
    assert with_cache == without
    assert len(with_cache) == 40


def test_generate_is_deterministic_with_a_seed(model, course_tok):
    a = generate(model, course_tok, "El modelo", 20, seed=42, temperature=1.0)
    b = generate(model, course_tok, "El modelo", 20, seed=42, temperature=1.0)
    c = generate(model, course_tok, "El modelo", 20, seed=43, temperature=1.0)
    assert a.token_ids == b.token_ids and a.text == b.text
    assert a.token_ids != c.token_ids
    assert a.prompt_ids == course_tok.encode("El modelo")
    assert a.text == course_tok.decode(a.token_ids)
    assert a.stop_reason in ("max_tokens", "end_token")


def test_generation_stops_at_the_end_token(course_tok):
    torch.manual_seed(0)
    m = GPT(GPTConfig(vocab_size=course_tok.n_vocab, block_size=16, n_layer=1, n_head=1, n_embd=8)).eval()
    with torch.no_grad():
        m.lm_head.weight.zero_()
        m.lm_head.weight[course_tok.eot_id] += 1.0  # all roads lead to <|endoftext|>
        m.transformer.ln_f.weight.zero_()
        m.transformer.ln_f.bias.fill_(1.0)
    result = generate(m, course_tok, "hola", 10, temperature=0)
    assert result.stop_reason == "end_token" and result.token_ids == [] and result.text == ""
    steps = list(generate(m, course_tok, "hola", 10, temperature=0, stop_at_end=False, stream=True))
    assert len(steps) == 10


def test_streaming_steps(model, course_tok):
    steps = list(iter_generate(model, course_tok, "Hola", 6, seed=1, top_n=4))
    assert [s.index for s in steps] == list(range(len(steps)))
    for s in steps:
        assert len(s.distribution) <= 4
        assert s.text == course_tok.token_text(s.token_id)
        assert 0 < s.prob <= 1
    full = generate(model, course_tok, "Hola", 6, seed=1)
    assert [s.token_id for s in steps][: len(full.token_ids)] == full.token_ids


def test_cancel_between_steps(model, course_tok):
    stop = threading.Event()
    seen = []
    for step in generate(model, course_tok, "Hola", 50, seed=1, stream=True, cancel=stop, stop_at_end=False):
        seen.append(step)
        if len(seen) == 3:
            stop.set()
    assert len(seen) == 3
    calls = iter([False, False, True])
    result = generate(model, course_tok, "Hola", 50, seed=1, cancel=lambda: next(calls), stop_at_end=False)
    assert result.stop_reason == "cancelled" and len(result.token_ids) == 2


def test_empty_prompt_needs_a_start_token(model):
    with pytest.raises(ValueError):
        list(generate_ids(model, [], 5))
