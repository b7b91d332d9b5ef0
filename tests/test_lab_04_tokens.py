"""Lesson 4's lab, driven by keys at 80x24: what each view shows is what the engine returns.

Views (Tab cycles): tokenizer playground, BPE replay, colour arithmetic, word analogies, and the
mini GPT's embedding neighbours and map (that one needs the shipped model file).
"""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from labkit import settle
from rich.console import Console
from textual.widgets import Input, Static

from tutor.engine import bpe, embeddings
from tutor.engine.pretrained import shipped_model_path
from tutor.engine.tokenizers import get_tokenizer

LESSON = "m1-l04-tokenization"
ENCODINGS = ("gpt2", "cl100k_base", "course")
START = {"screen": "lesson", "lesson_id": LESSON}

needs_model = pytest.mark.skipif(not shipped_model_path().is_file(), reason="the shipped mini GPT is not built yet")


# -- helpers --------------------------------------------------------------------------------------


def shown(app, selector: str) -> str:
    """A Static's content as the learner sees it, rendered at the widget's own width."""
    widget = app.screen.query_one(selector, Static)
    console = Console(width=max(widget.size.width, 20), file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


def lines(app, selector: str) -> list[str]:
    return [" ".join(line.split()) for line in shown(app, selector).splitlines()]


def lab(app):
    return app.screen.query_one("TokensLab")


async def open_lab(pilot) -> None:
    await pilot.press("l")
    await settle(pilot)
    await settle(pilot)


async def type_into_focused(pilot, text: str) -> None:
    """Replace the focused input's text by typing, as a learner would."""
    await pilot.press("end", "ctrl+u", *text)
    await settle(pilot)


def visible_ids(ids: list[int]) -> str:
    return " ".join(str(i) for i in ids)


# -- 1. tokenizer playground ----------------------------------------------------------------------


async def test_playground_counts_and_ids_come_from_each_tokenizer(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        await open_lab(pilot)
        box = app.focused
        assert isinstance(box, Input) and box.id == "play-input"
        example = box.value
        assert example
        rows = lines(app, "#play-tokens")
        for name in ENCODINGS:
            n = get_tokenizer(name).count(example)
            assert any(row.startswith(f"{name} {n} tokens") for row in rows), (name, rows)

        await type_into_focused(pilot, "Hola mundo")
        assert box.value == "Hola mundo"
        rows = lines(app, "#play-tokens")
        for name in ENCODINGS:
            tok = get_tokenizer(name)
            pieces = tok.pieces("Hola mundo")
            index = next(i for i, row in enumerate(rows) if row.startswith(name + " "))
            assert rows[index].startswith(f"{name} {len(pieces)} tokens")
            # The coloured tokens spell the text, and the ids line lists the real ids in order.
            assert rows[index].endswith("Hola mundo")
            assert rows[index + 1] == f"ids {visible_ids(tok.encode('Hola mundo'))}"


async def test_each_token_is_coloured_by_its_span(run_app):
    from tutor.app.labs.l04_tokens import token_style, tokenize_view

    async with run_app(lang="en", start=START) as (app, pilot):
        await open_lab(pilot)
        await type_into_focused(pilot, "unbelievable tokens")
        view = lab(app).play
        for name in ENCODINGS:
            pieces = get_tokenizer(name).pieces("unbelievable tokens")
            assert [(p.id, p.text) for p in view.pieces[name]] == [(p.id, p.text) for p in pieces]
        # The drawn row for the course tokenizer: one styled span per token, alternating colours.
        table = app.screen.query_one("#play-tokens", Static).content
        coloured = list(table.columns[2].cells)[4]  # course is the third encoding: rows 0..5
        spans = [(coloured.plain[s.start : s.end], str(s.style)) for s in coloured.spans]
        pieces = get_tokenizer("course").pieces("unbelievable tokens")
        assert spans == [(p.text, token_style(i)) for i, p in enumerate(pieces)]
        assert len({style for _t, style in spans[:2]}) == 2  # neighbours never share a colour
        assert tokenize_view("unbelievable tokens", ("a", "b")).pieces["course"] == pieces


async def test_spanish_against_english_cost(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        for _ in range(2):  # the first pair, then ↓ for the next one
            es, en = lab(app).pair()
            rows = lines(app, "#play-pair")
            es_counts = [get_tokenizer(n).count(es) for n in ENCODINGS]
            en_counts = [get_tokenizer(n).count(en) for n in ENCODINGS]
            assert rows[0].endswith("gpt2 cl100k_base curso")  # the course tokenizer named in Spanish
            assert rows[1] == f"ES «{es}» " + " ".join(map(str, es_counts))
            assert rows[2] == f"EN «{en}» " + " ".join(map(str, en_counts))
            ratios = " ".join(f"×{a / b:.2f}" for a, b in zip(es_counts, en_counts))
            assert rows[3].endswith(ratios)
            await pilot.press("down")
            await settle(pilot)
        assert lab(app).pair_index == 2


# -- 2. BPE replay --------------------------------------------------------------------------------


async def test_bpe_replay_steps_forward_and_back(run_app):
    from tutor.app.labs.l04_tokens import show_bytes

    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        await pilot.press("tab")
        await settle(pilot)
        assert app.focused.id == "bpe-input"
        word = app.focused.value
        steps = bpe.replay(word)

        def tokens_row() -> str:
            return lines(app, "#bpe-steps")[1]

        def expected(k: int) -> str:
            return " ".join(show_bytes(t) for t in steps[k].tokens) + f" {len(steps[k].tokens)} tokens"

        assert lines(app, "#bpe-steps")[0].startswith(f"Paso 0/{len(steps) - 1}")
        assert tokens_row() == expected(0)
        for k in (1, 2, 3):
            await pilot.press("down")
            await pilot.pause()
            assert tokens_row() == expected(k)
            step = steps[k]
            assert f"nº {step.rank}" in lines(app, "#bpe-steps")[0]
            assert f"«{show_bytes(step.left)}» + «{show_bytes(step.right)}» → «{show_bytes(step.merged)}»" in lines(app, "#bpe-steps")[0]
        await pilot.press("up")
        await pilot.pause()
        assert tokens_row() == expected(2)
        await pilot.press("pagedown")
        await pilot.pause()
        last = len(steps) - 1
        assert tokens_row() == expected(last)
        ids = get_tokenizer("course").encode(word)
        assert any(row.endswith(f"ids {visible_ids(ids)}") for row in lines(app, "#bpe-steps"))
        # The last step's tokens are what the encoder returns.
        assert [get_tokenizer("course").token_bytes(i) for i in ids] == steps[last].tokens
        await pilot.press("pageup")
        await pilot.pause()
        assert tokens_row() == expected(0)

        await type_into_focused(pilot, "gato")
        steps = bpe.replay("gato")
        assert tokens_row() == expected(0)
        await pilot.press("pagedown")
        await pilot.pause()
        assert tokens_row() == expected(len(steps) - 1)


# -- 3. colour arithmetic -------------------------------------------------------------------------


def swatch_styles(content) -> list[str]:
    return [str(span.style) for span in content.spans if str(span.style).startswith("on #")]


async def test_colour_arithmetic_with_swatches(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        await pilot.press("tab", "tab")
        await settle(pilot)
        assert app.focused.id == "colour-input"
        result = embeddings.colour_arithmetic(app.focused.value)
        text = shown(app, "#colour-sum")
        assert f"= {result.raw}" in text
        assert result.nearest.es in text
        content = app.screen.query_one("#colour-sum", Static).content
        assert swatch_styles(content) == [f"on {c.hex}" for _s, c in result.terms] + [f"on {result.nearest.hex}"]

        # The learner's own sum, with English names: the sum leaves [0, 255] and is clipped.
        await type_into_focused(pilot, "red + orange")
        result = embeddings.colour_arithmetic("red + orange")
        assert result.raw != result.clipped
        text = shown(app, "#colour-sum")
        assert f"= {result.raw}" in text
        assert f"{result.clipped}" in text
        assert result.nearest.es in text  # named in the learner's language
        content = app.screen.query_one("#colour-sum", Static).content
        assert f"on {result.hex}" in swatch_styles(content)

        await type_into_focused(pilot, "rojo + tomate")
        assert "tomate" in shown(app, "#colour-sum")

        await pilot.press("down")  # the next example of the strings, evaluated
        await settle(pilot)
        value = app.focused.value
        assert value == lab(app).examples("colour")[1]
        assert f"= {embeddings.colour_arithmetic(value).raw}" in shown(app, "#colour-sum")


# -- 4. word analogies ----------------------------------------------------------------------------


async def test_word_analogies_show_the_engines_neighbours(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        await open_lab(pilot)
        await pilot.press("tab", "tab", "tab")
        await settle(pilot)
        assert app.focused.id == "words-input"
        for expression in (app.focused.value, "mom - gender"):
            if expression != app.focused.value:
                await type_into_focused(pilot, expression)
            result = embeddings.word_arithmetic(expression, k=5)
            near = lines(app, "#words-neighbours")
            for (word, cos), row in zip(result.neighbours, near[1:]):
                assert row.startswith(f"{word.en} {cos:.3f}")
            table = lines(app, "#words-table")
            # One row per axis: the result column is the sum of the terms.
            for axis, value in zip(embeddings.AXES, result.vector):
                row = next(r for r in table if r.startswith(axis[1] + " "))
                assert row.split()[-1] == ("·" if value == 0 else f"{value:+.0f}" if float(value).is_integer() else f"{value:+.1f}")
        assert lines(app, "#words-neighbours")[1].startswith("parent ")

        await type_into_focused(pilot, "king - dragon")
        assert "dragon" in shown(app, "#words-table")


# -- 5. the mini GPT's embeddings -----------------------------------------------------------------


@needs_model
async def test_embedding_neighbours_and_map(run_app):
    from tutor.app.labs.l04_tokens import NEIGHBOURS, query_token
    from tutor.engine.pretrained import load_pretrained

    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        await pilot.press("tab", "tab", "tab", "tab")
        await settle(pilot)
        await settle(pilot)
        assert app.focused.id == "map-input"
        model, tokenizer = load_pretrained()
        matrix = model.transformer.wte.weight
        word = app.focused.value
        token_id, _pieces = query_token(tokenizer, word)
        expected = embeddings.nearest_neighbours(matrix, token_id, k=NEIGHBOURS)
        rows = shown(app, "#map-neighbours").splitlines()
        assert rows[0].strip().endswith(f"id {token_id}")
        assert rows[1].strip() == "Vecinos (coseno)"
        shown_cosines = [float(row.split()[-1]) for row in rows[2:] if row.strip()]
        assert shown_cosines == [round(cos, 3) for _i, cos in expected]
        view = lab(app).mapped
        # The map is a PCA of the rows the lab fitted it on: the most used tokens plus the drawn ones.
        assert token_id in view.fit_ids and set(view.frequent) <= set(view.fit_ids)
        projection = embeddings.project_2d(matrix[view.fit_ids])
        assert view.points[token_id] == pytest.approx(projection.points[view.fit_ids.index(token_id)])
        pc1, pc2 = projection.explained_variance
        assert f"{pc1:.0%} + {pc2:.0%} de la varianza" in " ".join(shown(app, "#map-grid").split())
        # ↓ moves the query through the tokens on the map.
        await pilot.press("down")
        await settle(pilot)
        first = view.frequent[0]
        assert lab(app).mapped.token_id == query_token(tokenizer, tokenizer.token_text(first).strip())[0]


async def test_map_view_says_it_is_loading_then_answers(run_app, monkeypatch):
    import threading

    from tutor.app.labs import l04_tokens

    release = threading.Event()
    real_map_view = l04_tokens.map_view

    def slow_map_view(query, *model):  # the first load of torch and the model, held open by the test
        release.wait(10)
        return real_map_view(query, *model)

    monkeypatch.setattr(l04_tokens, "map_view", slow_map_view)
    async with run_app(lang="en", start=START) as (app, pilot):
        await open_lab(pilot)
        await pilot.press("tab", "tab", "tab", "tab")
        await pilot.pause()
        assert "Loading the mini GPT (torch)" in " ".join(shown(app, "#map-neighbours").split())
        await pilot.press("tab")  # the screen keeps answering keys meanwhile
        await pilot.pause()
        assert app.focused.id == "play-input"
        release.set()
        await settle(pilot)
        later = shown(app, "#map-neighbours")
        if shipped_model_path().is_file():
            assert "Neighbours (cosine)" in later
        else:
            assert "missing" in later  # says so, never a crash


# -- keys, language, size -------------------------------------------------------------------------


async def test_tab_cycles_the_views_and_the_keys_follow(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        await open_lab(pilot)
        ids = []
        for _ in range(5):
            ids.append(app.focused.id)
            await pilot.press("tab")
            await pilot.pause()
        assert ids == ["play-input", "bpe-input", "colour-input", "words-input", "map-input"]
        assert app.focused.id == "play-input"  # round again
        await pilot.press("shift+tab")
        await pilot.pause()
        assert app.focused.id == "map-input"
        await settle(pilot)


async def test_switching_language_redraws_and_swaps_untouched_examples(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        await pilot.press("tab")  # BPE view
        await settle(pilot)
        assert app.focused.value == "tokenización"
        assert "Laboratorio" in shown(app, "#tl-title")
        await type_into_focused(pilot, "gato")
        app.action_switch_lang()
        await settle(pilot)
        assert "Lab ·" in shown(app, "#tl-title")
        assert lines(app, "#bpe-steps")[0].startswith("Step 0/")
        assert app.screen.query_one("#bpe-input", Input).value == "gato"  # the learner's own word stays
        assert app.screen.query_one("#play-input", Input).value == "Spanish spends more tokens 🙂"
        assert app.screen.query_one("#colour-input", Input).value == "yellow - green + blue"


async def test_every_view_fits_80x24(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        views = ["play", "bpe", "colour", "words"] + (["map"] if shipped_model_path().is_file() else [])
        for view in views:
            hint = app.screen.query_one("#tl-hint", Static)
            assert hint.region.bottom <= app.size.height - 1  # above the footer
            assert hint.region.height == 1
            container = app.screen.query_one(f"#view-{view}")
            for static in container.query(Static):
                needed = len(shown(app, f"#{static.id}").rstrip("\n").splitlines())
                assert needed <= static.region.height, (view, static.id)
                assert static.region.bottom <= hint.region.y, (view, static.id)
            await pilot.press("tab")
            await settle(pilot)
            await settle(pilot)


def test_torch_is_not_imported_with_the_lab():
    code = "import tutor.app.labs.l04_tokens, sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_strings_have_the_same_keys_in_both_languages():
    from tutor.app.labs.base import lab_strings

    table = lab_strings(LESSON)
    assert set(table["es"]) == set(table["en"])
    assert table["es"]["pairs"] == table["en"]["pairs"]  # the same sentences compared in both
