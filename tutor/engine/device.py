"""Which device the engine runs on: a GPU when torch sees one (CUDA, then Apple MPS), else CPU."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tutor.i18n import Said, say

VALID_PREFIXES = ("cpu", "cuda", "mps")


class DeviceError(Said, ValueError):
    """A device torch cannot use; the catalogue's `key` with `values` (str() in the learner's language)."""

    def __init__(self, key: str, **values: object) -> None:
        self.said(key, **values)
        super().__init__(self.text("en"))


def pick_device(name: str | None = None) -> str:
    """"cuda" / "mps" / "cpu" automatically, or the device `name` asks for ("cuda:1" too).

    `name` comes from `--device`; "auto" or None means choose. Asking for a device torch
    cannot use raises ValueError with the reason, rather than failing later mid-training.
    """
    import torch

    if name is None or name == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "mps"
        return "cpu"
    name = name.strip().lower()
    kind = name.split(":", 1)[0]
    if kind not in VALID_PREFIXES:
        raise DeviceError("engine.device.unknown", name=repr(name))
    if kind == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError("engine.device.no_cuda")
        if ":" in name:
            index = name.split(":", 1)[1]
            if not index.isdigit() or int(index) >= torch.cuda.device_count():
                raise DeviceError("engine.device.no_such_cuda", name=repr(name), n=torch.cuda.device_count())
    if kind == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise DeviceError("engine.device.no_mps")
    return name


def describe_device(name: str) -> str:
    """A short human description, e.g. 'cpu (2 threads)' or 'cuda (NVIDIA H100)', in the message language."""
    import torch

    if name.startswith("cuda"):
        return f"{name} ({torch.cuda.get_device_name(torch.device(name))})"
    if name == "cpu":
        n = torch.get_num_threads()
        return say("engine.train.cpu_threads" if n > 1 else "engine.train.cpu_thread", n=n)
    return name


# Small models on CPU: one thread is faster for per-token work. A single token through a
# ~1M-parameter GPT is ~100 tiny ops; splitting each across threads costs a synchronisation per
# op, and on a busy machine (other processes on the cores) every one of those waits for a
# descheduled thread: measured 40-90 ms per token with 2 threads vs 3-4 ms with 1 on a shared
# 2-core box. Training batches are big enough to gain from threads and are left alone.
SMALL_MODEL_PARAMS = 20_000_000

_threads_lock = threading.Lock()
_threads_users = 0
_threads_saved = 0


@contextmanager
def small_model_threads(model) -> Iterator[None]:
    """Run the block with one CPU thread if `model` is small and on the CPU (else do nothing).

    Reference-counted, so overlapping uses from several worker threads restore the original
    thread count exactly once, when the last one leaves.
    """
    global _threads_users, _threads_saved
    import torch

    param = next(model.parameters(), None)
    small = param is not None and param.device.type == "cpu" and sum(p.numel() for p in model.parameters()) < SMALL_MODEL_PARAMS
    if not small:
        yield
        return
    with _threads_lock:
        if _threads_users == 0:
            _threads_saved = torch.get_num_threads()
            if _threads_saved > 1:
                torch.set_num_threads(1)
        _threads_users += 1
    try:
        yield
    finally:
        with _threads_lock:
            _threads_users -= 1
            if _threads_users == 0 and _threads_saved > 1:
                torch.set_num_threads(_threads_saved)
