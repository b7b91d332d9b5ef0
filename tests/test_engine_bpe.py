"""The course BPE: deterministic training, merge history, replay == tiktoken, shipped file."""

from __future__ import annotations

import itertools

import regex

from tutor.engine import bpe
from tutor.engine.corpus import build_corpus, corpus_text
from tutor.engine.tokenizers import GPT2_PAT_STR, get_tokenizer

TEXT = (
    "el token es la unidad; los tokens son unidades. la tokenización divide el texto en tokens.\n"
    "the token is the unit; tokens are units. tokenization splits text into tokens. "
) * 20


def test_training_is_deterministic_and_sized():
    a = bpe.train_bpe([TEXT], vocab_size=300)
    b = bpe.train_bpe([TEXT], vocab_size=300)
    assert a == b
    assert len(a) == 300 - 257
    assert [m.rank for m in a] == list(range(256, 256 + len(a)))
    for m in a:
        assert m.merged == m.left + m.right


def test_first_merge_is_the_most_frequent_pair():
    merges = bpe.train_bpe(["ab ab ab cd"], vocab_size=258)
    assert merges[0].merged == b"ab"


def test_ranks_encoding_and_history_round_trip():
    merges = bpe.train_bpe([TEXT], vocab_size=320)
    ranks = bpe.ranks_from_merges(merges)
    assert len(ranks) == 320 - 1
    assert bpe.merge_history(ranks) == merges
    enc = bpe.make_encoding(ranks)
    assert enc.n_vocab == 320
    assert enc.decode(enc.encode_ordinary(TEXT)) == TEXT


def test_save_and_load_ranks(tmp_path):
    ranks = bpe.ranks_from_merges(bpe.train_bpe([TEXT], vocab_size=280))
    path = bpe.save_ranks(ranks, tmp_path / "x.tiktoken")
    assert bpe.load_ranks(path) == ranks


def test_replay_matches_the_encoder_on_every_course_word():
    tok = get_tokenizer("course")
    ranks = bpe.load_ranks()
    words = sorted(set(regex.findall(GPT2_PAT_STR, corpus_text())))[:3000]
    for word in words:
        steps = bpe.replay(word, ranks)
        expected = [tok.token_bytes(i) for i in tok.encode(word)]
        assert steps[-1].tokens == expected, word


def test_replay_steps_show_each_merge():
    ranks = bpe.load_ranks()
    steps = bpe.replay(" tokenización", ranks)
    assert steps[0].rank is None
    assert steps[0].tokens == [bytes([b]) for b in " tokenización".encode()]
    assert b"".join(steps[-1].tokens) == " tokenización".encode()
    ranks_seen = [s.rank for s in steps[1:] if s.rank is not None]
    assert ranks_seen == sorted(ranks_seen)  # merges apply in rank order
    for before, after in itertools.pairwise(steps):
        assert len(after.tokens) < len(before.tokens)
        if after.rank is not None:
            assert after.merged in after.tokens and after.merged == after.left + after.right
    assert steps[-1].texts[-1].endswith("ción") or len(steps[-1].tokens) <= 3


def test_shipped_tokenizer_is_a_real_bpe_of_this_course():
    tok = get_tokenizer("course")
    assert 2000 <= tok.n_vocab <= 4000
    assert tok.eot_id == tok.n_vocab - 1
    history = bpe.merge_history(bpe.load_ranks())
    assert len(history) == tok.n_vocab - 257
    # Course words are compact: well under one token per 2.5 characters on the course text.
    text = corpus_text(build_corpus())
    assert len(text) / tok.count(text) > 2.5
