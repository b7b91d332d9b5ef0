"""A model as Ollama describes it: `model_info` key/values and the tensor list of `/api/show`.

`ModelFacts` reads the architecture numbers the estimate needs (layers, heads, KV heads, head
dimensions, sliding window, vocabulary ...) with the same fallbacks Ollama uses, and groups the
tensors by layer ("blk.N", "output", "token_embd", "v" ...) with their exact byte sizes.

Tensor byte sizes follow GGML's block layouts: elements * bytes_per_block / elements_per_block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from tutor.i18n import Said

# GGML tensor types: name -> (numeric id in GGUF, elements per block, bytes per block).
GGML_TYPES: dict[str, tuple[int, int, int]] = {
    "F32": (0, 1, 4),
    "F16": (1, 1, 2),
    "Q4_0": (2, 32, 18),
    "Q4_1": (3, 32, 20),
    "Q5_0": (6, 32, 22),
    "Q5_1": (7, 32, 24),
    "Q8_0": (8, 32, 34),
    "Q8_1": (9, 32, 36),
    "Q2_K": (10, 256, 84),
    "Q3_K": (11, 256, 110),
    "Q4_K": (12, 256, 144),
    "Q5_K": (13, 256, 176),
    "Q6_K": (14, 256, 210),
    "Q8_K": (15, 256, 292),
    "IQ2_XXS": (16, 256, 66),
    "IQ2_XS": (17, 256, 74),
    "IQ3_XXS": (18, 256, 98),
    "IQ1_S": (19, 256, 50),
    "IQ4_NL": (20, 32, 18),
    "IQ3_S": (21, 256, 110),
    "IQ2_S": (22, 256, 82),
    "IQ4_XS": (23, 256, 136),
    "I8": (24, 1, 1),
    "I16": (25, 1, 2),
    "I32": (26, 1, 4),
    "I64": (27, 1, 8),
    "F64": (28, 1, 8),
    "IQ1_M": (29, 256, 56),
    "BF16": (30, 1, 2),
    "MXFP4": (39, 32, 17),
}
_BY_ID = {v[0]: k for k, v in GGML_TYPES.items()}


class ModelDataError(Said, ValueError):
    """model_info or tensors that cannot describe a model (missing layers, unknown types).

    The catalogue's `key` with `values` (tutor.i18n.Said): str() in the learner's language."""

    def __init__(self, key: str, **values: Any) -> None:
        self.said(key, **values)
        super().__init__(self.text("en"))


def type_name(kind: Any) -> str:
    """Accept 'Q4_K', 'q4_k', 12 or '12' and return the canonical GGML name."""
    if isinstance(kind, int) or (isinstance(kind, str) and kind.isdigit()):
        name = _BY_ID.get(int(kind))
        if name is None:
            raise ModelDataError("fit.data.type_id", kind=kind)
        return name
    name = str(kind).upper()
    if name not in GGML_TYPES:
        raise ModelDataError("fit.data.type", kind=repr(kind))
    return name


@dataclass(frozen=True)
class Tensor:
    name: str
    type: str
    shape: tuple[int, ...]

    @property
    def elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= int(d)
        return n

    @property
    def nbytes(self) -> int:
        _, block, size = GGML_TYPES[self.type]
        return self.elements * size // block

    def to_json(self) -> dict:
        return {"name": self.name, "type": self.type, "shape": list(self.shape)}


def tensors_from_json(items: Iterable[Mapping[str, Any]]) -> list[Tensor]:
    out = []
    for t in items or []:
        try:
            out.append(Tensor(str(t["name"]), type_name(t["type"]), tuple(int(d) for d in t["shape"])))
        except (KeyError, TypeError) as exc:
            raise ModelDataError("fit.data.tensor", entry=repr(t), detail=exc) from exc
    return out


def layer_key(name: str) -> tuple[str, str]:
    """Group a tensor name like Ollama's GroupLayers: 'blk.3.attn_q.weight' -> ('blk.3', 'attn_q.weight'),
    'v.blk.0.attn_q.weight' -> ('v.blk.0', ...), 'output.weight' -> ('output', 'weight')."""
    parts = name.split(".")
    for i, p in enumerate(parts):
        if p in ("blk", "mm"):
            if len(parts) > i + 2:
                return ".".join(parts[: i + 2]), ".".join(parts[i + 2 :])
            break
    return parts[0], ".".join(parts[1:])


@dataclass
class ModelFacts:
    """The numbers of one model, read from `/api/show` model_info and tensors."""

    info: dict
    tensors: list[Tensor]
    layers: dict[str, dict[str, Tensor]] = field(default_factory=dict)
    projector: dict = field(default_factory=dict)  # /api/show projector_info: a separate vision file (llava)

    @classmethod
    def from_show(cls, model_info: Mapping[str, Any], tensors: Iterable[Any],
                  projector_info: Mapping[str, Any] | None = None) -> "ModelFacts":
        ts = [t if isinstance(t, Tensor) else None for t in tensors or []]
        if any(t is None for t in ts):
            ts = tensors_from_json(tensors)
        facts = cls(dict(model_info or {}), ts, projector=dict(projector_info or {}) if isinstance(projector_info, Mapping) else {})
        for t in facts.tensors:
            group, rest = layer_key(t.name)
            facts.layers.setdefault(group, {})[rest] = t
        if not facts.architecture:
            raise ModelDataError("fit.data.no_architecture")
        return facts

    # --- raw key access with Ollama's prefixing rule ---------------------------------------
    @property
    def architecture(self) -> str:
        return str(self.info.get("general.architecture") or "")

    def key(self, name: str, default: Any = None) -> Any:
        if not name.startswith(("general.", "tokenizer.")):
            name = f"{self.architecture}.{name}"
        value = self.info.get(name)
        return default if value is None else value

    def uint(self, name: str, default: int = 0) -> int:
        v = self.key(name)
        if isinstance(v, list):  # an array where a number was expected: Ollama takes the max
            return int(max(v)) if v else default
        try:
            return int(v) if v is not None else default
        except (TypeError, ValueError):
            return default

    def per_layer(self, name: str, default: int) -> list[int]:
        """A key that may be a number or a per-layer array (head counts of some models)."""
        v = self.key(name)
        n = self.block_count
        if isinstance(v, list):
            vals = [int(x) for x in v]
            fill = vals[0] if len(vals) == 1 else default
            return [vals[i] if i < len(vals) else fill for i in range(n)]
        val = int(v) if v is not None else default
        return [val] * n

    # --- the architecture numbers ---------------------------------------------------------
    @property
    def block_count(self) -> int:
        n = self.uint("block_count")
        if n <= 0:
            blks = [k for k in self.layers if k.startswith("blk.")]
            n = len(blks)
        return n

    @property
    def embedding(self) -> int:
        return self.uint("embedding_length")

    @property
    def heads(self) -> list[int]:
        return self.per_layer("attention.head_count", 1)

    @property
    def heads_kv(self) -> list[int]:
        return self.per_layer("attention.head_count_kv", 1)

    @property
    def head_count_max(self) -> int:
        return max(self.heads or [1])

    @property
    def head_count_min(self) -> int:
        return min(self.heads or [1])

    @property
    def head_count_kv_max(self) -> int:
        return max(self.heads_kv or [1])

    @property
    def head_count_kv_min(self) -> int:
        return min(self.heads_kv or [1])

    @property
    def head_dim(self) -> int:
        """EmbeddingHeadCountMax: embedding / smallest head count."""
        h = self.head_count_min
        return self.embedding // h if h > 0 else 0

    @property
    def key_length(self) -> int:
        return self.uint("attention.key_length", self.head_dim) or self.head_dim

    @property
    def value_length(self) -> int:
        return self.uint("attention.value_length", self.head_dim) or self.head_dim

    @property
    def context_length(self) -> int:
        return self.uint("context_length")

    @property
    def sliding_window(self) -> int:
        return self.uint("attention.sliding_window")

    @property
    def feed_forward(self) -> int:
        return self.uint("feed_forward_length")

    @property
    def vocab_size(self) -> int:
        tokens = self.info.get("tokenizer.ggml.tokens")
        if isinstance(tokens, list) and tokens:
            return len(tokens)
        v = self.uint("vocab_size")
        if v:
            return v
        for group in ("token_embd", "output"):
            t = self.layers.get(group, {}).get("weight")
            if t is not None and len(t.shape) >= 2:
                return int(t.shape[1])
        return 0

    @property
    def parameter_count(self) -> int:
        v = self.info.get("general.parameter_count")
        if v:
            return int(v)
        return sum(t.elements for t in self.tensors)

    @property
    def is_embedding(self) -> bool:
        return f"{self.architecture}.pooling_type" in self.info

    @property
    def has_vision(self) -> bool:
        return self.uint("vision.block_count") > 0

    @property
    def has_projector(self) -> bool:
        return bool(self.projector)

    def projector_bytes(self) -> int:
        """Weights of a separate projector file (llava's CLIP), which Ollama loads beside the model.

        `/api/show` gives only its key/values, not its tensors. When they describe a CLIP encoder
        with llava's two-layer projector, the tensor list is rebuilt (F16 or F32 matrices, F32 norms
        and biases) and used if its element count equals the file's `general.parameter_count`.
        Otherwise every parameter is counted at the file type's size plus 1% for the F32 norms and
        biases such files keep (0.1% in llava's), so the estimate does not come out low.
        """
        pi = self.projector
        if not pi:
            return 0
        try:
            n = int(pi.get("general.parameter_count") or 0)
        except (TypeError, ValueError):
            n = 0
        main = _PROJECTOR_FILE_TYPES.get(_int(pi.get("general.file_type"), -1))
        rebuilt = _clip_llava_tensors(pi, self.embedding, main)
        if rebuilt and (n == 0 or sum(t.elements for t in rebuilt) == n):
            return sum(t.nbytes for t in rebuilt)
        if n == 0:
            return 0
        _, block, size = GGML_TYPES[main or "F32"]
        return -(-n * size * 101 // (block * 100))

    # --- sizes ----------------------------------------------------------------------------
    def layer_bytes(self, group: str) -> int:
        return sum(t.nbytes for t in self.layers.get(group, {}).values())

    def block_bytes(self, i: int) -> int | None:
        g = self.layers.get(f"blk.{i}")
        return None if g is None else sum(t.nbytes for t in g.values())

    @property
    def total_tensor_bytes(self) -> int:
        return sum(t.nbytes for t in self.tensors)

    def vision_bytes(self) -> int:
        """Weights of the vision tower: groups 'v' and 'v.*' (Ollama's VisionGraphSize)."""
        return sum(
            sum(t.nbytes for t in g.values())
            for name, g in self.layers.items()
            if name == "v" or name.startswith("v.")
        )

    def output_bytes(self) -> int:
        """output_norm + output (or token_embd when the output is tied to the embedding)."""
        n = self.layer_bytes("output_norm")
        if "output" in self.layers:
            n += self.layer_bytes("output")
        elif "token_embd" in self.layers:
            n += self.layer_bytes("token_embd")
        return n

    def weights_bits_estimate(self) -> float:
        """Average bits per parameter over all tensors (for the naive rule)."""
        elems = sum(t.elements for t in self.tensors)
        return 8.0 * self.total_tensor_bytes / elems if elems else 0.0


# general.file_type of a projector file -> the type of its matrices (llama.cpp's file types).
_PROJECTOR_FILE_TYPES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 32: "BF16"}


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _clip_llava_tensors(pi: Mapping[str, Any], text_embedding: int, main: str | None) -> list[Tensor]:
    """The tensors of a llava-style CLIP projector file, from its clip.vision.* keys: patch and
    position embeddings, class embedding, pre-norm, the encoder blocks and the mlp projector
    (mm.0: vision width -> text width, mm.2: text width -> text width). [] when the keys are not there."""
    def k(name: str) -> int:
        return _int(pi.get(f"clip.vision.{name}"))

    layers, e, ff, image, patch = (k("block_count"), k("embedding_length"), k("feed_forward_length"),
                                   k("image_size"), k("patch_size"))
    if (main not in ("F16", "F32", "BF16") or not (layers and e and ff and image and patch and text_embedding)
            or not pi.get("clip.has_llava_projector") or str(pi.get("clip.projector_type", "mlp")) != "mlp"):
        return []
    out = [Tensor("v.patch_embd.weight", main, (patch, patch, 3, e)),
           Tensor("v.position_embd.weight", main, (e, (image // patch) ** 2 + 1)),
           Tensor("v.class_embd", "F32", (e,)),
           Tensor("v.pre_ln.weight", "F32", (e,)), Tensor("v.pre_ln.bias", "F32", (e,))]
    for i in range(layers):
        p = f"v.blk.{i}."
        for m in ("attn_q", "attn_k", "attn_v", "attn_out"):
            out += [Tensor(p + m + ".weight", main, (e, e)), Tensor(p + m + ".bias", "F32", (e,))]
        out += [Tensor(p + "ffn_up.weight", main, (e, ff)), Tensor(p + "ffn_up.bias", "F32", (ff,)),
                Tensor(p + "ffn_down.weight", main, (ff, e)), Tensor(p + "ffn_down.bias", "F32", (e,))]
        for m in ("ln1", "ln2"):
            out += [Tensor(p + m + ".weight", "F32", (e,)), Tensor(p + m + ".bias", "F32", (e,))]
    t = text_embedding
    out += [Tensor("mm.0.weight", main, (e, t)), Tensor("mm.0.bias", "F32", (t,)),
            Tensor("mm.2.weight", main, (t, t)), Tensor("mm.2.bias", "F32", (t,))]
    return out
