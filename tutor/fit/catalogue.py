"""The shipped catalogue of popular Ollama library tags, and how well each fits a machine.

Each entry (catalogue.json) carries the architecture numbers from the model's published config
and the download size from its ollama.com page, both cited. We rebuild the tensor list from the
numbers (synth.py) so the very same estimator that handles installed models can rank models
before anything is downloaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from tutor.fit.model import ModelFacts, Tensor
from tutor.fit.synth import FILE_TYPES, Arch, build_tensors, file_bytes_estimate, siglip_vision_tensors

_ARCH_FIELDS = set(Arch.__dataclass_fields__)

GEMMA3_VISION = {
    "vision.block_count": 27,
    "vision.embedding_length": 1152,
    "vision.image_size": 896,
    "vision.patch_size": 14,
    "vision.num_channels": 3,
    "vision.attention.head_count": 16,
    "vision.feed_forward_length": 4304,
}


@dataclass
class CatalogueEntry:
    model: str
    quant: str
    file_bytes: int
    source: str
    file_bytes_source: str
    arch: dict
    checked: str = ""  # what was compared against which source, and what could not be re-checked

    def facts(self) -> ModelFacts:
        return _facts(self.model)


@lru_cache(maxsize=1)
def load_catalogue() -> tuple[CatalogueEntry, ...]:
    text = resources.files("tutor.fit").joinpath("catalogue.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return tuple(CatalogueEntry(**m) for m in data["models"])


def entry(name: str) -> CatalogueEntry | None:
    for e in load_catalogue():
        if e.model == name or (":" not in name and e.model == f"{name}:latest"):
            return e
    return None


def build_arch(spec: dict) -> tuple[Arch, bool]:
    vision = spec.get("vision") == "siglip"
    kw = {k: v for k, v in spec.items() if k in _ARCH_FIELDS}
    a = Arch(**kw)
    if vision:
        a.extra_info = {**a.extra_info, **{f"{a.arch}.{k}": v for k, v in GEMMA3_VISION.items()}}
    return a, vision


@lru_cache(maxsize=64)
def _facts(name: str) -> ModelFacts:
    e = entry(name)
    if e is None:
        raise KeyError(name)
    a, vision = build_arch(e.arch)
    tensors: list[Tensor] = build_tensors(a, e.quant)
    if vision:
        tensors += siglip_vision_tensors(text_embedding=a.embedding)
    # weights the rebuilt list does not account for (quantization choices we cannot see from the
    # outside): spread the gap to the published download over the blocks, never subtract
    gap = e.file_bytes - file_bytes_estimate(tensors, a.vocab)
    if gap > 0 and a.layers:
        per = gap // a.layers
        tensors += [Tensor(f"blk.{i}.unlisted_weights", "I8", (per,)) for i in range(a.layers)]
    info = a.model_info(FILE_TYPES.get(e.quant, 15))
    return ModelFacts.from_show(info, tensors)
