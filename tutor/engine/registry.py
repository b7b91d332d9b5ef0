"""The models a lab or command can run, by name, all loaded into the engine's own `GPT` class.

    "course"        the shipped mini GPT (offline, always there)
    "gpt2"          OpenAI's GPT-2 small (124M) from the Hugging Face cache (`tutor engine get gpt2`)
    "gpt2-medium"   GPT-2 medium (355M), same
    "gpt2-large"    GPT-2 large (774M), same
    a folder path   any Hugging Face-layout GPT-2 folder: config.json + model.safetensors

A Hugging Face GPT-2 checkpoint differs from the engine's layout in three ways the loader undoes:
its projections are `Conv1D` layers that store weights as (in, out), the transpose of
`nn.Linear`'s (out, in); it keeps the causal mask as a tensor (`attn.bias`), which the engine
builds on the fly; and it has no separate output matrix (the head is tied to `wte`). Weights are
read with `safetensors`, which holds tensors only: a checkpoint can never run code.

torch is imported only by the functions that build a model, so `describe`/`resolve` stay light.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from tutor.i18n import Joined, Phrase, Said

COURSE = "course"
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
# GPT-2's approximation of GELU; the engine's MLP uses exactly this one (tanh form).
TANH_GELU_NAMES = ("gelu_new", "gelu_pytorch_tanh")
GPT2_VOCAB = 50257


@dataclass(frozen=True)
class HubModel:
    """A GPT-2 checkpoint on the Hugging Face hub. `download_bytes` is the size of its files
    (config.json + model.safetensors in float32), shown before a download and when offline."""

    name: str
    repo_id: str
    n_layer: int
    n_head: int
    n_embd: int
    download_bytes: int

    @property
    def parameters(self) -> int:
        from tutor.engine.model import GPTConfig, count_parameters

        return count_parameters(GPTConfig(n_layer=self.n_layer, n_head=self.n_head, n_embd=self.n_embd))


# Sizes are OpenAI's published checkpoints as the hub serves them (float32 weights plus the
# stored causal masks, 4 MiB per layer); `tutor engine get` shows the hub's own figure when online.
HUB_MODELS: dict[str, HubModel] = {
    "gpt2": HubModel("gpt2", "openai-community/gpt2", 12, 12, 768, 548_105_171),
    "gpt2-medium": HubModel("gpt2-medium", "openai-community/gpt2-medium", 24, 16, 1024, 1_520_013_706),
    "gpt2-large": HubModel("gpt2-large", "openai-community/gpt2-large", 36, 20, 1280, 3_247_202_234),
}
MODEL_NAMES: tuple[str, ...] = (COURSE, *HUB_MODELS)


class ModelUnavailable(Said, RuntimeError):
    """A named model that is not on this machine yet; the message says how to get it."""

    def __init__(self, model: HubModel) -> None:
        self.model = model
        self.said("engine.model.not_downloaded", name=model.name, size=human_bytes(model.download_bytes))
        super().__init__(self.text("en"))


class ModelLoadError(Said, ValueError):
    """A folder that is not a loadable GPT-2 (missing files, another architecture, bad weights).

    The message is the catalogue's `key` with `values` (tutor.i18n.Said): str() in the learner's language."""

    def __init__(self, key: str, **values: object) -> None:
        self.said(key, **values)
        super().__init__(self.text("en"))


def human_bytes(n: int) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def _printable(text: str) -> str:
    """A path or name as it may be shown on screen: no control characters."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


@dataclass(frozen=True)
class ModelSource:
    """Where a model comes from: kind "course" | "hub" | "folder"; `path` is the folder (None for
    the course model, or a hub model not downloaded yet)."""

    name: str
    kind: str
    label: str
    path: Path | None = None
    hub: HubModel | None = None

    @property
    def available(self) -> bool:
        return self.kind == COURSE or self.path is not None


# ----------------------------------------------------------------------------- the Hugging Face cache


def hub_cache_dir() -> str:
    """Where huggingface_hub keeps downloads, read now (not at import): HF_HUB_CACHE, else
    HF_HOME/hub, else its default (~/.cache/huggingface/hub)."""
    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    if os.environ.get("HF_HOME"):
        return os.path.join(os.environ["HF_HOME"], "hub")
    from huggingface_hub import constants

    return constants.HF_HUB_CACHE


