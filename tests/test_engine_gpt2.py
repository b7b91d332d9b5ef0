"""Real GPT-2 in the engine: a Hugging Face-layout folder loads into the engine's own GPT.

`transformers` is the independent reference: it writes a tiny random GPT-2 (GPT-2's architecture
and vocabulary, 2 layers x 2 heads x 32 wide) and computes the logits the engine must match.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("transformers")
torch = pytest.importorskip("torch")

from hf_gpt2 import REPO_ID, populate_cache, write_tiny_gpt2  # noqa: E402

from tutor.cli import main  # noqa: E402
from tutor.engine import registry  # noqa: E402
from tutor.engine.model import GPT, count_parameters  # noqa: E402

PROMPT = "The meaning of life is"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return write_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"), seed=3)


@pytest.fixture(scope="module")
def reference(tiny):
    from transformers import GPT2LMHeadModel

    return GPT2LMHeadModel.from_pretrained(tiny).eval()


@pytest.fixture(autouse=True)
def fresh_registry():
    registry.forget_loaded()
    yield
    registry.forget_loaded()


def test_logits_equal_transformers(tiny, reference):
    model = registry.load_hf_gpt2(tiny, "cpu")
    assert isinstance(model, GPT)
    ids = torch.tensor([[464, 3616, 286, 1204, 318, 50256, 11, 0, 50000]])
    with torch.no_grad():
        ours, _ = model(ids)
        theirs = reference(ids).logits
    assert ours.shape == theirs.shape == (1, 9, 50257)
    assert torch.allclose(ours, theirs, atol=1e-4, rtol=0)


def test_config_mapped_and_head_tied(tiny, reference):
    model = registry.load_hf_gpt2(tiny, "cpu")
    c = model.config
    assert (c.n_layer, c.n_head, c.n_embd, c.block_size, c.vocab_size) == (2, 2, 32, 64, 50257)
    assert c.layer_norm_eps == reference.config.layer_norm_epsilon
    assert model.lm_head.weight is model.transformer.wte.weight
    # The Conv1D (in, out) weights were transposed into nn.Linear's (out, in).
    assert model.transformer.h[0].attn.c_attn.weight.shape == (96, 32)
    assert torch.equal(model.transformer.h[1].mlp.c_proj.weight, reference.transformer.h[1].mlp.c_proj.weight.t())


def test_parameter_count_matches(tiny, reference):
    model = registry.load_hf_gpt2(tiny, "cpu")
    theirs = sum(p.numel() for p in reference.parameters())
    assert model.num_params() == theirs == count_parameters(model.config) == 1_635_744
    assert registry.HUB_MODELS["gpt2"].parameters == 124_439_808


def test_greedy_text_identical(tiny, reference):
    from tutor.engine.sampling import generate

    model, tok = registry.load_model(str(tiny), "cpu")
    assert tok.name == "gpt2"
    ours = generate(model, tok, PROMPT, 12, temperature=0.0)
    ids = torch.tensor([tok.encode(PROMPT)])
    theirs = reference.generate(ids, max_new_tokens=12, do_sample=False, pad_token_id=50256)
    assert ours.token_ids == theirs[0, ids.shape[1]:].tolist()
    assert ours.text == tok.decode(theirs[0, ids.shape[1]:].tolist())


def test_refuses_other_architectures_and_activations(tmp_path, tiny):
    def folder_with(**changes):
        data = json.loads((tiny / "config.json").read_text())
        data.update(changes)
        out = tmp_path / "-".join(f"{k}{v}" for k, v in changes.items())
        out.mkdir()
        (out / "config.json").write_text(json.dumps(data))
        (out / "model.safetensors").write_bytes((tiny / "model.safetensors").read_bytes())
        return out

    cases = [
        ({"model_type": "llama", "architectures": ["LlamaForCausalLM"]}, "'llama' model, not GPT-2"),
        ({"activation_function": "relu"}, "activation 'relu'"),
        ({"n_inner": 100}, "n_inner"),
        ({"tie_word_embeddings": False}, "tie_word_embeddings"),
        ({"n_embd": 64}, "do not match its config.json"),
    ]
    for changes, expected in cases:
        with pytest.raises(registry.ModelLoadError, match=expected.replace("(", r"\(")):
            registry.load_hf_gpt2(folder_with(**changes), "cpu")


def test_missing_and_damaged_files_are_explained(tmp_path, tiny):
    with pytest.raises(registry.ModelLoadError, match="no config.json"):
        registry.load_hf_gpt2(tmp_path, "cpu")
    (tmp_path / "config.json").write_text((tiny / "config.json").read_text())
    (tmp_path / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(registry.ModelLoadError, match="pickle"):
        registry.load_hf_gpt2(tmp_path, "cpu")
    data = (tiny / "model.safetensors").read_bytes()
    (tmp_path / "model.safetensors").write_bytes(data[: len(data) // 2])  # a half-written file
    with pytest.raises(registry.ModelLoadError, match="damaged or incomplete"):
        registry.load_hf_gpt2(tmp_path, "cpu")
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(registry.ModelLoadError, match="cannot read"):
        registry.load_hf_gpt2(tmp_path, "cpu")


def test_hub_names_resolve_through_the_cache(hf_cache_isolated, tiny):
    source = registry.resolve("gpt2")
    assert source.kind == "hub" and not source.available
    with pytest.raises(registry.ModelUnavailable, match=r"tutor engine get gpt2.*") as caught:
        registry.load_model("gpt2")
    assert "548.1 MB" in str(caught.value)
    populate_cache(hf_cache_isolated, tiny, REPO_ID)
    source = registry.resolve("gpt2")
    assert source.available and source.label == "gpt2"
    model, tok = registry.load_model("gpt2", "cpu")
    assert model.config.n_layer == 2 and tok.name == "gpt2"
    with pytest.raises(registry.ModelLoadError, match="unknown model"):
        registry.resolve("gpt5")


# ----------------------------------------------------------------------------- the CLI


def test_cli_generate_model_path_greedy(tiny, reference, capsys):
    from tutor.engine.tokenizers import get_tokenizer

    tok = get_tokenizer("gpt2")
    ids = torch.tensor([tok.encode(PROMPT)])
    expected = tok.decode(reference.generate(ids, max_new_tokens=8, do_sample=False, pad_token_id=50256)[0, ids.shape[1]:].tolist())
    assert main(["generate", PROMPT, "--model-path", str(tiny), "--temperature", "0", "--max-tokens", "8"]) == 0
    assert capsys.readouterr().out == PROMPT + expected + "\n"
    # sampling flags pass through: a seed repeats, top-k 1 is greedy again
    assert main(["generate", PROMPT, "--model-path", str(tiny), "-t", "0.9", "--top-k", "1", "--top-p", "0.5",
                 "--max-tokens", "8", "--seed", "4"]) == 0
    assert capsys.readouterr().out == PROMPT + expected + "\n"


def test_cli_generate_and_info_by_name(hf_cache_isolated, tiny, capsys):
    assert main(["generate", "hi", "--model", "gpt2"]) == 2
    err = capsys.readouterr().err
    assert "tutor engine get gpt2" in err and "548.1 MB" in err and err.count("\n") == 1
    populate_cache(hf_cache_isolated, tiny, REPO_ID)
    assert main(["engine", "info", "--model", "gpt2"]) == 0
    out = capsys.readouterr().out
    assert "gpt2: 2 layers, 2 heads, 32 wide, 50,257 tokens (gpt2 tokenizer)" in out
    assert "1,635,744 parameters" in out and "h.*.attn.c_attn" in out and "total               1,635,744" in out


def test_cli_bad_model_path(tmp_path, capsys):
    assert main(["generate", "hi", "--model-path", str(tmp_path)]) == 2
    assert "no config.json" in capsys.readouterr().err
    assert main(["engine", "info", "--model-path", str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_cli_subprocess_model_path(tiny):
    done = subprocess.run(
        [sys.executable, "-m", "tutor", "generate", PROMPT, "--model-path", str(tiny), "--temperature", "0", "--max-tokens", "4"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(PROMPT) and done.stderr == ""


def test_a_cache_under_the_hubs_old_name_is_found(hf_cache_isolated, tiny):
    populate_cache(hf_cache_isolated, tiny, "gpt2")  # models--gpt2, as older downloads named it
    source = registry.resolve("gpt2")
    assert source.available and source.path.parent.parent.name == "models--gpt2"
