"""How much memory a language model needs: weights, KV cache and a readable summary.

Used by the hardware lesson (lesson 14). Pure Python on purpose: this module must not import
torch, so the hardware screen opens instantly.

Units, because they are easy to mix up:
  * 1 GB  = 10**9 bytes (decimal; what disk makers and most model cards use).
  * 1 GiB = 2**30 bytes = 1,073,741,824 bytes (binary; what `free`, `nvidia-smi` and most OS tools show).
  So 7e9 parameters in fp16 = 14e9 bytes = 14.00 GB = 13.04 GiB.
"""

from __future__ import annotations

from dataclasses import dataclass, field

GB = 10**9
GIB = 2**30

# --- bits per weight -----------------------------------------------------------------------------
#
# Plain formats store each weight in a fixed number of bits. GGUF (llama.cpp's file format) stores
# weights in *blocks* that also carry scales, so the real cost per weight is a little above the
# nominal bit width. The numbers below follow from the block layouts in llama.cpp (ggml-common.h):
#
#   q8_0: blocks of 32 weights = 32 int8 values (32 bytes) + one fp16 scale (2 bytes)
#         = 34 bytes / 32 weights = 8.5 bits per weight.
#   q4_0: blocks of 32 weights = 32 4-bit values (16 bytes) + one fp16 scale (2 bytes)
#         = 18 bytes / 32 weights = 4.5 bits per weight.
#   q4_K: "super-blocks" of 256 weights = 128 bytes of 4-bit values + 12 bytes of packed 6-bit
#         sub-block scales and mins + fp16 super-scale and super-min (4 bytes)
#         = 144 bytes / 256 weights = 4.5 bits per weight.
#   q6_K: 256 weights = 128 + 64 bytes of 6-bit values + 16 int8 scales + fp16 scale
#         = 210 bytes / 256 = 6.5625 bits per weight.
#   q4_K_M is not a single block type but a *mix*: most tensors in q4_K, while the more sensitive
#         ones (about half of the attention V and feed-forward down projections, and the output
#         layer) use q6_K. The average therefore depends a little on the model; llama.cpp's
#         quantize README lists 4.84 bpw for Llama 2 7B. We use 4.85 as a round, honest average
#         (real files land between about 4.8 and 4.9).
#   "4bit": an idealised 4 bits per weight with no scales at all (a lower bound, e.g. for the
#         "divide by 4" rule of thumb); real 4-bit formats always need some scale overhead.
BITS_PER_WEIGHT: dict[str, float] = {
    "fp32": 32.0,
    "fp16": 16.0,
    "bf16": 16.0,
    "int8": 8.0,
    "q8_0": 8.5,
    "q4_K_M": 4.85,
    "q4_0": 4.5,
    "4bit": 4.0,
}

# Human descriptions for the UI (es, en).
DTYPE_NOTES: dict[str, tuple[str, str]] = {
    "fp32": ("coma flotante de 32 bits (entrenamiento clásico)", "32-bit float (classic training)"),
    "fp16": ("coma flotante de 16 bits", "16-bit float"),
    "bf16": ("bfloat16: 16 bits con el rango de fp32", "bfloat16: 16 bits with fp32's range"),
    "int8": ("enteros de 8 bits (sin contar escalas)", "8-bit integers (scales not counted)"),
    "q8_0": ("GGUF q8_0: 8 bits + una escala cada 32 pesos", "GGUF q8_0: 8 bits + one scale per 32 weights"),
    "q4_K_M": ("GGUF q4_K_M: mezcla de q4_K y q6_K", "GGUF q4_K_M: a mix of q4_K and q6_K"),
    "q4_0": ("GGUF q4_0: 4 bits + una escala cada 32 pesos", "GGUF q4_0: 4 bits + one scale per 32 weights"),
    "4bit": ("4 bits ideales, sin escalas (cota inferior)", "ideal 4 bits, no scales (lower bound)"),
}

# Bytes per element for the KV cache (runtimes keep it in fp16 by default; some can quantize it).
KV_BYTES_PER_ELEMENT: dict[str, float] = {
    "fp32": 4.0,
    "fp16": 2.0,
    "bf16": 2.0,
    "q8_0": 8.5 / 8,
    "q4_0": 4.5 / 8,
}


