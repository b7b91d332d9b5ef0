"""Export the course's GPT to GGUF, the file llama.cpp (and so Ollama) runs, plus a Modelfile.

GGUF (from the GGML project) is one file that holds everything an inference engine needs:
key/value metadata (architecture, sizes, the tokenizer's vocabulary and merges) and the named
tensors, aligned so they can be memory-mapped. The engine's model is exactly GPT-2, which
llama.cpp knows as the `gpt2` architecture, so the export is a renaming, not a conversion:

    transformer.wte            -> token_embd          (and, written out again, output: tying)
    transformer.wpe            -> position_embd
    h.N.ln_1 / ln_2            -> blk.N.attn_norm / blk.N.ffn_norm       (weight + bias)
    h.N.attn.c_attn (q|k|v)    -> blk.N.attn_qkv      (kept fused, q then k then v, as here)
    h.N.attn.c_proj            -> blk.N.attn_output
    h.N.mlp.c_fc / c_proj      -> blk.N.ffn_up / blk.N.ffn_down
    ln_f                       -> output_norm

Tensor names and metadata keys come from the `gguf` package (ggml-org's own reader/writer), so
they are llama.cpp's by construction. A torch Linear stores (out, in) and GGUF lists dimensions
fastest-first, so the arrays go in as they are (no transposes: those are only for OpenAI's
Conv1D checkpoints).

The tokenizer is written as llama.cpp expects a GPT-2 BPE: every token's bytes in GPT-2's
byte-to-unicode alphabet, the merges rebuilt from the tiktoken ranks, <|endoftext|> as a
control token that is both BOS and EOS, and no BOS added in front of a prompt (the engine never
adds one).

`torch` and `gguf` are imported inside the functions that need them; reading a Modelfile does
not need either.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tutor.i18n import Said

ARCH = "gpt2"  # llama.cpp's name for the architecture
PRE_TOKENIZER = "gpt-2"  # llama.cpp's name for GPT-2's pre-split regex
DTYPES = ("f16", "f32")
LAYER_NORM_EPS = 1e-5  # tutor.engine.model.LayerNorm's epsilon
END_OF_TEXT = "<|endoftext|>"

# Token types of llama.cpp's vocabulary (gguf.TokenType: NORMAL = 1, CONTROL = 3, UNUSED = 5).
TOKEN_NORMAL, TOKEN_CONTROL, TOKEN_UNUSED = 1, 3, 5

# Sampling written into the Modelfile: `tutor generate`'s own defaults, so Ollama's answers
# read like the engine's.
DEFAULT_SAMPLING = {"temperature": 0.8, "top_k": 40}


class ExportRefused(Said, ValueError):
    """The model cannot be written as a llama.cpp gpt2 GGUF; the message says why.

    The message is the catalogue's `key` with `values` (tutor.i18n.Said): str() in the learner's language."""

    def __init__(self, key: str, **values: object) -> None:
        self.said(key, **values)
        super().__init__(self.text("en"))


# ----------------------------------------------------------------------------- the tokenizer


def byte_to_unicode() -> dict[int, str]:
    """GPT-2's alphabet for byte-level tokens: each byte gets one printable character.

    Bytes that print as a visible Latin-1 character keep it ('!'..'~', '¡'..'¬', '®'..'ÿ');
    the other 68 (controls, space, DEL, the C1 block, no-break space, soft hyphen) are given
    U+0100, U+0101, ... in byte order. A token's bytes written this way are its vocabulary
    entry in GPT-2's files and in GGUF.
    """
    visible = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    table = {b: chr(b) for b in visible}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def token_text(raw: bytes, alphabet: dict[int, str] | None = None) -> str:
    alphabet = alphabet or byte_to_unicode()
    return "".join(alphabet[b] for b in raw)


@dataclass
class VocabData:
    """The tokenizer as GGUF stores it: one entry and one type per id, and the merges."""

    tokens: list[str]
    types: list[int]
    merges: list[str]  # "left right" in the byte alphabet, highest priority first
    eot_id: int


def tokenizer_data(tokenizer) -> VocabData:
    """GGUF's view of a tiktoken byte-level BPE (tutor.engine.tokenizers.Tokenizer)."""
    from tutor.engine.bpe import merge_history

    encoding = tokenizer.encoding
    ranks: dict[bytes, int] = dict(encoding._mergeable_ranks)
    specials: dict[str, int] = dict(encoding._special_tokens)
    alphabet = byte_to_unicode()
    n_vocab = tokenizer.n_vocab
    by_id: dict[int, bytes] = {rank: raw for raw, rank in ranks.items()}
    special_by_id = {i: s for s, i in specials.items()}
    tokens: list[str] = []
    types: list[int] = []
    for i in range(n_vocab):
        if i in special_by_id:
            tokens.append(special_by_id[i])
            types.append(TOKEN_CONTROL)
        elif i in by_id:
            tokens.append(token_text(by_id[i], alphabet))
            types.append(TOKEN_NORMAL)
        else:  # an id no text maps to: kept so ids stay aligned with the embedding rows
            tokens.append(f"[UNUSED{i}]")
            types.append(TOKEN_UNUSED)
    # tiktoken merges whichever adjacent pair forms the lowest-ranked token; llama.cpp merges
    # the listed pair with the lowest position in the list. Listing, for each token in rank
    # order, the pair BPE builds it from (bpe.merge_history) gives both the same choices.
    merges = [f"{token_text(m.left, alphabet)} {token_text(m.right, alphabet)}" for m in merge_history(ranks)]
    eot = specials.get(END_OF_TEXT)
    if eot is None:
        raise ExportRefused("engine.export.refused.no_eot", token=END_OF_TEXT)
    return VocabData(tokens, types, merges, eot)


