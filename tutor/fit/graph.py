"""KV cache per layer and the compute-graph sizes Ollama budgets for each architecture.

These are the upfront formulas of Ollama's estimator (fs/ggml/ggml.go `GraphSize` and
`VisionGraphSize`), re-derived and written here in our own words. They are heuristics that Ollama
fitted to what llama.cpp allocates; we reproduce them because Ollama reports *its estimate* as the
model's size in `/api/ps` for every version that estimates.

Units: bytes. `context` is the whole cache (per-request context times parallel requests),
`batch` is min(context per request, num_batch=512).
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.fit.model import ModelFacts
from tutor.fit.versions import Rules

MIB = 1024**2


def kv_bytes_per_element(cache_type: str) -> float:
    return {"q8_0": 1.0, "q4_0": 0.5, "f32": 4.0}.get((cache_type or "f16").lower(), 2.0)


@dataclass
class GraphEstimate:
    kv: list[int]  # bytes per block
    partial: int  # graph when some layers stay on the CPU
    full: int  # graph when everything is on the GPU


def _kv_layers(f: ModelFacts, context: int, batch: int, parallel: int, cache_type: str,
               rules: Rules) -> tuple[list[int], int]:
    """Bytes of KV cache per block, and the plain sum before per-architecture overrides."""
    bpe = kv_bytes_per_element(cache_type)
    n = f.block_count
    arch = f.architecture
    heads = f.heads
    heads_kv = f.heads_kv
    k_len, v_len = f.key_length, f.value_length
    if rules.regime == "sum":
        # the oldest estimator: f16, embedding/heads as head size, uniform layers
        per = 2 * 2 * context * (f.embedding // max(f.head_count_max, 1)) * f.head_count_kv_max
        return [per] * n, per * n
    kv = []
    for i in range(n):
        if rules.version < (0, 6, 3):  # before f66216e39 every layer was counted alike
            kv.append(int(context * (k_len + v_len) * f.head_count_kv_max * bpe))
        elif heads[i] > 0 and heads_kv[i] > 0:
            kv.append(int(context * (k_len + v_len) * heads_kv[i] * bpe))
        else:  # recurrent layer (SSM state), always f32
            d_conv = f.uint("ssm.conv_kernel")
            d_state = f.uint("ssm.state_size")
            d_inner = f.uint("ssm.inner_size")
            groups = f.uint("ssm.group_count")
            r = (d_conv - 1) * (d_inner + 2 * groups * d_state) if d_conv > 0 else 0
            kv.append((r + d_state * d_inner) * 4)
    default_total = sum(kv)
    if arch == "gemma3" and rules.version >= (0, 6, 3):
        window = parallel * f.sliding_window + batch
        for i in range(n):
            if (i + 1) % 6 != 0:  # every sixth layer is global, the rest slide
                kv[i] = int(window * (k_len + v_len) * f.head_count_kv_max * bpe)
    if arch == "mllama":
        cross = f.key("attention.cross_attention_layers") or []
        for i in range(n):
            if i in cross:
                kv[i] = f.head_count_kv_max * (k_len + v_len) * 4 * 1601 * 4
    if arch in ("gptoss", "gpt-oss"):
        for i in range(n):
            base = int((k_len + v_len) * f.head_count_kv_max * bpe)
            kv[i] = base * (parallel * 4096 + batch if i % 2 == 0 else context)
    return kv, default_total


def graph_size(f: ModelFacts, context: int, batch: int, parallel: int, cache_type: str, rules: Rules,
               flash_attention: bool = False) -> GraphEstimate:
    kv, default_total = _kv_layers(f, context, batch, parallel, cache_type, rules)
    arch = f.architecture
    emb = f.embedding
    heads = f.head_count_max
    heads_kv = f.head_count_kv_max
    vocab = f.vocab_size
    eh = f.head_dim
    ehk = f.key_length
    blk0 = f.layers.get("blk.0", {})
    full = partial = 0
    old = rules.version < (0, 3, 10)  # before 2003d6015 llama's full graph had no vocab term

    if arch in ("llama", "llama4"):
        full = 4 * batch * (1 + 4 * emb + context * (1 + heads))
        if not old:
            full = max(full, 4 * batch * (emb + vocab))
        partial = 4 * batch * emb + max(
            4 * batch * (1 + emb + max(context, emb)) + emb * emb * 9 // 16
            + 4 * context * (batch * heads + eh * heads_kv),
            4 * batch * (emb + vocab) + emb * vocab * 105 // 128,
        )
        if "ffn_gate_exps.weight" in blk0:  # mixture of experts, stacked
            ff = f.feed_forward
            partial = max(
                3 * blk0["ffn_gate_exps.weight"].nbytes
                + 4 * batch * (2 * ff + heads_kv + emb + context + eh * heads_kv),
                4 * (context * batch * heads + context * eh * heads_kv + batch * 1024 + eh * heads_kv * batch),
            )
        elif "ffn_gate.0.weight" in blk0:  # mixture of experts, one tensor per expert
            g1 = blk0["ffn_gate.0.weight"].shape[1]
            full = 4 * batch * (2 + 3 * emb + context * (1 + heads) + 2 * heads_kv + g1)
            partial = max(
                4 * batch * (3 + eh * heads_kv + emb + context * (1 + heads) + g1)
                + (emb * emb + 3 * emb * heads_kv * g1) * 9 // 16,
                4 * batch * (1 + 2 * emb + context * (1 + heads)) + emb * (6 * context * heads_kv // heads + emb * 9 // 16),
            )
    elif arch == "mllama":
        full = max(4 * batch * (2 + 3 * emb + ehk * heads + context * (1 + heads)), 4 * batch * (emb + vocab))
        rope = f.layers.get("rope_freqs", {}).get("weights")
        rope_n = rope.elements if rope is not None else 0
        partial = max(
            4 * (batch * (2 * emb + 1 + context * (1 + heads) + ehk * heads) + rope_n + ehk * context * heads_kv),
            4 * batch * (emb + vocab) + emb * vocab * 105 // 128,
        )
    elif arch in ("gemma", "gemma2", "gemma3", "gemma3n"):
        full = max(4 * batch * (emb + vocab), 4 * batch * (2 + context + context * heads + 2 * emb + 2 * ehk * heads))
        partial = max(
            4 * emb * batch + emb * vocab * 105 // 128 + 4 * vocab * batch,
            4 * batch * (2 * emb + 1 + 2 * ehk * heads + context + context * heads)
            + 4 * ehk * context * 8 + emb * ehk * heads * 9 // 16,
        )
        if arch == "gemma3n":
            full *= 4
            partial *= 4
    elif arch == "command-r":
        full = max(4 * batch * (emb + vocab), 4 * batch * (2 + 4 * emb + context * (1 + heads)))
        partial = max(
            4 * batch * (emb + vocab) + emb * vocab * 105 // 128,
            4 * batch * (1 + 2 * emb + context * (1 + heads)) + 4 * emb * context + emb * emb * 9 // 16,
        )
    elif arch == "qwen2":
        full = max(4 * batch * (emb + vocab), 4 * batch * (1 + 2 * emb + context + context * heads))
        partial = max(
            4 * batch * (emb + vocab) + emb * vocab * 105 // 128,
            4 * (batch * (1 + 2 * emb + context * (1 + heads)) + emb * (1 + context)),
        )
    elif arch == "phi2":
        full = max(4 * batch * (emb + vocab), 4 * batch * (1 + 4 * emb + context + context * heads))
        partial = max(4 * batch * (2 * emb + vocab) + emb * vocab * 105 // 128,
                      4 * batch * (2 + 3 * emb + context + context * heads))
    elif arch == "stablelm":
        full = 4 * batch * (context * (1 + heads) + 3 * emb + 2)
        partial = max(4 * batch * (vocab + 2 * emb), full)
    elif arch == "deepseek2":
        full = max(4 * batch * (3 * emb + vocab), 4 * batch * (3 * emb + 2 + context * (1 + heads_kv) + 2 * ehk * heads_kv))
        partial = max(
            4 * batch * (3 * emb + vocab) + emb * vocab * 105 // 128,
            4 * batch * (2 * emb + 1 + 2 * ehk * heads_kv + context + context * heads_kv)
            + 4 * ehk * context * heads_kv + emb * ehk * heads_kv * 9 // 16,
        )
    elif arch == "chatglm":
        full = 4 * batch * (emb + vocab)
        partial = 4 * batch * (emb + vocab) + emb * vocab * 105 // 128
        qkv_bias = blk0.get("attn_qkv.bias")
        if qkv_bias is not None:
            b0 = qkv_bias.shape[0]
            full = max(full, 4 * batch * (2 + 2 * emb + context + context * heads + ehk * heads + b0))
            partial = max(partial, 4 * batch * (1 + 2 * emb + ehk * heads + context + context * heads)
                          + 4 * ehk * context + 4 * context * ehk + 4 * b0)
    elif arch in ("gptoss", "gpt-oss"):
        partial = 2 * heads // max(f.head_count_kv_min, 1) * default_total // 6
        if flash_attention:
            partial = (4 * parallel + (context >> 10) + 110) * MIB

    kv_total = sum(kv)
    if partial == 0:
        gqa = heads // max(f.head_count_kv_min, 1)
        partial = gqa * kv_total // 6
    if full == 0:
        full = partial
    return GraphEstimate(kv=kv, partial=partial, full=full)


def vision_graph(f: ModelFacts) -> tuple[int, int]:
    """(weights, graph) of a built-in vision tower (Ollama-format multimodal GGUFs)."""
    if f.uint("vision.block_count") == 0:
        return 0, 0
    weights = f.vision_bytes()
    image = f.uint("vision.image_size")
    patch = f.uint("vision.patch_size")
    if patch == 0:
        return weights, 0
    channels = f.uint("vision.num_channels")
    patches = (image // patch) ** 2
    if "class_embd" in f.layers.get("v", {}):
        patches += 1
    heads = f.uint("vision.attention.head_count")
    emb = f.uint("vision.embedding_length")
    arch = f.architecture
    graph = 0
    if arch == "mllama":
        padded = patches + 8 - (patches % 8) % 8
        tiles = f.uint("vision.max_num_tiles")
        graph = 4 * (8 + image * image * channels * tiles + emb * patches * tiles
                     + 9 * emb * padded * tiles + padded * tiles * padded * tiles * heads)
    elif arch in ("gemma3", "mistral3"):
        graph = 4 * (image * image * channels + emb * patch + patches * patches * heads)
    elif arch == "qwen25vl":
        max_pixels = f.uint("vision.max_pixels", 28 * 28 * 1280)
        n = max_pixels // (patch * patch)
        graph = 4 * (max_pixels * channels * 2 + n * channels * patch * patch + n * n * heads + emb * n)
    return weights, graph
