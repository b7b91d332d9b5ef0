"""The from-scratch GPT: parameter counts, attention paths, RoPE, MoE, KV cache, shapes."""

from __future__ import annotations

import pytest
import torch

from tutor.engine.model import (
    GPT,
    GPTConfig,
    KVCache,
    RotaryEmbedding,
    config_from_dict,
    config_to_dict,
    count_parameters,
    forward_shapes,
    parameter_breakdown,
)

GPT2_SMALL_PARAMS = 124_439_808


def tiny(**kw) -> GPTConfig:
    base = {"vocab_size": 97, "block_size": 24, "n_layer": 2, "n_head": 4, "n_embd": 32, "dropout": 0.0}
    base.update(kw)
    return GPTConfig(**base)


VARIANTS = [
    {},
    {"positions": "rope"},
    {"ffn": "moe", "n_experts": 4, "top_k": 2},
    {"positions": "rope", "ffn": "moe", "n_experts": 3, "top_k": 1, "bias": False},
]


def test_gpt2_small_count_from_config():
    config = GPTConfig.gpt2_small()
    assert count_parameters(config) == GPT2_SMALL_PARAMS
    rows = parameter_breakdown(config)
    assert sum(n for _, n, _ in rows) == GPT2_SMALL_PARAMS
    by_name = {name: n for name, n, _ in rows}
    assert by_name["wte"] == 50257 * 768
    assert by_name["wpe"] == 1024 * 768
    assert by_name["lm_head"] == 0  # tied
    assert all(text for _, _, text in rows)


def test_gpt2_small_built_on_meta_device():
    with torch.device("meta"):
        model = GPT(GPTConfig.gpt2_small())
    assert model.num_params() == GPT2_SMALL_PARAMS
    assert model.lm_head.weight is model.transformer.wte.weight
    assert parameter_breakdown(model) == parameter_breakdown(model.config)


def test_rope_removes_exactly_wpe():
    config = GPTConfig(positions="rope")
    assert count_parameters(config) == GPT2_SMALL_PARAMS - 1024 * 768


@pytest.mark.parametrize("kw", VARIANTS)
def test_breakdown_matches_real_parameters(kw):
    model = GPT(tiny(**kw))
    rows = parameter_breakdown(model)
    assert sum(n for _, n, _ in rows) == model.num_params() == count_parameters(model.config)
    assert rows == parameter_breakdown(model.config)


@pytest.mark.parametrize("kw", VARIANTS)
def test_forward_shapes_and_loss(kw):
    torch.manual_seed(0)
    config = tiny(**kw)
    model = GPT(config)
    x = torch.randint(0, config.vocab_size, (3, 10))
    logits, loss = model(x)
    assert logits.shape == (3, 10, config.vocab_size) and loss is None
    y = torch.randint(0, config.vocab_size, (3, 10))
    logits, loss = model(x, y)
    assert torch.isfinite(loss)
    # Untrained, the loss is close to uniform guessing: ln(vocab).
    assert abs(loss.item() - torch.log(torch.tensor(97.0)).item()) < 0.3
    last, _ = model(x, last_only=True)
    assert last.shape == (3, 1, config.vocab_size)
    assert torch.allclose(last[:, 0], model(x)[0][:, -1], atol=1e-5)


@pytest.mark.parametrize("kw", VARIANTS)
def test_attention_paths_agree(kw):
    torch.manual_seed(1)
    model = GPT(tiny(**kw)).eval()
    x = torch.randint(0, 97, (2, 17))
    fast, _ = model(x)
    records = [{} for _ in model.transformer.h]
    slow, _ = model(x, _records=records)
    assert torch.allclose(fast, slow, atol=1e-5)
    for record in records:
        w = record["attention"]
        assert w.shape == (2, 4, 17, 17)
        assert torch.allclose(w.sum(-1), torch.ones(2, 4, 17), atol=1e-5)
        assert w.triu(diagonal=1).abs().max().item() == 0.0  # causal: nothing from the future