def cached_folder(model: HubModel) -> Path | None:
    """The snapshot folder holding both files of `model` in the cache, or None. Also finds a copy
    cached under the hub's old name ("gpt2" before "openai-community/gpt2"), e.g. by transformers."""
    from huggingface_hub import try_to_load_from_cache

    for repo_id in (model.repo_id, model.name):
        found = []
        for filename in (CONFIG_FILE, WEIGHTS_FILE):
            path = try_to_load_from_cache(repo_id, filename, cache_dir=hub_cache_dir())
            if isinstance(path, str):  # not None, nor the "known missing" marker
                found.append(Path(path))
        if len(found) == 2 and found[0].parent == found[1].parent:
            return found[1].parent
    return None


def weights_complete(path: Path) -> bool:
    """Whether a .safetensors file is whole: its header parses and the file is exactly as long as
    the header says (a half-written or truncated file fails; no tensor is read, no torch)."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) != 8:
                return False
            header_len = int.from_bytes(head, "little")
            if header_len <= 0 or header_len > 100_000_000:
                return False
            header = json.loads(f.read(header_len))
        end = max((int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"), default=0)
        return Path(path).stat().st_size == 8 + header_len + end
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return False


def resolve(name_or_path: str) -> ModelSource:
    """A model name (MODEL_NAMES) or a folder path -> ModelSource. Raises ModelLoadError for a
    name that is neither."""
    if name_or_path == COURSE:
        return ModelSource(COURSE, COURSE, "course mini GPT")
    hub = HUB_MODELS.get(name_or_path)
    if hub is not None:
        return ModelSource(hub.name, "hub", hub.name, cached_folder(hub), hub)
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return ModelSource(str(path), "folder", _printable(path.resolve().name or str(path)), path)
    if os.sep in name_or_path or name_or_path.startswith((".", "~")):
        raise ModelLoadError("engine.model.no_folder", path=_printable(name_or_path))
    raise ModelLoadError("engine.model.unknown", name=repr(_printable(name_or_path)), names=", ".join(MODEL_NAMES),
                         config=CONFIG_FILE, weights=WEIGHTS_FILE)


# ----------------------------------------------------------------------------- config and weights


def read_hf_config(folder: Path) -> dict:
    path = Path(folder) / CONFIG_FILE
    if not path.is_file():
        raise ModelLoadError("engine.model.no_config", folder=_printable(str(folder)), config=CONFIG_FILE)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError("engine.model.cannot_read", path=_printable(str(path)), reason=exc) from None
    if not isinstance(data, dict):
        raise ModelLoadError("engine.model.not_object", path=_printable(str(path)))
    return data


def config_from_hf(hf: dict):
    """A Hugging Face GPT-2 config.json (as a dict) -> GPTConfig. Refuses anything that is not
    the GPT-2 architecture the engine implements, saying which setting differs."""
    from tutor.engine.model import GPTConfig

    model_type = hf.get("model_type")
    architectures = hf.get("architectures") or []
    if model_type != "gpt2":
        shown = _printable(str(model_type or (architectures[0] if architectures else "unknown")))
        raise ModelLoadError("engine.model.not_gpt2", kind=repr(shown))
    activation = hf.get("activation_function", "gelu_new")
    if activation not in TANH_GELU_NAMES:
        raise ModelLoadError("engine.model.activation", name=repr(_printable(str(activation))),
                             names=" / ".join(TANH_GELU_NAMES))
    try:
        n_embd, n_head = int(hf.get("n_embd", 768)), int(hf.get("n_head", 12))
        n_inner = hf.get("n_inner")
        checks = {  # the setting, and the catalogue's why (engine.model.why.*)
            ("n_inner", "n_inner"): n_inner is None or int(n_inner) == 4 * n_embd,
            ("tie_word_embeddings", "tied"): hf.get("tie_word_embeddings", True) is True,
            ("scale_attn_weights", "scaled"): hf.get("scale_attn_weights", True) is True,
            ("scale_attn_by_inverse_layer_idx", ""): not hf.get("scale_attn_by_inverse_layer_idx", False),
            ("add_cross_attention", ""): not hf.get("add_cross_attention", False),
        }
        for (setting, why), ok in checks.items():
            if not ok:
                said = Phrase(f"engine.model.why.{why}", setting=setting) if why else setting
                raise ModelLoadError("engine.model.variant", setting=said)
        return GPTConfig(
            vocab_size=int(hf.get("vocab_size", GPT2_VOCAB)),
            block_size=int(hf.get("n_positions", 1024)),
            n_layer=int(hf.get("n_layer", 12)),
            n_head=n_head,
            n_embd=n_embd,
            dropout=0.0,  # inference only
            bias=True,
            layer_norm_eps=float(hf.get("layer_norm_epsilon", 1e-5)),
        )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ModelLoadError):
            raise
        raise ModelLoadError("engine.model.bad_config", detail=exc) from None


_CONV1D = (".attn.c_attn.weight", ".attn.c_proj.weight", ".mlp.c_fc.weight", ".mlp.c_proj.weight")


def engine_state_from_hf(tensors: dict, config) -> dict:
    """Hugging Face GPT-2 tensor names and layouts -> the engine's state dict (lm_head excluded:
    it is tied to wte). Accepts names with or without the "transformer." prefix."""
    import torch

    state = {}
    for name, tensor in tensors.items():
        key = name.removeprefix("transformer.")
        if key.endswith((".attn.bias", ".attn.masked_bias")) and tensor.dim() == 4:
            continue  # the stored causal mask: the engine builds its mask when it needs it
        if key == "lm_head.weight":
            if not torch.equal(tensor, tensors.get("transformer.wte.weight", tensors.get("wte.weight", tensor))):
                raise ModelLoadError("engine.model.untied")
            continue
        if tensor.is_floating_point():
            tensor = tensor.float()
        if key.endswith(_CONV1D):
            # Conv1D stores (in, out); nn.Linear wants (out, in). A transposed view, not a copy:
            # F.linear multiplies by weight.T, which is then the file's own row-major layout.
            tensor = tensor.t()
        state["transformer." + key] = tensor
    return state


def load_hf_gpt2(folder, device: str | None = None):
    """A Hugging Face-layout GPT-2 folder -> the engine's GPT (eval mode, on `device`)."""
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from tutor.engine.device import pick_device
    from tutor.engine.model import GPT

    folder = Path(folder)
    config = config_from_hf(read_hf_config(folder))
    weights = folder / WEIGHTS_FILE
    if not weights.is_file():
        if (folder / "pytorch_model.bin").is_file():
            raise ModelLoadError("engine.model.pickle_only", folder=_printable(str(folder)), weights=WEIGHTS_FILE)
        raise ModelLoadError("engine.model.no_weights", folder=_printable(str(folder)), weights=WEIGHTS_FILE)
    try:
        tensors = load_file(str(weights))
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise ModelLoadError("engine.model.damaged", path=_printable(str(weights)), detail=_printable(str(exc))[:120]) from None
    state = engine_state_from_hf(tensors, config)
    # Built on the meta device: no time spent on a random init that the weights replace.
    with torch.device("meta"):
        model = GPT(config)
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items() if k != "lm_head.weight"}
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(expected) & set(state) if tuple(state[k].shape) != expected[k])
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(Phrase("engine.model.missing", names=f"{', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}"))
        if unexpected:
            names = f"{', '.join(_printable(k) for k in unexpected[:3])}{' ...' if len(unexpected) > 3 else ''}"
            parts.append(Phrase("engine.model.unexpected", names=names))
        if wrong:
            k = wrong[0]
            parts.append(Phrase("engine.model.wrong_shape", name=k, shape=tuple(state[k].shape), expected=expected[k]))
        raise ModelLoadError("engine.model.mismatch", path=_printable(str(weights)), parts=Joined(parts))
    state["lm_head.weight"] = state["transformer.wte.weight"]
    model.load_state_dict(state, strict=True, assign=True)
    model.transformer.wte.weight = model.lm_head.weight  # assign=True untied them: tie again
    model.eval()
    model.meta = {"source": str(folder), "format": "huggingface-gpt2"}
    return model.to(pick_device(device))


