"""A tiny random GPT-2 in Hugging Face layout, written by `transformers` (the independent
reference), for the registry, CLI, download and lab tests. Same architecture and vocabulary as
OpenAI's GPT-2, just 2 layers x 2 heads x 32 wide, so it loads in a blink."""

from __future__ import annotations

import shutil
from pathlib import Path

TINY = {"n_layer": 2, "n_head": 2, "n_embd": 32, "n_positions": 64, "vocab_size": 50257}
REPO_ID = "openai-community/gpt2"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def write_tiny_gpt2(folder: Path, seed: int = 0, **overrides) -> Path:
    """Save a randomly initialised GPT2LMHeadModel (config.json + model.safetensors) in `folder`."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    config = GPT2Config(**{**TINY, **overrides})
    model = GPT2LMHeadModel(config).eval()
    # Random init leaves biases and LayerNorm shifts at zero: make them count too.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias") or ".ln_" in name:
                p.add_(torch.randn_like(p) * 0.05)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    return folder


def populate_cache(hub_cache: Path, source: Path, repo_id: str = REPO_ID) -> Path:
    """Lay `source`'s two files out as huggingface_hub's cache does (blobs are plain copies here;
    a snapshot folder + refs/main is what lookups read) -> the snapshot folder."""
    repo = hub_cache / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / COMMIT
    snapshot.mkdir(parents=True, exist_ok=True)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(COMMIT)
    for name in ("config.json", "model.safetensors"):
        shutil.copyfile(source / name, snapshot / name)
    return snapshot