# ----------------------------------------------------------------------------- the model


def check_exportable(config, tokenizer) -> None:
    """Raise ExportRefused when llama.cpp's gpt2 cannot hold this model exactly."""
    from tutor.engine.tokenizers import GPT2_PAT_STR

    if config.positions != "learned":
        raise ExportRefused("engine.export.refused.rope")
    if config.ffn != "dense":
        raise ExportRefused("engine.export.refused.moe")
    if tokenizer.n_vocab != config.vocab_size:
        raise ExportRefused("engine.export.refused.vocab", tokens=f"{tokenizer.n_vocab:,}", model=f"{config.vocab_size:,}")
    if getattr(tokenizer.encoding, "_pat_str", GPT2_PAT_STR) != GPT2_PAT_STR:
        raise ExportRefused("engine.export.refused.pattern", name=repr(tokenizer.name))


def tensor_names(n_layer: int) -> dict[str, str]:
    """engine parameter name -> llama.cpp GGUF tensor name, from the gguf package's tables."""
    import gguf

    T, names = gguf.MODEL_TENSOR, gguf.TENSOR_NAMES

    def n(kind, suffix: str, bid: int | None = None) -> str:
        base = names[kind] if bid is None else names[kind].format(bid=bid)
        return f"{base}.{suffix}"

    out = {
        "transformer.wte.weight": n(T.TOKEN_EMBD, "weight"),
        "transformer.wpe.weight": n(T.POS_EMBD, "weight"),
        "transformer.ln_f.weight": n(T.OUTPUT_NORM, "weight"),
        "transformer.ln_f.bias": n(T.OUTPUT_NORM, "bias"),
        "lm_head.weight": n(T.OUTPUT, "weight"),
    }
    per_block = {
        "ln_1": T.ATTN_NORM,
        "attn.c_attn": T.ATTN_QKV,
        "attn.c_proj": T.ATTN_OUT,
        "ln_2": T.FFN_NORM,
        "mlp.c_fc": T.FFN_UP,
        "mlp.c_proj": T.FFN_DOWN,
    }
    for i in range(n_layer):
        for part, kind in per_block.items():
            for suffix in ("weight", "bias"):
                out[f"transformer.h.{i}.{part}.{suffix}"] = n(kind, suffix, i)
    return out