def bits_per_weight(dtype: str) -> float:
    """Bits each weight costs in storage format `dtype` (see BITS_PER_WEIGHT)."""
    try:
        return BITS_PER_WEIGHT[dtype]
    except KeyError:
        raise ValueError(f"unknown dtype {dtype!r}; known: {', '.join(BITS_PER_WEIGHT)}") from None


def weight_bytes(n_params: float, dtype: str = "fp16") -> float:
    """Bytes needed to store `n_params` weights in `dtype`: n_params * bits / 8."""
    if n_params < 0:
        raise ValueError("n_params must be >= 0")
    return n_params * bits_per_weight(dtype) / 8


def kv_cache_bytes(
    layers: int,
    kv_heads: int,
    head_dim: int,
    context: int,
    bytes_per_element: float = 2.0,
    batch: int = 1,
) -> float:
    """Bytes of the KV cache: 2 (K and V) x layers x kv_heads x head_dim x context x bytes x batch.

    With grouped-query attention (GQA) several query heads share one K/V head, so `kv_heads` is
    the number of *key/value* heads (8 in Llama 3 8B), not the number of query heads (32).
    That is why GQA shrinks the cache: Llama 2 7B (32 KV heads) needs 4x the cache per token of
    Llama 3 8B (8 KV heads) at the same head size and depth.
    """
    for name, value in (("layers", layers), ("kv_heads", kv_heads), ("head_dim", head_dim),
                        ("context", context), ("batch", batch)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0")
    return 2 * layers * kv_heads * head_dim * context * bytes_per_element * batch


def kv_cache_bytes_per_token(layers: int, kv_heads: int, head_dim: int, bytes_per_element: float = 2.0) -> float:
    """KV cache cost of one more token of context."""
    return kv_cache_bytes(layers, kv_heads, head_dim, 1, bytes_per_element)


# --- formatting ----------------------------------------------------------------------------------


def to_gib(n_bytes: float) -> float:
    """Bytes -> GiB (2**30 bytes)."""
    return n_bytes / GIB


def to_gb(n_bytes: float) -> float:
    """Bytes -> GB (10**9 bytes)."""
    return n_bytes / GB


def format_bytes(n_bytes: float, binary: bool = True, decimals: int = 2) -> str:
    """A readable size. binary=True uses KiB/MiB/GiB/TiB (powers of 1024), else kB/MB/GB/TB.

    >>> format_bytes(14e9)
    '13.04 GiB'
    >>> format_bytes(14e9, binary=False)
    '14.00 GB'
    """
    base = 1024.0 if binary else 1000.0
    units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] if binary else ["B", "kB", "MB", "GB", "TB", "PB"]
    value = float(n_bytes)
    sign = "-" if value < 0 else ""
    value = abs(value)
    unit = units[0]
    for unit in units:
        if value < base or unit == units[-1]:
            break
        value /= base
    if unit == "B":
        return f"{sign}{value:.0f} B"
    return f"{sign}{value:.{decimals}f} {unit}"


def format_params(n: float, lang: str = "en") -> str:
    """A parameter count the way model cards write it: 117M, 1.5B, 70B, 1.2T.

    In Spanish "billón" is 10^12, so a B would read a thousand times too big: there 10^9 is
    "mil M" (mil millones), as lab 3's timeline writes it: 1.5 mil M, 71 mil M, 117 M (two
    significant figures are enough for a size: lab 14's table keeps all its columns at 80)."""
    if lang == "es":
        for div, suffix in ((1e9, " mil M"), (1e6, " M"), (1e3, " mil")):
            if abs(n) >= div:  # 71 mil M, not 70.6: the longer unit leaves less room for digits
                value = n / div
                return (f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}".rstrip("0").rstrip(".")) + suffix
        return f"{n:.0f}"
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= div:
            text = f"{n / div:.1f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    return f"{n:.0f}"


# --- known models --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSpec:
    """The architecture numbers of a published model (from its config.json on Hugging Face)."""

    name: str
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    vocab: int
    tied_embeddings: bool
    max_context: int
    source: str

    @property
    def n_params(self) -> int:
        """Parameter count computed from the architecture (Llama-style decoder, no biases)."""
        return llama_param_count(self.hidden, self.layers, self.heads, self.kv_heads, self.head_dim,
                                 self.intermediate, self.vocab, self.tied_embeddings)

    @property
    def uses_gqa(self) -> bool:
        return self.kv_heads < self.heads