def test_inspect_returns_plain_lists():
    torch.manual_seed(2)
    model = GPT(tiny(ffn="moe", n_experts=4, top_k=2))
    ins = model.inspect([5, 6, 7, 8])
    assert ins.tokens == [5, 6, 7, 8]
    assert len(ins.attention) == 2 and len(ins.attention[0]) == 4
    assert len(ins.attention[0][0]) == 4 and len(ins.attention[0][0][0]) == 4
    assert ins.attention[0][0][0][1:] == [0.0, 0.0, 0.0]
    assert isinstance(ins.attention[1][3][2][1], float)
    assert len(ins.experts) == 2 and len(ins.experts[0]) == 4
    for choice in ins.experts[1]:
        assert len(choice) == 2 and len({e for e, _ in choice}) == 2
        assert abs(sum(w for _, w in choice) - 1.0) < 1e-5
    assert abs(sum(ins.next_token_probs) - 1.0) < 1e-4
    assert model.training  # inspect() restores the mode
    assert GPT(tiny()).inspect([1, 2]).experts is None


def test_rope_scores_depend_only_on_distance():
    torch.manual_seed(3)
    rope = RotaryEmbedding(head_dim=16, max_len=64)
    q = torch.randn(16).expand(1, 1, 64, 16)
    k = torch.randn(16).expand(1, 1, 64, 16)
    scores = rope(q) @ rope(k).transpose(-1, -2)
    s = scores[0, 0]
    for m, n in [(5, 3), (12, 10), (40, 38), (63, 61)]:
        assert torch.allclose(s[m, n], s[5, 3], atol=1e-4)
    assert not torch.allclose(s[5, 3], s[5, 0], atol=1e-3)  # other distances differ
    # Rotations keep lengths.
    assert torch.allclose(rope(q).norm(dim=-1), q.norm(dim=-1), atol=1e-5)
    # An offset (KV cache) continues the same positions.
    assert torch.allclose(rope(q[:, :, :4], start=10), rope(q)[:, :, 10:14], atol=1e-6)


def test_rope_first_pair_matches_the_lesson_numbers():
    # Position 3, pair 0 turns by 3 rad: (0.5, -1.0) -> (-0.354, 1.061) (lesson m2-l10).
    rope = RotaryEmbedding(head_dim=4, max_len=8)
    x = torch.zeros(1, 1, 8, 4)
    x[0, 0, 3, 0], x[0, 0, 3, 1] = 0.5, -1.0
    out = rope(x)[0, 0, 3]
    assert round(float(out[0]), 3) == -0.354 and round(float(out[1]), 3) == 1.061


def test_moe_routes_each_token_to_exactly_top_k_experts():
    torch.manual_seed(4)
    config = tiny(ffn="moe", n_experts=5, top_k=2)
    moe = GPT(config).transformer.h[0].mlp
    x = torch.randn(3, 7, 32)
    out, balance, experts, weights = moe(x)
    assert out.shape == x.shape
    assert experts.shape == (3, 7, 2) and weights.shape == (3, 7, 2)
    for row in experts.reshape(-1, 2).tolist():
        assert len(set(row)) == 2 and all(0 <= e < 5 for e in row)
    assert torch.allclose(weights.sum(-1), torch.ones(3, 7), atol=1e-5)
    assert torch.isfinite(balance) and balance.item() >= 0.99  # 1.0 when perfectly balanced
    # The output really is the weighted sum of the chosen experts' outputs.
    flat = x.reshape(-1, 32)
    i = 4
    manual = sum(w * moe.experts[e](flat[i : i + 1])[0] for e, w in zip(experts.reshape(-1, 2)[i].tolist(), weights.reshape(-1, 2)[i]))
    assert torch.allclose(out.reshape(-1, 32)[i], manual, atol=1e-5)


def test_moe_balance_loss_penalises_collapse():
    torch.manual_seed(5)
    moe = GPT(tiny(ffn="moe", n_experts=4, top_k=1)).transformer.h[0].mlp
    with torch.no_grad():
        moe.router.weight.zero_()
        moe.router.weight[0] += 5.0  # every token prefers expert 0
    x = torch.rand(2, 8, 32) + 0.5  # positive inputs: expert 0's score is highest
    _, balance, experts, _ = moe(x)
    assert set(experts.flatten().tolist()) == {0}
    assert balance.item() > 2.0


