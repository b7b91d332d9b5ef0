"""The mini GPT that ships with tutor, trained by `tutor train` on the course's own text.

The recipe lives here (COURSE_MODEL, COURSE_TRAINING) so that `tutor train` with no options
reproduces the shipped file bit for bit on the same torch version and machine type: fixed
seed, fixed steps, the shipped course tokenizer, the corpus in a fixed order.

Refreshing the shipped files after the course text changes (from the repository root):
    tutor engine bpe --out tutor/engine/data/course_bpe.tiktoken
    tutor train --out tutor/engine/data/course_gpt.pt
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from tutor.i18n import Said

MODEL_FILE = "course_gpt.pt"


class CourseModelError(Said, RuntimeError):
    """The shipped course model cannot be used; the catalogue's `key` with `values` (str() in the learner's language)."""

    def __init__(self, key: str, **values: object) -> None:
        self.said(key, **values)
        super().__init__(self.text("en"))


class CourseModelMissing(Said, FileNotFoundError):
    """The shipped model file is not there (`tutor train` makes it)."""

    def __init__(self, key: str, **values: object) -> None:
        self.said(key, **values)
        super().__init__(self.text("en"))

# 4 layers x 4 heads x 128 wide (nanoGPT's CPU quick-start size) with a 128-token context:
# ~1.2 M parameters, 2.4 MB in float16. Dropout 0.2: ~110k training tokens seen ~18 times
# over-fit quickly otherwise (the train/validation gap opens within a few hundred steps).
COURSE_MODEL = {"block_size": 128, "n_layer": 4, "n_head": 4, "n_embd": 128, "dropout": 0.2, "bias": True}

# CPU threads for training the course model. Fixed, because the float results depend on the
# thread count (so a different count would not reproduce the shipped file bit for bit), and 1
# because on a small, busy machine a tiny model trains fastest on one thread (measured on the
# project's shared 2-core box: 0.8 s per step with 1 thread, 2.8 s with 2).
COURSE_THREADS = 1

# The validation share is 10%, not the lessons' 30%: the course is small (~100k tokens), so
# every token of training text counts, and 10% (~10k tokens) still measures held-out loss well.
# It is the tail of every document (training.split_documents), so it covers every lesson.
COURSE_VAL_FRACTION = 0.1


def course_training_config():
    from tutor.engine.training import TrainConfig

    return TrainConfig(
        max_steps=1000,
        batch_size=16,
        learning_rate=3e-3,
        min_lr=3e-4,
        warmup_steps=50,
        weight_decay=0.1,
        grad_clip=1.0,
        eval_interval=100,
        eval_iters=10,
        sample_interval=300,
        sample_tokens=40,
        seed=1337,
        val_fraction=COURSE_VAL_FRACTION,
    )


def shipped_model_path():
    """The shipped checkpoint, as an importlib.resources Traversable."""
    from importlib.resources import files

    return files("tutor.engine").joinpath("data").joinpath(MODEL_FILE)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def course_token_data(tokenizer=None, val_fraction: float = COURSE_VAL_FRACTION):
    """The course corpus tokenized and split -> (train_ids, val_ids, documents)."""
    from tutor.engine.corpus import build_corpus
    from tutor.engine.tokenizers import get_tokenizer
    from tutor.engine.training import split_documents

    tokenizer = tokenizer or get_tokenizer("course")
    docs = build_corpus()
    if not docs:
        raise CourseModelError("engine.course.no_text")
    ids = tokenizer.encode_batch([d.text for d in docs])
    train, val = split_documents(ids, val_fraction, separator=tokenizer.eot_id)
    return train, val, docs


def train_course_model(
    steps: int | None = None,
    out: str | Path | None = None,
    device: str | None = None,
    cancel=None,
    seed: int | None = None,
    half: bool = True,
    threads: int | None = None,
) -> Iterator:
    """Train the course model, yielding TrainEvents; saves to `out` before the final event.

    Defaults reproduce the shipped model. Returns without saving when cancelled. On the CPU
    the run uses `threads` (default COURSE_THREADS) and restores the previous count after.
    """
    import torch

    from tutor.engine.device import pick_device

    device = pick_device(device)
    threads = COURSE_THREADS if threads is None else int(threads)
    saved = torch.get_num_threads()
    if device == "cpu":
        torch.set_num_threads(threads)
    try:
        yield from _train_course_model(steps, out, device, cancel, seed, half, threads if device == "cpu" else None)
    finally:
        torch.set_num_threads(saved)


def _train_course_model(steps, out, device, cancel, seed, half, threads) -> Iterator:
    from tutor.engine import bpe
    from tutor.engine.corpus import corpus_sha256
    from tutor.engine.model import GPTConfig
    from tutor.engine.tokenizers import get_tokenizer
    from tutor.engine.training import Trainer, evaluate_loss, unigram_loss

    tokenizer = get_tokenizer("course")
    cfg = course_training_config()
    if steps is not None:
        cfg = replace(cfg, max_steps=int(steps))
    if seed is not None:
        cfg = replace(cfg, seed=int(seed))
    train_ids, val_ids, docs = course_token_data(tokenizer, cfg.val_fraction)
    model_config = GPTConfig(vocab_size=tokenizer.n_vocab, **COURSE_MODEL)
    trainer = Trainer(model_config, train_ids, val_ids, cfg, tokenizer=tokenizer, device=device)
    for event in trainer.run(cancel=cancel):
        if event.done and not event.cancelled and out is not None:
            held_out = evaluate_loss(trainer.model, val_ids)
            meta = {
                "created_by": "tutor train",
                "tokenizer": "course",
                "tokenizer_sha256": _sha256(bpe.shipped_path().read_bytes()),
                "corpus_sha256": corpus_sha256(docs),
                "corpus_documents": len(docs),
                "train_tokens": len(train_ids),
                "val_tokens": len(val_ids),
                "val_loss_exact": held_out,
                "unigram_val_loss": unigram_loss(train_ids, val_ids, tokenizer.n_vocab),
                "sample": trainer.sample(60),
                "device": device,
                "cpu_threads": threads,
            }
            import torch

            meta["torch_version"] = str(torch.__version__)
            trainer.save(out, meta=meta, half=half)
        yield event


# ----------------------------------------------------------------------------- loading

_loaded: dict[str, tuple] = {}
_lock = threading.Lock()


def load_pretrained(device: str | None = None):
    """-> (model, tokenizer): the shipped mini GPT (eval mode) and the course tokenizer. Cached."""
    from tutor.engine.device import pick_device
    from tutor.engine.tokenizers import get_tokenizer
    from tutor.engine.training import load_checkpoint

    device = pick_device(device)
    with _lock:
        if device not in _loaded:
            path = shipped_model_path()
            if not path.is_file():
                raise CourseModelMissing("engine.course.missing", file=MODEL_FILE)
            model, meta = load_checkpoint(path, device)
            tokenizer = get_tokenizer("course")
            if model.config.vocab_size != tokenizer.n_vocab:
                raise CourseModelError("engine.course.vocab", model=model.config.vocab_size, tokenizer=tokenizer.n_vocab)
            model.meta = meta  # kept on the object for `tutor engine info` and the labs
            _loaded[device] = (model, tokenizer)
        return _loaded[device]


def pretrained_info() -> dict:
    """The shipped model's config, size and training record, plus whether it is up to date."""
    from dataclasses import asdict

    from tutor.engine import bpe
    from tutor.engine.corpus import build_corpus, corpus_sha256

    model, _ = load_pretrained("cpu")
    meta = dict(getattr(model, "meta", {}))
    info = {
        "config": asdict(model.config),
        "parameters": model.num_params(),
        "file_bytes": len(shipped_model_path().read_bytes()),
        "meta": meta,
    }
    info["tokenizer_matches"] = meta.get("tokenizer_sha256") == _sha256(bpe.shipped_path().read_bytes())
    info["corpus_matches"] = meta.get("corpus_sha256") == corpus_sha256(build_corpus())
    return info
