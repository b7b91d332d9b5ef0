"""Lesson 6 lab: the mini GPT's attention, driven by keys at 80x24, checked against the engine."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import settle
from labkit import open_lab
from textual.widgets import Input, Static

from tutor.app.labs.base import lab_strings
from tutor.app.labs.l06_attention import (
    LABEL_WIDTH,
    MASKED,
    AttentionLab,
    Heatmap,
    token_label,
)
from tutor.engine import attention_demo

LESSON = "m1-l06-gpt2-attention"
START = {"screen": "lesson", "lesson_id": LESSON}
STRINGS = lab_strings(LESSON)


@pytest.fixture
def mini_gpt(monkeypatch):
    """The shipped mini GPT; a small untrained one with the course tokenizer if it is not built yet."""
    from tutor.engine import pretrained

    if not pretrained.shipped_model_path().is_file():
        import torch

        from tutor.engine.model import GPT, GPTConfig
        from tutor.engine.tokenizers import get_tokenizer

        tokenizer = get_tokenizer("course")
        torch.manual_seed(0)
        model = GPT(GPTConfig(vocab_size=tokenizer.n_vocab, block_size=64, n_layer=2, n_head=2, n_embd=32)).eval()
        monkeypatch.setattr(pretrained, "load_pretrained", lambda device=None: (model, tokenizer))
    return pretrained.load_pretrained()


def shown(lab: AttentionLab, selector: str) -> str:
    content = lab.query_one(selector, Static).content
    return getattr(content, "plain", str(content))


def detail_rows(lab: AttentionLab) -> dict[str, list[str]]:
    """The detail pane's key rows: token label -> the numbers shown after it."""
    rows = {}
    for line in shown(lab, "#att-detail").splitlines()[2:]:
        parts = line.split()
        numbers = [p for p in parts[1:] if not set(p) <= {"█"}]
        if numbers and all(is_number(p) for p in numbers):
            rows[parts[0]] = numbers
    return rows


def is_number(text: str) -> bool:
    try:
        float(text.replace("−∞", "-inf"))
    except ValueError:
        return False
    return True


def check_row(lab: AttentionLab, weights: list[float], labels: list[str], query: int) -> None:
    rows = detail_rows(lab)
    assert rows, "the picked token's weights are listed"
    for label, numbers in rows.items():
        key = next(k for k in range(query + 1) if token_label(labels[k])[:7] == label)
        assert numbers[-1] == f"{weights[key]:.3f}"
    # the heaviest key is always listed
    heaviest = max(range(query + 1), key=lambda k: weights[k])
    assert token_label(labels[heaviest])[:7] in rows


async def test_heatmap_layers_heads_and_tokens_match_the_engine(run_app, mini_gpt):
    model, tokenizer = mini_gpt
    sentence = STRINGS["en"]["sentence"]
    ids = tokenizer.encode(sentence)
    inspection = model.inspect(ids)
    labels = [tokenizer.token_text(i) for i in inspection.tokens]
    n_layer, n_head = model.config.n_layer, model.config.n_head
    last = len(ids) - 1

    async with run_app(lang="en", start=START) as (app, pilot):
        lab = await open_lab(pilot)
        assert isinstance(app.focused, Heatmap), "the keys work at once: the heatmap has the focus"
        assert lab.view is not None and lab.view.labels == labels
        assert shown(lab, "#att-status").startswith(f"Layer 1/{n_layer} · Head 1/{n_head}")
        assert f"{len(ids)} tokens" in shown(lab, "#att-status")
        # The last token is picked first: it may look at every token.
        assert f"(#{last}) looks at:" in shown(lab, "#att-detail")
        check_row(lab, inspection.attention[0][0][last], labels, last)

        await pilot.press("y", "h")
        await pilot.pause()
        layer, head = 1 % n_layer, 1 % n_head
        assert shown(lab, "#att-status").startswith(f"Layer {layer + 1}/{n_layer} · Head {head + 1}/{n_head}")
        check_row(lab, inspection.attention[layer][head][last], labels, last)

        await pilot.press("up", "up")
        await pilot.pause()
        query = last - 2
        assert f"'{token_label(labels[query])}' (#{query}) looks at:" in shown(lab, "#att-detail")
        check_row(lab, inspection.attention[layer][head][query], labels, query)

        # The causal mask: each row shows keys up to the last query row drawn; the keys after
        # its own query are masked, and only those.
        rows = {}
        for line in shown(lab, "#att-map").splitlines()[1:]:
            q = int(line[:2])
            cells = line[LABEL_WIDTH + 1 :]
            rows[q] = [cells[i : i + 2] for i in range(0, len(cells), 2)]
            if "▶" in line:
                assert q == query
        assert query in rows
        last_shown = max(rows)
        for q, cells in rows.items():
            masked = [cell == MASKED for cell in cells]
            assert masked == sorted(masked), "masked cells come after the visible ones"
            assert sum(masked) == last_shown - q