def llama_param_count(
    hidden: int,
    layers: int,
    heads: int,
    kv_heads: int,
    head_dim: int,
    intermediate: int,
    vocab: int,
    tied_embeddings: bool = False,
) -> int:
    """Exact parameter count of a Llama-style decoder (RMSNorm, SwiGLU MLP, no biases).

    per layer: Q (hidden x heads*hd) + K, V (hidden x kv_heads*hd each) + O (heads*hd x hidden)
               + MLP gate, up, down (3 x hidden x intermediate) + 2 RMSNorm weights (2 x hidden)
    plus: token embedding (vocab x hidden), final norm (hidden) and, unless tied, the output
    projection (vocab x hidden).
    """
    attn = hidden * heads * head_dim + 2 * hidden * kv_heads * head_dim + heads * head_dim * hidden
    mlp = 3 * hidden * intermediate
    per_layer = attn + mlp + 2 * hidden
    embed = vocab * hidden
    out = 0 if tied_embeddings else vocab * hidden
    return layers * per_layer + embed + hidden + out


# Sources: each model's config.json on huggingface.co (meta-llama/Llama-3.2-1B, meta-llama/Llama-3.2-3B,
# mistralai/Mistral-7B-v0.1, meta-llama/Llama-2-7b-hf, meta-llama/Llama-3.1-8B, meta-llama/Llama-2-13b-hf,
# meta-llama/Llama-3.1-70B, meta-llama/Llama-3.1-405B). The computed parameter counts match the
# published ones: 1.24B, 3.21B, 7.24B, 6.74B, 8.03B, 13.0B, 70.6B, 406B ("405B").
KNOWN_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("Llama 3.2 1B", 2048, 16, 32, 8, 64, 8192, 128256, True, 131072, "meta-llama/Llama-3.2-1B"),
    ModelSpec("Llama 3.2 3B", 3072, 28, 24, 8, 128, 8192, 128256, True, 131072, "meta-llama/Llama-3.2-3B"),
    ModelSpec("Llama 2 7B", 4096, 32, 32, 32, 128, 11008, 32000, False, 4096, "meta-llama/Llama-2-7b-hf"),
    ModelSpec("Mistral 7B", 4096, 32, 32, 8, 128, 14336, 32000, False, 8192, "mistralai/Mistral-7B-v0.1"),
    ModelSpec("Llama 3.1 8B", 4096, 32, 32, 8, 128, 14336, 128256, False, 131072, "meta-llama/Llama-3.1-8B"),
    ModelSpec("Llama 2 13B", 5120, 40, 40, 40, 128, 13824, 32000, False, 4096, "meta-llama/Llama-2-13b-hf"),
    ModelSpec("Llama 3.1 70B", 8192, 80, 64, 8, 128, 28672, 128256, False, 131072, "meta-llama/Llama-3.1-70B"),
    ModelSpec("Llama 3.1 405B", 16384, 126, 128, 8, 128, 53248, 128256, False, 131072, "meta-llama/Llama-3.1-405B"),
)


@dataclass(frozen=True)
class MoESpec(ModelSpec):
    """A Llama-style decoder whose MLP is `n_experts` SwiGLU experts, `top_k` used per token."""

    n_experts: int = 8
    top_k: int = 2

    def _count(self, experts: int) -> int:
        dense = llama_param_count(self.hidden, self.layers, self.heads, self.kv_heads, self.head_dim,
                                  self.intermediate, self.vocab, self.tied_embeddings)
        one_mlp = 3 * self.hidden * self.intermediate
        router = self.hidden * self.n_experts  # a linear layer scoring each expert, per layer
        return dense + self.layers * ((experts - 1) * one_mlp + router)

    @property
    def n_params(self) -> int:
        """Every expert counted: what must sit in memory."""
        return self._count(self.n_experts)

    @property
    def active_params(self) -> int:
        """What one token actually goes through: attention, router, top_k experts."""
        return self._count(self.top_k)


# Source: mistralai/Mixtral-8x7B-v0.1 config.json (hidden 4096, 32 layers, 32 heads, 8 KV heads,
# intermediate 14336, vocab 32000, 8 experts, 2 per token). Computed: 46,702,792,704 total and
# 12,879,925,248 active, Mistral's published "46.7B total, 12.9B active".
MOE_MODELS: tuple[MoESpec, ...] = (
    MoESpec("Mixtral 8x7B", 4096, 32, 32, 8, 128, 14336, 32000, False, 32768,
            "mistralai/Mixtral-8x7B-v0.1", n_experts=8, top_k=2),
)