def test_moe_training_loss_includes_balance_and_backprops():
    torch.manual_seed(6)
    model = GPT(tiny(ffn="moe"))
    x = torch.randint(0, 97, (2, 12))
    _, loss = model(x, x)
    loss.backward()
    assert model.last_balance_loss is not None
    assert model.transformer.h[0].mlp.router.weight.grad is not None


@pytest.mark.parametrize("kw", VARIANTS)
def test_kv_cache_forward_equals_full_forward(kw):
    torch.manual_seed(7)
    model = GPT(tiny(**kw)).eval()
    x = torch.randint(0, 97, (1, 20))
    full, _ = model(x)
    cache = KVCache(model.config, 1)
    parts = [model(x[:, :8], cache=cache)[0]]  # prompt at once, then one token at a time
    for t in range(8, 20):
        parts.append(model(x[:, t : t + 1], cache=cache)[0])
    assert cache.length == 20
    assert torch.allclose(torch.cat(parts, dim=1), full, atol=1e-5)
    # A chunk of several tokens after a prefix uses the offset causal mask.
    cache = KVCache(model.config, 1)
    a, _ = model(x[:, :5], cache=cache)
    b, _ = model(x[:, 5:20], cache=cache)
    assert torch.allclose(torch.cat([a, b], dim=1), full, atol=1e-5)


def test_too_long_input_is_an_error():
    model = GPT(tiny())
    with pytest.raises(ValueError, match="block_size"):
        model(torch.zeros(1, 25, dtype=torch.long))


def test_forward_shapes_match_a_real_pass():
    config = tiny()
    model = GPT(config).eval()
    seen = {}

    def record(key):
        def hook(module, inputs, output):
            seen[key] = tuple(output.shape)  # returns None: the output is left alone

        return hook

    hooks = [
        model.transformer.wte.register_forward_hook(record("wte")),
        model.transformer.h[0].attn.c_attn.register_forward_hook(record("qkv")),
        model.transformer.h[0].mlp.c_fc.register_forward_hook(record("fc")),
        model.lm_head.register_forward_hook(record("logits")),
    ]
    model(torch.zeros(2, 9, dtype=torch.long))
    for h in hooks:
        h.remove()
    shapes = forward_shapes(config, 2, 9)
    values = [s for _, s in shapes]
    assert shapes[0] == ("input ids (B, T)", (2, 9))
    for key in ("wte", "qkv", "fc", "logits"):
        assert seen[key] in values
    assert (2, 4, 9, 9) in values  # attention scores
    assert shapes[-1][1] == (2, 9, 97)
    moe_shapes = [s for _, s in forward_shapes(tiny(ffn="moe", top_k=2), 1, 5)]
    assert (5, 2) in moe_shapes and (10, 128) in moe_shapes


def test_config_validation_and_dict_round_trip():
    with pytest.raises(ValueError):
        GPTConfig(n_embd=30, n_head=4)
    with pytest.raises(ValueError):
        GPTConfig(positions="sinusoidal")
    with pytest.raises(ValueError):
        GPTConfig(ffn="moe", n_experts=2, top_k=3)
    config = tiny(positions="rope", ffn="moe")
    assert config_from_dict(config_to_dict(config)) == config
    with pytest.raises(ValueError):
        config_from_dict({**config_to_dict(config), "bogus": 1})


def test_inspect_gives_scores_before_softmax_that_softmax_into_the_weights():
    import math

    import torch

    from tutor.engine.model import GPT, GPTConfig

    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=50, block_size=16, n_layer=2, n_head=2, n_embd=16))
    seen = model.inspect([3, 7, 1, 4, 9])
    for layer_scores, layer_weights in zip(seen.scores, seen.attention):
        for head_scores, head_weights in zip(layer_scores, layer_weights):
            for q, (row_scores, row_weights) in enumerate(zip(head_scores, head_weights)):
                assert all(s is None for s in row_scores[q + 1 :])  # the causal mask
                visible = row_scores[: q + 1]
                top = max(visible)
                exp = [math.exp(s - top) for s in visible]
                expected = [e / sum(exp) for e in exp] + [0.0] * (len(row_scores) - q - 1)
                assert row_weights == pytest.approx(expected, abs=1e-6)
