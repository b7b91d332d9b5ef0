"""The shipped mini GPT: loads, is the course recipe's, beats a unigram baseline, writes course-like text."""

from __future__ import annotations

import hashlib
import re

import pytest

from tutor.engine import bpe
from tutor.engine.corpus import build_corpus, corpus_text, markdown_to_text
from tutor.engine.pretrained import (
    COURSE_MODEL,
    course_token_data,
    course_training_config,
    load_pretrained,
    shipped_model_path,
    train_course_model,
)
from tutor.engine.sampling import generate
from tutor.engine.training import evaluate_loss, unigram_loss

pytestmark = pytest.mark.skipif(not shipped_model_path().is_file(), reason="no shipped model yet")


@pytest.fixture(scope="module")
def shipped():
    return load_pretrained("cpu")


def test_load_pretrained_is_cached_and_consistent(shipped):
    model, tok = shipped
    assert load_pretrained("cpu") is shipped
    assert tok.name == "course" and model.config.vocab_size == tok.n_vocab
    for key, value in COURSE_MODEL.items():
        assert getattr(model.config, key) == value
    assert not model.training
    size = len(shipped_model_path().read_bytes())
    assert 1_000_000 < size < 10_000_000  # a few MB


def test_shipped_model_records_its_recipe(shipped):
    model, _ = shipped
    meta = model.meta
    assert meta["created_by"] == "tutor train" and meta["tokenizer"] == "course"
    assert meta["tokenizer_sha256"] == hashlib.sha256(bpe.shipped_path().read_bytes()).hexdigest()
    assert meta["steps_done"] == course_training_config().max_steps
    assert meta["train_config"]["seed"] == course_training_config().seed


def test_held_out_loss_beats_unigram_by_a_wide_margin(shipped):
    model, tok = shipped
    train, val, _ = course_token_data(tok)
    assert len(val) > 5000
    model_loss = evaluate_loss(model, val)
    baseline = unigram_loss(train, val, tok.n_vocab)
    # nats per token: the unigram model sits near 6; context must buy well over a nat.
    assert model_loss < baseline - 1.0, (model_loss, baseline)
    assert model_loss < 0.8 * baseline


def test_writes_course_like_text(shipped):
    model, tok = shipped
    vocabulary = set(re.findall(r"\w+", corpus_text().lower()))
    for prompt in ("La atención", "The model", "Un token"):
        text = generate(model, tok, prompt, 60, temperature=0.7, top_k=40, seed=0).text
        words = re.findall(r"[^\W\d_]+", text.lower())
        assert len(words) >= 10, text
        known = sum(w in vocabulary for w in words) / len(words)
        assert known > 0.8, (prompt, text)


def test_course_recipe_is_reproducible():
    # Two short runs of the recipe see the same data, weights and dropout: identical events.
    runs = [list(train_course_model(steps=2)) for _ in range(2)]
    assert [(e.train_loss, e.val_loss, e.sample) for e in runs[0]] == [(e.train_loss, e.val_loss, e.sample) for e in runs[1]]
    assert runs[0][-1].done and runs[0][-1].val_loss is not None


def test_corpus_is_plain_text_of_the_course():
    docs = build_corpus()
    names = [d.name for d in docs]
    es = [n for n in names if n.startswith("lessons/es/")]
    en = [n for n in names if n.startswith("lessons/en/")]
    assert es and en and es == sorted(es) and en == sorted(en)
    assert names[: len(es) + len(en)] == es + en  # a fixed order: the corpus is reproducible
    assert build_corpus() == docs
    text = corpus_text(docs)
    assert "```" not in text
    assert not re.search(r"\*\*[^\W\d][^*\n]*\*\*", text)  # no **bold** left (code's x ** 2 stays)
    md = "# Title\n\nSome **bold**, *it* and [a link](http://x).\n```python\ny = x ** 2 * 3\n```\n"
    assert markdown_to_text(md) == "Title\n\nSome bold, it and a link.\ny = x ** 2 * 3\n"
