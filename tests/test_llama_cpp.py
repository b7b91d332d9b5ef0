"""The exported GGUF in llama.cpp itself: same token ids, same logits, same greedy text as the engine.

Not in CI's default run: llama.cpp's Python binding builds from source (minutes of compiling).
Opt in with
    pip install llama-cpp-python
    TUTOR_LLAMA_CPP=1 python -m pytest -q tests/test_llama_cpp.py
"""

from __future__ import annotations

import os

import pytest

pytestmark = [
    pytest.mark.llama_cpp,
    pytest.mark.skipif(os.environ.get("TUTOR_LLAMA_CPP") != "1", reason="set TUTOR_LLAMA_CPP=1 to check against llama.cpp"),
]

PROMPTS = ["La atención", "Attention lets each token", "El entrenamiento de un modelo"]
NEW_TOKENS = 40


@pytest.fixture(scope="module")
def engine_and_llama(tmp_path_factory):
    llama_cpp = pytest.importorskip("llama_cpp")
    from tutor.engine import export
    from tutor.engine.pretrained import load_pretrained

    model, tok = load_pretrained("cpu")
    out = tmp_path_factory.mktemp("llama") / "course.gguf"
    export.export_gguf(out, model, tok, dtype="f32")
    llm = llama_cpp.Llama(model_path=str(out), n_ctx=model.config.block_size, n_threads=1, logits_all=True, verbose=False)
    return model, tok, llm


@pytest.mark.parametrize("prompt", PROMPTS)
def test_llama_cpp_tokenizes_like_the_engine(engine_and_llama, prompt):
    _, tok, llm = engine_and_llama
    assert llm.tokenize(prompt.encode(), add_bos=False, special=False) == tok.encode(prompt)


@pytest.mark.parametrize("prompt", PROMPTS)
def test_llama_cpp_greedy_text_equals_tutor_generate(engine_and_llama, prompt):
    import torch

    from tutor.engine.sampling import generate

    model, tok, llm = engine_and_llama
    ids = tok.encode(prompt)
    want = generate(model, tok, prompt, NEW_TOKENS, temperature=0, stop_at_end=False).token_ids
    llm.reset()
    got = []
    for token in llm.generate(ids, top_k=1, temp=0.0, repeat_penalty=1.0, reset=True):
        got.append(token)
        if len(got) == NEW_TOKENS:
            break
    assert got == want, (tok.decode(got), tok.decode(want))

    # And the numbers behind it: llama.cpp's last-position logits match the engine's.
    llm.reset()
    llm.eval(ids)
    theirs = torch.tensor(llm.scores[len(ids) - 1])
    with torch.no_grad():
        ours = model(torch.tensor([ids]))[0][0, -1]
    # llama.cpp's CPU kernels sum in another order: about 1e-3 apart on logits of size ~8 (relative 1e-4).
    assert torch.allclose(theirs, ours, atol=1e-3, rtol=1e-3), (theirs - ours).abs().max()


def test_a_gpt2_folder_exports_to_the_same_greedy_text(tmp_path):
    """GPT-2's layout and 50,257-token vocabulary too (a tiny random GPT-2 written by transformers)."""
    llama_cpp = pytest.importorskip("llama_cpp")
    pytest.importorskip("transformers")
    from hf_gpt2 import write_tiny_gpt2

    from tutor.engine import export, registry
    from tutor.engine.sampling import generate

    folder = write_tiny_gpt2(tmp_path / "tiny")
    model, tok = registry.load_model(str(folder), "cpu")
    out = export.export_gguf(tmp_path / "tiny.gguf", model, tok, dtype="f32").gguf_path
    llm = llama_cpp.Llama(model_path=str(out), n_ctx=model.config.block_size, n_threads=1, verbose=False)
    prompt = "The meaning of life is, isn't it? 1234 words"
    ids = tok.encode(prompt)
    assert llm.tokenize(prompt.encode(), add_bos=False, special=False) == ids
    want = generate(model, tok, prompt, 12, temperature=0, stop_at_end=False).token_ids
    got = []
    for token in llm.generate(ids, top_k=1, temp=0.0, repeat_penalty=1.0, reset=True):
        got.append(token)
        if len(got) == 12:
            break
    assert got == want
    registry.forget_loaded()