# ----------------------------------------------------------------------------- loading by name

_lock = threading.Lock()
_large: dict[tuple[str, str], tuple] = {}  # one non-course model at a time: they are big


def load_model(name_or_path: str = COURSE, device: str | None = None):
    """-> (model, tokenizer) for a name in MODEL_NAMES or a folder path. Cached; GPT-2 models use
    the gpt2 tokenizer. Raises ModelUnavailable (not downloaded) or ModelLoadError (bad folder)."""
    from tutor.engine.device import pick_device

    source = resolve(name_or_path)
    if source.kind == COURSE:
        from tutor.engine.pretrained import load_pretrained

        return load_pretrained(device)
    if source.path is None:
        raise ModelUnavailable(source.hub)
    device = pick_device(device)
    key = (str(source.path.resolve()), device)
    with _lock:
        if key not in _large:
            from tutor.engine.tokenizers import get_tokenizer

            model = load_hf_gpt2(source.path, device)
            if model.config.vocab_size != GPT2_VOCAB:
                raise ModelLoadError("engine.model.vocab", n=f"{model.config.vocab_size:,}", gpt2=f"{GPT2_VOCAB:,}")
            model.meta["name"] = source.name
            _large.clear()
            _large[key] = (model, get_tokenizer("gpt2"))
        return _large[key]


def forget_loaded() -> None:
    """Drop the cached non-course model (tests, or to free memory)."""
    with _lock:
        _large.clear()
