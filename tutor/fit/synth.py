"""Rebuild a model's tensor list (names, GGML types, shapes) from its architecture numbers.

Used for the catalogue (models not yet downloaded) and to write the published test cases. The
shapes follow the GGUF conventions of llama.cpp (shape[0] is the input width); the types follow
llama.cpp's quantization choices (`llama_tensor_get_type`, ported by Ollama to
server/quantization.go), re-stated here in our own words:

- Q4_0 / Q8_0 / F16: every 2-D weight gets the file type; norms and biases stay F32; the output
  matrix (or the tied embedding) is Q6_K for Q4_0.
- Q4_K_M: Q4_K everywhere except attn_v and ffn_down in the "more bits" layers
  (i < n/8, i >= 7n/8, or (i - n/8) % 3 == 2), which get Q6_K; the output gets Q6_K; a fused
  attn_qkv gets Q5_K.
- A row width not divisible by the block (256 for K-quants) falls back: Q4_K->Q5_0, Q5_K->Q5_1,
  Q6_K->Q8_0 (llama.cpp's fallback).

Sizes come out exact for files made this way; `file_bytes_estimate` adds the metadata only roughly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tutor.fit.model import GGML_TYPES, Tensor


@dataclass
class Arch:
    arch: str  # GGUF general.architecture
    layers: int
    embedding: int
    heads: int
    kv_heads: int
    head_dim: int
    ff: int
    vocab: int
    context: int
    tied: bool = False  # output shares the token embedding
    qkv_bias: bool = False  # qwen2
    qk_norm: bool = False  # qwen3, gemma3
    post_norms: bool = False  # gemma2/3: post_attention_norm, post_ffw_norm
    rope_freqs: bool = False  # llama 3.1+: rope_freqs.weight
    sliding_window: int = 0
    fused_qkv: bool = False  # phi3
    fused_up_gate: bool = False  # phi3
    extra_info: dict = field(default_factory=dict)

    def model_info(self, file_type: int = 15) -> dict:
        a = self.arch
        info = {
            "general.architecture": a,
            "general.file_type": file_type,
            f"{a}.block_count": self.layers,
            f"{a}.embedding_length": self.embedding,
            f"{a}.attention.head_count": self.heads,
            f"{a}.attention.head_count_kv": self.kv_heads,
            f"{a}.feed_forward_length": self.ff,
            f"{a}.context_length": self.context,
            f"{a}.vocab_size": self.vocab,
        }
        if self.head_dim != self.embedding // self.heads:
            info[f"{a}.attention.key_length"] = self.head_dim
            info[f"{a}.attention.value_length"] = self.head_dim
        if self.sliding_window:
            info[f"{a}.attention.sliding_window"] = self.sliding_window
        info.update(self.extra_info)
        return info


FILE_TYPES = {"F32": 0, "F16": 1, "Q4_0": 2, "Q8_0": 7, "Q4_K_M": 15, "Q4_K_S": 14, "Q5_K_M": 17, "Q6_K": 18, "BF16": 32}


def use_more_bits(i: int, n: int) -> bool:
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def _fallback(t: str, width: int) -> str:
    _, block, _ = GGML_TYPES[t]
    if width % block == 0:
        return t
    return {"Q4_K": "Q5_0", "Q5_K": "Q5_1", "Q6_K": "Q8_0", "Q4_0": "F16", "Q8_0": "F16"}.get(t, "F16")


def _type_for(name: str, quant: str, width: int, layer: int, n: int, tied: bool) -> str:
    if quant in ("F16", "BF16", "F32"):
        return quant
    base = {"Q4_0": "Q4_0", "Q8_0": "Q8_0", "Q4_K_M": "Q4_K", "Q4_K_S": "Q4_K", "Q5_K_M": "Q5_K", "Q6_K": "Q6_K"}[quant]
    t = base
    if name == "output.weight" or (tied and name == "token_embd.weight"):
        if width % GGML_TYPES[base][1] != 0:
            return "Q8_0"
        return base if base == "Q8_0" else "Q6_K"
    if quant in ("Q4_K_M", "Q5_K_M"):
        if name.endswith("attn_v.weight") and use_more_bits(layer, n):
            t = "Q6_K"
        elif name.endswith("ffn_down.weight") and use_more_bits(layer, n):
            t = "Q6_K"
        elif name.endswith("attn_qkv.weight"):
            t = "Q5_K" if quant == "Q4_K_M" else "Q6_K"
    elif quant == "Q4_K_S":
        if name.endswith("attn_v.weight") and layer < 4:
            t = "Q5_K"
        elif name.endswith("ffn_down.weight") and layer < n // 8:
            t = "Q5_K"
    return _fallback(t, width)


def build_tensors(a: Arch, quant: str) -> list[Tensor]:
    """The text model's tensors in GGUF order (embedding, blocks, output)."""
    q = quant.upper()
    out: list[Tensor] = []
    e, hd = a.embedding, a.head_dim
    qdim, kvdim = a.heads * hd, a.kv_heads * hd

    def w(name: str, shape: tuple[int, ...], layer: int = 0) -> None:
        if len(shape) == 1:
            out.append(Tensor(name, "F32", shape))
        else:
            out.append(Tensor(name, _type_for(name, q, shape[0], layer, a.layers, a.tied), shape))

    w("token_embd.weight", (e, a.vocab))
    if a.rope_freqs:
        out.append(Tensor("rope_freqs.weight", "F32", (hd // 2,)))
    for i in range(a.layers):
        p = f"blk.{i}."
        w(p + "attn_norm.weight", (e,))
        if a.fused_qkv:
            w(p + "attn_qkv.weight", (e, qdim + 2 * kvdim), i)
        else:
            w(p + "attn_q.weight", (e, qdim), i)
            w(p + "attn_k.weight", (e, kvdim), i)
            w(p + "attn_v.weight", (e, kvdim), i)
        if a.qkv_bias:
            w(p + "attn_q.bias", (qdim,))
            w(p + "attn_k.bias", (kvdim,))
            w(p + "attn_v.bias", (kvdim,))
        if a.qk_norm:
            w(p + "attn_q_norm.weight", (hd,))
            w(p + "attn_k_norm.weight", (hd,))
        w(p + "attn_output.weight", (qdim, e), i)
        if a.post_norms:
            w(p + "post_attention_norm.weight", (e,))
        w(p + "ffn_norm.weight", (e,))
        if a.fused_up_gate:
            w(p + "ffn_up.weight", (e, 2 * a.ff), i)
        else:
            w(p + "ffn_gate.weight", (e, a.ff), i)
            w(p + "ffn_up.weight", (e, a.ff), i)
        w(p + "ffn_down.weight", (a.ff, e), i)
        if a.post_norms:
            w(p + "post_ffw_norm.weight", (e,))
    w("output_norm.weight", (e,))
    if not a.tied:
        w("output.weight", (e, a.vocab))
    return out


def siglip_vision_tensors(layers: int = 27, width: int = 1152, inner: int = 4304, patch: int = 14,
                          image: int = 896, text_embedding: int = 0) -> list[Tensor]:
    """A SigLIP vision tower as Ollama packs it for gemma3 (F16 matrices, F32 norms and biases)."""
    out = [
        Tensor("v.patch_embedding.weight", "F16", (patch, patch, 3, width)),
        Tensor("v.patch_embedding.bias", "F32", (width,)),
        Tensor("v.position_embedding.weight", "F16", (width, (image // patch) ** 2)),
    ]
    for i in range(layers):
        p = f"v.blk.{i}."
        for m in ("attn_q", "attn_k", "attn_v", "attn_out"):
            out.append(Tensor(p + m + ".weight", "F16", (width, width)))
            out.append(Tensor(p + m + ".bias", "F32", (width,)))
        for ln in ("layer_norm1", "layer_norm2"):
            out.append(Tensor(p + ln + ".weight", "F32", (width,)))
            out.append(Tensor(p + ln + ".bias", "F32", (width,)))
        out.append(Tensor(p + "mlp.fc1.weight", "F16", (width, inner)))
        out.append(Tensor(p + "mlp.fc1.bias", "F32", (inner,)))
        out.append(Tensor(p + "mlp.fc2.weight", "F16", (inner, width)))
        out.append(Tensor(p + "mlp.fc2.bias", "F32", (width,)))
    out.append(Tensor("v.post_layernorm.weight", "F32", (width,)))
    out.append(Tensor("v.post_layernorm.bias", "F32", (width,)))
    if text_embedding:
        out.append(Tensor("mm.mm_input_projection.weight", "F16", (width, text_embedding)))
        out.append(Tensor("mm.mm_soft_emb_norm.weight", "F32", (width,)))
    return out


def tensor_bytes(tensors: list[Tensor]) -> int:
    return sum(t.nbytes for t in tensors)


def file_bytes_estimate(tensors: list[Tensor], vocab: int) -> int:
    """Tensor data plus a rough metadata size (tensor index + about 24 bytes per vocabulary entry)."""
    index = sum(len(t.name) + 8 + 4 + 8 * len(t.shape) + 8 + 32 for t in tensors)
    return tensor_bytes(tensors) + index + 24 * vocab
