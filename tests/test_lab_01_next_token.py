"""Lesson 1's lab, driven by keys at 80x24: the bars are the mini GPT's next-token distribution
for the prompt shown (sampling.next_token_distribution), Enter takes the top token, s samples,
u undoes, +/- change the temperature the bars are computed at."""

from __future__ import annotations

import subprocess
import sys

import pytest
from labkit import settle, shown
from textual.widgets import Input, Static

from tutor.app.labs.l01_next_token import BAR_WIDTH, TOP_N
from tutor.engine.pretrained import shipped_model_path

LESSON = "m1-l01-inside-llms"
START = {"screen": "lesson", "lesson_id": LESSON}

needs_model = pytest.mark.skipif(not shipped_model_path().is_file(), reason="the shipped mini GPT is not built yet")


def status(app) -> str:
    return " ".join(shown(app, "#nt-status").split())


def bar_rows(app) -> list[tuple[str, int, str]]:
    """(token label, bar length, percentage) for each bar, as drawn."""
    rows = []
    for line in shown(app, "#nt-bars").splitlines():
        if not line.strip():
            continue
        label = line[line.index("«") + 1 : line.rindex("»")]
        rows.append((label, line.count("█"), line.split()[-1]))
    return rows


def expected_rows(text: str, temperature: float) -> list[tuple[str, int, str]]:
    from tutor.engine.pretrained import load_pretrained
    from tutor.engine.sampling import next_token_distribution

    model, tokenizer = load_pretrained()
    candidates = next_token_distribution(model, tokenizer, text, top_n=TOP_N, temperature=temperature)
    top = candidates[0].prob
    return [
        (repr(c.token_text)[1:-1], max(1, round(BAR_WIDTH * c.prob / top)), f"{c.prob:.1%}") for c in candidates
    ]


def top_token(text: str) -> str:
    from tutor.engine.pretrained import load_pretrained
    from tutor.engine.sampling import next_token_distribution

    model, tokenizer = load_pretrained()
    return next_token_distribution(model, tokenizer, text, top_n=1)[0].token_text


def prompt(app) -> Input:
    return app.screen.query_one("#nt-prompt", Input)


async def open_lab(pilot) -> None:
    await pilot.press("l")
    await settle(pilot)
    await settle(pilot)


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


@needs_model
async def test_bars_are_the_models_distribution_for_the_example(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        assert app.focused is prompt(app)
        assert prompt(app).value == "El gato está en la"  # the seeds' example
        assert bar_rows(app) == expected_rows("El gato está en la", 1.0)
        assert len(bar_rows(app)) == TOP_N


@needs_model
async def test_typing_recomputes_and_enter_takes_the_top_token(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        await open_lab(pilot)
        await pilot.press("end", "ctrl+u", *"The model")
        await settle(pilot)
        assert prompt(app).value == "The model"
        assert bar_rows(app) == expected_rows("The model", 1.0)
        top = top_token("The model")
        await pilot.press("enter")
        await settle(pilot)
        assert prompt(app).value == "The model" + top
        assert bar_rows(app) == expected_rows("The model" + top, 1.0)
        # A second token: the text grows token by token.
        second = top_token("The model" + top)
        await pilot.press("enter")
        await settle(pilot)
        assert prompt(app).value == "The model" + top + second


@needs_model
async def test_sample_undo_and_temperature_from_the_bars(run_app):
    from tutor.engine.pretrained import load_pretrained
    from tutor.engine.sampling import next_token_distribution

    async with run_app(lang="en", start=START) as (app, pilot):
        await open_lab(pilot)
        start = prompt(app).value
        await pilot.press("tab")  # to the bars: the lab's letter keys work there
        await pilot.pause()
        assert app.focused.id == "nt-bars"

        await pilot.press("plus")
        await settle(pilot)
        assert "temperature 1.1" in status(app)
        assert bar_rows(app) == expected_rows(start, 1.1)
        for _ in range(15):
            await pilot.press("minus")
        await settle(pilot)
        assert "temperature 0.1" in status(app)  # never below 0.1
        assert bar_rows(app) == expected_rows(start, 0.1)
        await pilot.press("plus", "plus", "plus", "plus", "plus", "plus", "plus", "plus", "plus")
        await settle(pilot)
        assert "temperature 1.0" in status(app)

        await pilot.press("s")
        await settle(pilot)
        grown = prompt(app).value
        assert grown.startswith(start) and len(grown) > len(start)
        piece = grown[len(start) :]
        # The notice names the sampled token and the probability the model gave it.
        model, tokenizer = load_pretrained()
        everything = next_token_distribution(model, tokenizer, start, top_n=tokenizer.n_vocab)
        notice = next(n for n in notices(app) if n.startswith("Sampled"))
        matching = [c for c in everything if c.token_text == piece and f"{c.prob:.1%}" in notice]
        assert matching, (piece, notice)

        await pilot.press("t")  # take the top token, from the bars
        await settle(pilot)
        assert prompt(app).value == grown + top_token(grown)
        await pilot.press("u")
        await settle(pilot)
        assert prompt(app).value == grown
        await pilot.press("u")
        await settle(pilot)
        assert prompt(app).value == start
        assert bar_rows(app) == expected_rows(start, 1.0)


@needs_model
async def test_language_switch_keeps_the_bars_and_translates_the_hint(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        await pilot.press("tab")
        await pilot.pause()
        await pilot.press("e")
        await settle(pilot)
        assert "temperature" in status(app)
        assert "Which token comes next" in shown(app, ".lab-title")
        assert bar_rows(app) == expected_rows(prompt(app).value, 1.0)


@needs_model
async def test_fits_80x24(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        bars = app.screen.query_one("#nt-bars", Static)
        assert bars.region.bottom <= app.size.height - 1  # above the footer
        assert len(bar_rows(app)) == TOP_N  # every bar drawn
        assert bars.region.height >= TOP_N


def test_torch_is_not_imported_with_the_lab():
    code = "import tutor.app.labs.l01_next_token, sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
