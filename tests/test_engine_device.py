"""Device choice and the CPU thread policy for small models."""

from __future__ import annotations

import threading

import pytest
import torch

from tutor.engine.device import pick_device, small_model_threads
from tutor.engine.model import GPT, GPTConfig


def test_auto_picks_an_available_device():
    name = pick_device(None)
    assert pick_device("auto") == name
    if torch.cuda.is_available():
        assert name == "cuda"
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        assert name == "mps"
    else:
        assert name == "cpu"


def test_explicit_devices():
    assert pick_device("cpu") == "cpu"
    assert pick_device(" CPU ") == "cpu"
    with pytest.raises(ValueError, match="unknown device"):
        pick_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA"):
            pick_device("cuda")
    else:
        with pytest.raises(ValueError):
            pick_device(f"cuda:{torch.cuda.device_count()}")


def test_small_model_threads_is_scoped_and_nests():
    model = GPT(GPTConfig(vocab_size=50, block_size=8, n_layer=1, n_head=1, n_embd=8))
    before = torch.get_num_threads()
    with small_model_threads(model):
        assert torch.get_num_threads() == 1
        with small_model_threads(model):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_small_model_threads_from_several_threads():
    model = GPT(GPTConfig(vocab_size=50, block_size=8, n_layer=1, n_head=1, n_embd=8))
    before = torch.get_num_threads()
    start = threading.Barrier(4)

    def work():
        start.wait()
        for _ in range(50):
            with small_model_threads(model), torch.no_grad():
                model(torch.zeros(1, 4, dtype=torch.long))

    workers = [threading.Thread(target=work) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert torch.get_num_threads() == before


def test_big_models_keep_their_threads():
    with torch.device("meta"):
        model = GPT(GPTConfig(vocab_size=50257, block_size=64, n_layer=2, n_head=4, n_embd=512))
    before = torch.get_num_threads()
    with small_model_threads(model):  # on the meta device (not CPU) and 20M+ parameters
        assert torch.get_num_threads() == before