def model_arrays(model, dtype: str = "f16") -> list[tuple[str, object]]:
    """[(GGUF name, numpy array)] in llama.cpp's order: matrices in `dtype`, vectors float32.

    The tied output matrix is written out as its own tensor. A model built without biases gets
    zero biases: the same function, and llama.cpp's gpt2 requires the tensors.
    """
    import numpy as np
    import torch

    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
    config = model.config
    names = tensor_names(config.n_layer)
    params = {k: v.detach().to("cpu", torch.float32) for k, v in model.state_dict().items()}
    params.setdefault("lm_head.weight", params["transformer.wte.weight"])
    for key in list(names):
        if key.endswith(".bias") and key not in params:
            weight = params[key[: -len("bias")] + "weight"]
            params[key] = torch.zeros(weight.shape[0])
    extra = set(params) - set(names)
    if extra:
        raise ExportRefused("engine.export.refused.extra", names=sorted(extra)[:4])
    order = ["transformer.wte.weight", "transformer.wpe.weight"]
    order += [k for k in names if k.startswith("transformer.h.")]
    order += ["transformer.ln_f.weight", "transformer.ln_f.bias", "lm_head.weight"]
    out = []
    for key in order:
        array = params[key].contiguous().numpy()
        if dtype == "f16" and array.ndim >= 2:
            array = array.astype(np.float16)
        out.append((names[key], array))
    return out


# ----------------------------------------------------------------------------- the Modelfile


@dataclass
class ModelfileSpec:
    """What the Modelfile says: the weights file, the template and the parameters."""

    source: str  # FROM, as written (./course.gguf)
    template: str = "{{ .Prompt }}"
    parameters: dict[str, object] = field(default_factory=dict)  # stop: a list

    def text(self) -> str:
        lines = [
            "# A base model: it continues text, it was never taught to chat. The template sends",
            "# the prompt as it is, with no chat markup around it.",
            f"FROM {self.source}",
            f'TEMPLATE """{self.template}"""',
        ]
        for key, value in self.parameters.items():
            for item in value if isinstance(value, list) else [value]:
                lines.append(f"PARAMETER {key} {json.dumps(item) if isinstance(item, str) else item}")
        return "\n".join(lines) + "\n"


