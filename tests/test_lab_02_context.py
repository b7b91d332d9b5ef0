"""Lesson 2's lab, driven by keys at 80x24: the token counts are each tokenizer's count of the
text shown, the window shares are those counts over 512 / 2,048 / 8,192, and the path
text -> tokens -> embeddings -> logits uses the mini GPT's real shapes (model.forward_shapes)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from labkit import settle, shown
from textual.widgets import Input, Static

from tutor.app.labs.l02_context import ENCODINGS, WINDOWS
from tutor.engine.pretrained import shipped_model_path
from tutor.engine.tokenizers import estimate_tokens_from_words, get_tokenizer

LESSON = "m1-l02-context-to-deployment"
START = {"screen": "lesson", "lesson_id": LESSON}

needs_model = pytest.mark.skipif(not shipped_model_path().is_file(), reason="the shipped mini GPT is not built yet")


def count_rows(app) -> dict[str, list[str]]:
    """label -> [tokens, share of each window] as drawn in the counts table."""
    rows = {}
    for line in shown(app, "#ctx-counts").splitlines():
        cells = line.split()
        if len(cells) >= 1 + 1 + len(WINDOWS) and cells[-1].endswith("%"):
            label = " ".join(cells[: -1 - len(WINDOWS)])
            rows[label] = cells[-1 - len(WINDOWS) :]
    return rows


def expected_cells(count: int) -> list[str]:
    return [f"{count:,}"] + [f"{count / window:.1%}" for window in WINDOWS]


async def open_lab(pilot) -> None:
    await pilot.press("l")
    await settle(pilot)
    await settle(pilot)


def text_box(app) -> Input:
    return app.screen.query_one("#ctx-text", Input)


# The course's own tokenizer is named in the learner's language (gpt2 and cl100k_base are names).
SHOWN_NAME = {"es": {"course": "curso"}, "en": {}}


def check_counts(app, text: str, estimate_label: str) -> None:
    rows = count_rows(app)
    for name in ENCODINGS:
        label = SHOWN_NAME[app.lang].get(name, name)
        assert rows[label] == expected_cells(get_tokenizer(name).count(text)), name
    assert rows[estimate_label] == expected_cells(estimate_tokens_from_words(text))


def check_path(app, text: str, words: dict[str, str]) -> None:
    from tutor.engine.model import forward_shapes
    from tutor.engine.pretrained import load_pretrained
    from tutor.engine.sampling import next_token_distribution

    model, tokenizer = load_pretrained()
    n = max(1, min(get_tokenizer("course").count(text), model.config.block_size))
    shapes = forward_shapes(model.config, 1, n)

    def fmt(shape: tuple[int, ...]) -> str:
        return "(" + ", ".join(str(v) for v in shape) + ")"  # as Python prints a shape: no separators

    path = [" ".join(line.split()) for line in shown(app, "#ctx-path").splitlines()]
    assert f"↓ {words['tokens']} {fmt(shapes[0][1])}" in path
    assert f"↓ {words['embeddings']} {fmt(shapes[1][1])}" in path
    assert f"↓ {words['logits']} {fmt(shapes[-1][1])}" in path
    assert shapes[0][1] == (1, n) and shapes[1][1] == (1, n, model.config.n_embd)
    assert shapes[-1][1] == (1, n, model.config.vocab_size)
    top = next_token_distribution(model, tokenizer, text, top_n=1)[0].token_text
    assert f"↓ {words['next']} «{repr(top)[1:-1]}»" in path


EN_WORDS = {"tokens": "tokens", "embeddings": "embeddings", "logits": "logits", "next": "next token"}
ES_WORDS = {"tokens": "tokens", "embeddings": "embeddings", "logits": "logits", "next": "siguiente token"}


@needs_model
async def test_counts_windows_and_path_for_the_example(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        await open_lab(pilot)
        assert app.focused is text_box(app)
        text = text_box(app).value
        assert text
        check_counts(app, text, "words × 1.3")
        caption = " ".join(shown(app, "#ctx-counts").split())
        assert f"{len(text.split())} words" in caption
        assert " / ".join(f"{w:,}" for w in WINDOWS) in caption
        check_path(app, text, EN_WORDS)


@needs_model
async def test_typing_a_spanish_text_recounts(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        text = "Cuántos tokens ocupa esta pregunta en español"
        await pilot.press("end", "ctrl+u", *text)
        await settle(pilot)
        assert text_box(app).value == text
        check_counts(app, text, "palabras × 1.3")
        check_path(app, text, ES_WORDS)


@needs_model
async def test_language_switch_redraws(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        text = text_box(app).value
        app.action_switch_lang()  # "e" would type into the text box, which has the focus
        await settle(pilot)
        assert "How much context" in shown(app, ".lab-title")
        check_counts(app, text, "words × 1.3")
        check_path(app, text, EN_WORDS)


@needs_model
async def test_fits_80x24(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        for selector in ("#ctx-counts", "#ctx-path"):
            widget = app.screen.query_one(selector, Static)
            lines = shown(app, selector).rstrip("\n").splitlines()
            assert len(lines) <= widget.region.height, selector
            assert widget.region.bottom <= app.size.height - 1
        # No column of the counts table is cut to an ellipsis at this width.
        assert "…" not in shown(app, "#ctx-counts")


def test_torch_is_not_imported_with_the_lab():
    code = "import tutor.app.labs.l02_context, sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