async def test_typing_a_sentence_recomputes_it(run_app, mini_gpt):
    model, tokenizer = mini_gpt
    text = "la casa azul"
    ids = tokenizer.encode(text)
    inspection = model.inspect(ids)
    labels = [tokenizer.token_text(i) for i in inspection.tokens]

    async with run_app(lang="en", start=START) as (app, pilot):
        lab = await open_lab(pilot)
        await pilot.press("t")
        field = app.screen.query_one("#att-input", Input)
        assert app.focused is field
        await pilot.press("ctrl+u", *[("space" if ch == " " else ch) for ch in text])
        await settle(pilot)
        assert field.value == text
        assert lab.view.labels == labels
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.focused, Heatmap), "Enter hands the keys back to the heatmap"
        last = len(ids) - 1
        check_row(lab, inspection.attention[0][0][last], labels, last)


async def test_worked_example_shows_scores_before_and_after_softmax(run_app):
    result = attention_demo.example()
    async with run_app(lang="es", start=START) as (app, pilot):
        lab = await open_lab(pilot)
        await pilot.press("x")
        await pilot.pause()
        status = shown(lab, "#att-status")
        assert status.startswith(f"Ejemplo resuelto: {len(result.tokens)} tokens, d_k = {result.d_k}")
        await pilot.press("up", "up")  # from the last token to "perro"
        await pilot.pause()
        query = len(result.tokens) - 3
        assert f"«{result.tokens[query]}» (#{query}) mira a:" in shown(lab, "#att-detail")
        rows = detail_rows(lab)
        for k, token in enumerate(result.tokens):
            raw, scaled, weight = rows[token]
            assert raw == f"{result.raw_scores[query][k]:.3f}"
            assert weight == f"{result.weights[query][k]:.3f}"
            assert scaled == ("−∞" if k > query else f"{result.scaled_scores[query][k]:.3f}")
        await pilot.press("y")
        await pilot.pause()
        assert any("una sola capa" in str(n.message) for n in app._notifications)
        await pilot.press("x")  # back to the mini GPT
        await settle(pilot)
        assert shown(lab, "#att-status").startswith("Capa 1/")


async def test_language_switch_follows_the_untouched_sentence(run_app, mini_gpt):
    _model, tokenizer = mini_gpt
    async with run_app(lang="es", start=START) as (app, pilot):
        lab = await open_lab(pilot)
        assert app.screen.query_one("#att-input", Input).value == STRINGS["es"]["sentence"]
        assert shown(lab, ".lab-title") == STRINGS["es"]["title"] + " · mini GPT"  # the model is named
        await pilot.press("e")
        await settle(pilot)
        assert shown(lab, ".lab-title") == STRINGS["en"]["title"] + " · mini GPT"
        assert app.screen.query_one("#att-input", Input).value == STRINGS["en"]["sentence"]
        assert lab.view.labels == [tokenizer.token_text(i) for i in tokenizer.encode(STRINGS["en"]["sentence"])]


async def test_scores_before_softmax_are_listed_when_the_engine_gives_them(run_app, mini_gpt, monkeypatch):
    """An Inspection with a `scores` field (same shape as attention) adds a column of them."""
    from types import SimpleNamespace

    model, tokenizer = mini_gpt
    real = model.inspect(tokenizer.encode(STRINGS["en"]["sentence"]))
    # Stand-in numbers for the engine's scores: any values of the right shape, masked as -inf.
    scores = [
        [[[float(q * 100 + k) if k <= q else float("-inf") for k in range(len(row))] for q, row in enumerate(head)] for head in layer]
        for layer in real.attention
    ]
    fake = SimpleNamespace(tokens=real.tokens, attention=real.attention, scores=scores)
    monkeypatch.setattr(model, "inspect", lambda ids: fake)
    async with run_app(lang="en", start=START) as (_app, pilot):
        lab = await open_lab(pilot)
        detail = shown(lab, "#att-detail")
        assert STRINGS["en"]["col.score"] in detail.splitlines()[1]
        assert STRINGS["en"]["no_scores"] not in detail
        last = len(real.tokens) - 1
        for label, (score, weight) in detail_rows(lab).items():
            key = next(k for k in range(last + 1) if token_label(lab.view.labels[k])[:7] == label)
            assert score == f"{scores[0][0][last][key]:.3f}"
            assert weight == f"{real.attention[0][0][last][key]:.3f}"


def test_both_languages_have_the_same_strings():
    assert set(STRINGS["es"]) == set(STRINGS["en"])


def test_importing_the_lab_does_not_load_torch():
    code = "import sys, tutor.app.labs.l06_attention; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
