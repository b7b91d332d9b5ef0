"""The live engine behind the labs: tokenizers, a from-scratch GPT, sampling and training.

Importing this package is instant and never imports torch: every name below is loaded on
first use (PEP 562), so `from tutor.engine import get_tokenizer` stays torch-free while
`from tutor.engine import GPT` brings torch in. The API map for lab builders is docs/ENGINE.md.

Long jobs (training, generation) are generators that yield progress and accept a `cancel`
(threading.Event or callable) checked between steps: run them in a worker thread.
"""

from __future__ import annotations

import importlib
import warnings

# torch warns once when NumPy is absent; the engine never hands tensors to NumPy, and a stray
# warning on stderr would scribble over the TUI.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

_EXPORTS = {
    # tokenizers.py (no torch)
    "ENCODING_NAMES": "tokenizers",
    "Tokenizer": "tokenizers",
    "TokenPiece": "tokenizers",
    "TokenizerUnavailable": "tokenizers",
    "get_tokenizer": "tokenizers",
    "estimate_tokens_from_words": "tokenizers",
    # bpe.py (no torch)
    "train_bpe": "bpe",
    "replay": "bpe",
    "merge_history": "bpe",
    # device.py
    "pick_device": "device",
    # model.py
    "GPT": "model",
    "GPTConfig": "model",
    "KVCache": "model",
    "parameter_breakdown": "model",
    "count_parameters": "model",
    "forward_shapes": "model",
    # sampling.py
    "generate": "sampling",
    "iter_generate": "sampling",
    "next_token_distribution": "sampling",
    "TokenProb": "sampling",
    "GenStep": "sampling",
    "Generation": "sampling",
    # training.py
    "Trainer": "training",
    "TrainConfig": "training",
    "TrainEvent": "training",
    "save_checkpoint": "training",
    "load_checkpoint": "training",
    "unigram_loss": "training",
    "evaluate_loss": "training",
    # export.py (torch and gguf only when writing)
    "export_gguf": "export",
    # registry.py (models by name: course, gpt2..., a Hugging Face GPT-2 folder)
    "load_model": "registry",
    "MODEL_NAMES": "registry",
    "ModelUnavailable": "registry",
    "ModelLoadError": "registry",
    # pretrained.py
    "load_pretrained": "pretrained",
    "train_course_model": "pretrained",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tutor.engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"tutor.engine.{module}"), name)
    globals()[name] = value  # next time, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