def find_model(name: str) -> ModelSpec:
    """Look a model of KNOWN_MODELS up by name (case-insensitive)."""
    for spec in KNOWN_MODELS:
        if spec.name.lower() == name.lower():
            return spec
    raise KeyError(name)


# --- summary -------------------------------------------------------------------------------------


@dataclass
class MemoryEstimate:
    """Weights + KV cache for one model, one format and one context length."""

    n_params: float
    dtype: str
    bits_per_weight: float
    weights_bytes: float
    context: int
    kv_dtype: str
    kv_bytes: float
    total_bytes: float
    # Same numbers, readable, both unit systems side by side.
    weights_gib: float = 0.0
    kv_gib: float = 0.0
    total_gib: float = 0.0
    total_gb: float = 0.0
    notes: list[str] = field(default_factory=list)


def model_memory(
    n_params: float,
    dtype: str = "fp16",
    *,
    layers: int | None = None,
    kv_heads: int | None = None,
    head_dim: int | None = None,
    context: int = 0,
    kv_dtype: str = "fp16",
    batch: int = 1,
) -> MemoryEstimate:
    """Memory to *run* a model: its weights in `dtype` plus the KV cache for `context` tokens.

    The KV cache is only counted when layers, kv_heads and head_dim are given. Not included (and
    said so in `notes`): activations and the runtime's own buffers, which are usually much smaller
    than the weights for single-user inference, and training state (gradients and optimizer
    moments make training need several times the weights).
    """
    wbytes = weight_bytes(n_params, dtype)
    notes: list[str] = []
    kv = 0.0
    if context and None not in (layers, kv_heads, head_dim):
        try:
            per_elem = KV_BYTES_PER_ELEMENT[kv_dtype]
        except KeyError:
            raise ValueError(f"unknown kv_dtype {kv_dtype!r}; known: {', '.join(KV_BYTES_PER_ELEMENT)}") from None
        kv = kv_cache_bytes(layers, kv_heads, head_dim, context, per_elem, batch)  # type: ignore[arg-type]
    elif context:
        notes.append("kv cache not counted: layers, kv_heads and head_dim are needed")
    notes.append("activations and runtime buffers not counted")
    total = wbytes + kv
    return MemoryEstimate(
        n_params=n_params,
        dtype=dtype,
        bits_per_weight=bits_per_weight(dtype),
        weights_bytes=wbytes,
        context=context,
        kv_dtype=kv_dtype,
        kv_bytes=kv,
        total_bytes=total,
        weights_gib=to_gib(wbytes),
        kv_gib=to_gib(kv),
        total_gib=to_gib(total),
        total_gb=to_gb(total),
        notes=notes,
    )


def spec_memory(spec: ModelSpec, dtype: str = "fp16", context: int = 4096, kv_dtype: str = "fp16") -> MemoryEstimate:
    """model_memory() for a ModelSpec (its own layers, KV heads and head size)."""
    return model_memory(spec.n_params, dtype, layers=spec.layers, kv_heads=spec.kv_heads,
                        head_dim=spec.head_dim, context=context, kv_dtype=kv_dtype)


@dataclass
class TableRow:
    name: str
    n_params: int
    kv_heads: int
    heads: int
    # dtype -> bytes of the weights
    weights_bytes: dict[str, float]
    # KV cache bytes (fp16) for the table's context
    kv_bytes: float


def memory_table(dtypes: tuple[str, ...] = ("fp16", "q8_0", "q4_K_M"), context: int = 4096) -> list[TableRow]:
    """One row per KNOWN_MODELS entry: weights in each dtype and the fp16 KV cache for `context`."""
    rows = []
    for spec in KNOWN_MODELS:
        rows.append(TableRow(
            name=spec.name,
            n_params=spec.n_params,
            kv_heads=spec.kv_heads,
            heads=spec.heads,
            weights_bytes={d: weight_bytes(spec.n_params, d) for d in dtypes},
            kv_bytes=kv_cache_bytes(spec.layers, spec.kv_heads, spec.head_dim, context, 2.0),
        ))
    return rows


def fits_in(estimate: MemoryEstimate, available_bytes: float, headroom: float = 0.9) -> bool:
    """Whether an estimate fits in `available_bytes`, keeping (1-headroom) free for the OS/runtime."""
    return estimate.total_bytes <= available_bytes * headroom