def modelfile_for(gguf_name: str, config) -> ModelfileSpec:
    # num_predict: half the context, so a prompt plus its answer fit the trained positions (a
    # learned position table has no rows past block_size, and GPT-2 cannot shift its context).
    params: dict[str, object] = {
        "num_ctx": config.block_size,
        "num_predict": max(1, config.block_size // 2),
        "stop": [END_OF_TEXT],
        **DEFAULT_SAMPLING,
    }
    return ModelfileSpec(source=f"./{gguf_name}", parameters=params)


_PARAM = re.compile(r"^PARAMETER\s+(\S+)\s+(.+)$", re.IGNORECASE)


def read_modelfile(path: str | Path) -> ModelfileSpec:
    """Parse the Modelfiles this module writes (FROM, TEMPLATE \"\"\"...\"\"\", PARAMETER)."""
    text = Path(path).read_text(encoding="utf-8")
    source = ""
    template = "{{ .Prompt }}"
    params: dict[str, object] = {}
    m = re.search(r'^TEMPLATE\s+"""(.*?)"""', text, re.MULTILINE | re.DOTALL)
    if m:
        template = m.group(1)
    for line in text.splitlines():
        line = line.strip()
        if line.upper().startswith("FROM "):
            source = line[5:].strip()
        elif (p := _PARAM.match(line)) is not None:
            key, raw = p.group(1), p.group(2).strip()
            try:
                value: object = json.loads(raw)
            except ValueError:
                value = raw
            if key == "stop":
                params.setdefault("stop", []).append(value)  # type: ignore[union-attr]
            else:
                params[key] = value
    if not source:
        raise ValueError(f"{path} has no FROM line")
    return ModelfileSpec(source, template, params)


def modelfile_path(gguf_path: str | Path) -> Path:
    """OUT.gguf -> OUT.Modelfile, beside it."""
    p = Path(gguf_path)
    return p.with_name((p.stem if p.suffix.lower() == ".gguf" else p.name) + ".Modelfile")


# ----------------------------------------------------------------------------- writing


@dataclass
class ExportResult:
    gguf_path: Path
    modelfile_path: Path
    dtype: str
    tensors: int
    parameters: int  # every parameter once (the tied output counted once)
    file_bytes: int
    sha256: str


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def export_gguf(
    out: str | Path,
    model=None,
    tokenizer=None,
    *,
    dtype: str = "f16",
    name: str = "tutor course GPT",
    progress: Callable[[str], None] | None = None,
) -> ExportResult:
    """Write `model` (default: the shipped course model) as OUT.gguf and OUT.Modelfile."""
    import gguf

    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
    if model is None:
        from tutor.engine.pretrained import load_pretrained

        model, tokenizer = load_pretrained("cpu")
    if tokenizer is None:
        from tutor.engine.tokenizers import get_tokenizer

        tokenizer = get_tokenizer("course")
    config = model.config
    check_exportable(config, tokenizer)
    out = Path(out)
    if out.suffix.lower() != ".gguf":
        out = out.with_name(out.name + ".gguf")
    out.parent.mkdir(parents=True, exist_ok=True)

    if progress:
        progress("tokenizer")
    vocab = tokenizer_data(tokenizer)
    arrays = model_arrays(model, dtype)

    tmp = out.with_name(out.name + ".tmp")
    writer = gguf.GGUFWriter(str(tmp), ARCH)
    writer.add_name(name)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if dtype == "f16" else gguf.LlamaFileType.ALL_F32)
    writer.add_context_length(config.block_size)
    writer.add_embedding_length(config.n_embd)
    writer.add_feed_forward_length(4 * config.n_embd)
    writer.add_block_count(config.n_layer)
    writer.add_head_count(config.n_head)
    writer.add_layer_norm_eps(LAYER_NORM_EPS)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(PRE_TOKENIZER)
    writer.add_token_list(vocab.tokens)
    writer.add_token_types(vocab.types)
    writer.add_token_merges(vocab.merges)
    writer.add_bos_token_id(vocab.eot_id)
    writer.add_eos_token_id(vocab.eot_id)
    writer.add_add_bos_token(False)
    if progress:
        progress("tensors")
    for tensor_name, array in arrays:
        writer.add_tensor(tensor_name, array)
    try:
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
    finally:
        writer.close()
    tmp.replace(out)  # never leave a half-written file under the real name

    spec = modelfile_for(out.name, config)
    mf = modelfile_path(out)
    mf.write_text(spec.text(), encoding="utf-8")
    if progress:
        progress("done")
    return ExportResult(
        gguf_path=out,
        modelfile_path=mf,
        dtype=dtype,
        tensors=len(arrays),
        parameters=model.num_params(),
        file_bytes=out.stat().st_size,
        sha256=sha256_file(out),
    )


def load_source(checkpoint: str | Path | None = None):
    """-> (model, tokenizer, label): a `tutor train` / lab checkpoint, or the shipped model."""
    from tutor.engine.tokenizers import get_tokenizer

    if checkpoint is None:
        from tutor.engine.pretrained import load_pretrained

        model, tokenizer = load_pretrained("cpu")
        return model, tokenizer, "the shipped course model"
    from tutor.engine.training import load_checkpoint

    path = Path(checkpoint)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    model, meta = load_checkpoint(path, "cpu")
    name = meta.get("tokenizer", "course") if isinstance(meta, dict) else "course"
    tokenizer = get_tokenizer(name if isinstance(name, str) else "course")
    return model, tokenizer, str(path)


# ----------------------------------------------------------------------------- where the app puts them

COURSE_EXPORT = "course"  # the shipped model, exported by lab 15 when nothing else was
LAB_EXPORT = "lab12"  # the model lab 12 trained, exported there


def export_path(stem: str) -> Path:
    """<data dir>/models/<stem>.gguf (its Modelfile beside it)."""
    from tutor.paths import data_dir

    return data_dir() / "models" / f"{stem}.gguf"


def ollama_name(stem: str) -> str:
    """The name the app gives an exported model in Ollama: tutor-course, tutor-lab12."""
    return f"tutor-{stem}"
