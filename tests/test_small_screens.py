"""The learner's screen at its smallest (issue 11): labs whole at 60x18, facts not carried by colour
alone, Spanish throughout, lab 12's run kept across lessons, and the smaller behaviours.

Pilot tests: they drive the real app by keys and read what the screen shows.
"""

from __future__ import annotations

import pytest
from conftest import settle
from labkit import StepGate, open_lab, wait_until

from tutor.app.labs import l12_training

SMALL = (60, 18)


def lesson(lesson_id: str) -> dict:
    return {"screen": "lesson", "lesson_id": lesson_id}


def inside(widget, app) -> bool:
    """The widget's whole region lies on the screen, above the footer."""
    region = widget.region
    return region.width > 0 and region.height > 0 and region.right <= app.size.width and region.bottom <= app.size.height - 1


# -- the open lab takes the page on a short terminal ------------------------------------------------


async def test_an_open_lab_takes_the_page_at_60x18_and_gives_it_back(run_app):
    async with run_app(lang="es", start=lesson("m1-l03-history"), size=SMALL) as (app, pilot):
        await open_lab(pilot)
        assert not app.screen.query_one("#lesson-scroll").display or app.screen.query_one("#lesson-scroll").region.height == 0
        assert app.screen.query_one("#lab-pane").region.height >= 13
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("#lesson-scroll").region.height > 5


async def test_lab_14_keeps_its_model_table_at_60x18(run_app):
    from textual.widgets import DataTable

    async with run_app(lang="es", start=lesson("m2-l14-hardware"), size=SMALL) as (app, pilot):
        lab = await open_lab(pilot)
        table = lab.query_one("#hw-table", DataTable)
        columns = [str(key.value) for key in table.columns]
        # the least important columns went; the name, the total and the verdicts stay
        assert columns[:1] == ["col_model"] and {"col_total", "col_gpu", "col_ram"} <= set(columns)
        assert "col_kv" not in columns
        assert table.row_count >= 8 and table.region.height >= table.row_count + 1
        assert sum(column.get_render_width(table) for column in table.columns.values()) <= lab.content_size.width


async def test_lab_14_shows_every_column_at_100x40(run_app):
    from textual.widgets import DataTable

    async with run_app(lang="en", start=lesson("m2-l14-hardware"), size=(100, 40)) as (app, pilot):
        lab = await open_lab(pilot)
        assert len(lab.query_one("#hw-table", DataTable).columns) == 7


async def test_lab_2_puts_the_path_below_the_counts_when_narrow(run_app):
    async with run_app(lang="es", start=lesson("m1-l02-context-to-deployment"), size=SMALL) as (app, pilot):
        lab = await open_lab(pilot)
        await wait_until(pilot, lambda: lab.view is not None)
        await settle(pilot)
        counts, path = lab.query_one("#ctx-counts"), lab.query_one("#ctx-path")
        assert path.region.y >= counts.region.bottom
        text = "\n".join(line.rstrip() for line in str(counts.render()).splitlines())
        assert "…" not in text


# -- lab 12: a run survives leaving the lesson ------------------------------------------------------


async def test_lab_12_run_survives_leaving_and_coming_back(run_app, monkeypatch):
    monkeypatch.setattr(l12_training, "LAB_STEPS", 400)
    monkeypatch.setattr(l12_training, "MODEL_OVERRIDES", {"block_size": 32, "n_layer": 1, "n_head": 2, "n_embd": 32, "dropout": 0.0})
    gate = StepGate(monkeypatch)  # the thread takes no step the test has not allowed: it cannot finish early
    async with run_app(lang="es", start=lesson("m2-l12-training")) as (app, pilot):
        lab = await open_lab(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: lab.state == "running" and gate.blocked.is_set(), tries=2400,
                         what=lambda: f"state {lab.state!r}, thread at the gate: {gate.blocked.is_set()}")
        await pilot.press("space")
        assert lab.state == "paused"
        assert app.screen.active_bindings["space"].binding.description == "Reanudar"
        await pilot.press("escape", "escape")  # close the lab, leave the lesson
        await pilot.pause()
        assert type(app.screen).__name__ == "OverviewScreen"
        app.open_lesson("m2-l12-training")
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("Lab") is lab and lab.state == "paused"
        await pilot.press("l", "x")  # the lab opens as it was left
        await wait_until(pilot, lambda: lab.state == "stopped", what=lambda: f"state {lab.state!r}")
        await pilot.press("escape")  # lab open: closes it
        await pilot.press("escape")  # leaves; nothing in flight now, so the screen is dropped
        await settle(pilot)
        assert not app.is_screen_installed("lesson:m2-l12-training")


async def test_lab_12_paused_start_says_how_to_resume(run_app, monkeypatch):
    async with run_app(lang="es", start=lesson("m2-l12-training")) as (app, pilot):
        lab = await open_lab(pilot)
        lab.state = "paused"
        messages = []
        monkeypatch.setattr(lab, "notify", lambda message, **kw: messages.append(message))
        await pilot.press("s")
        assert messages and "reanuda" in messages[0]


# -- keys -------------------------------------------------------------------------------------------


async def test_q_quits_from_a_lesson(run_app):
    async with run_app(lang="es", start=lesson("m1-l01-inside-llms")) as (app, pilot):
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code is not None or not app.is_running


async def test_lab_footer_leaves_out_lab_and_language_keys(run_app):
    async with run_app(lang="es", start=lesson("m1-l03-history")) as (app, pilot):
        await open_lab(pilot)
        shown = {b.binding.description for b in app.screen.active_bindings.values() if b.binding.show}
        assert "Lab" not in shown and "English" not in shown
        await pilot.press("e")  # still works
        await pilot.pause()
        assert app.lang == "en"


# -- never colour alone ----------------------------------------------------------------------------


def sixteen_colour(style) -> tuple:
    """What a 16-colour terminal keeps of a style: its colours reduced to the 16, and underline."""
    from rich.color import ColorSystem
    from rich.style import Style

    style = Style.parse(style) if isinstance(style, str) else style
    fg = style.color.downgrade(ColorSystem.STANDARD).number if style.color else None
    bg = style.bgcolor.downgrade(ColorSystem.STANDARD).number if style.bgcolor else None
    return fg, bg, bool(style.underline)


async def test_lab_4_token_boundaries_show_in_16_colours_and_without_colour(run_app):
    from textual.widgets import Static

    async with run_app(lang="es", start=lesson("m1-l04-tokenization")) as (app, pilot):
        await open_lab(pilot)
        table = app.screen.query_one("#play-tokens", Static).content
        for row in (0, 2, 4):  # the three tokenizers' rows
            coloured = list(table.columns[2].cells)[row]
            spans = sorted(coloured.spans, key=lambda s: s.start)
            assert len(spans) > 4
            for left, right in zip(spans, spans[1:]):
                assert sixteen_colour(left.style) != sixteen_colour(right.style)
                assert sixteen_colour(left.style)[2] != sixteen_colour(right.style)[2]  # NO_COLOR keeps underline


async def test_lab_6_heatmap_cells_carry_their_weight_in_glyphs(run_app):
    from tutor.app.labs.l06_attention import SHADES, cell_glyph

    async with run_app(lang="es", start=lesson("m1-l06-gpt2-attention"), size=SMALL) as (app, pilot):
        lab = await open_lab(pilot)
        await wait_until(pilot, lambda: lab.view is not None)
        await settle(pilot)
        view = lab.view
        q = lab.picked
        row = next(line for line in lab.heatmap().plain.splitlines() if line.strip().startswith(f"{q} ") and "▶" in line)
        cells = row.split("▶", 1)[1]
        weights = view.weights[lab.layer_i][lab.head_i][q]
        shown_cells = [cells[i : i + 2] for i in range(0, len(cells), 2)]
        first_key = q + 1 - len(shown_cells)
        assert shown_cells == [cell_glyph(weights[k]) for k in range(first_key, q + 1)]
        assert any(ch in row for ch in SHADES[1:])
        legend = lab.status_text().plain
        assert "".join(SHADES[1:]) in legend


async def test_lab_6_keeps_the_chosen_token_through_a_new_sentence(run_app):
    from textual.widgets import Input

    async with run_app(lang="en", start=lesson("m1-l06-gpt2-attention")) as (app, pilot):
        lab = await open_lab(pilot)
        await wait_until(pilot, lambda: lab.view is not None)
        await pilot.press("up", "up", "up")
        picked = lab.picked
        assert 0 < picked < len(lab.view.labels) - 1
        field = lab.query_one("#att-input", Input)
        field.value = ""
        await settle(pilot)
        field.value = "The dog that barks does not bite because it is kind"
        await wait_until(pilot, lambda: lab.view.text == field.value)
        await settle(pilot)
        assert lab.picked == picked


async def test_lab_6_footer_starts_with_the_layer_key(run_app):
    async with run_app(lang="es", start=lesson("m1-l06-gpt2-attention")) as (app, pilot):
        lab = await open_lab(pilot)
        shown = [b.binding.key for b in app.screen.active_bindings.values() if b.binding.show]
        assert shown[0] == "y"


# -- the smaller items ------------------------------------------------------------------------------


def test_screens_do_not_import_the_app_module():
    import ast
    from pathlib import Path

    import tutor.app.screens as screens

    tree = ast.parse(Path(screens.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert "tutor.app.app" not in imported


async def test_d_takes_the_done_mark_back(run_app, store):
    async with run_app(lang="es", start=lesson("m1-l01-inside-llms")) as (app, pilot):
        await pilot.press("d")
        await settle(pilot)
        assert store.lesson_progress("m1-l01-inside-llms").status == "done"
        await pilot.press("d")
        await settle(pilot)
        assert store.lesson_progress("m1-l01-inside-llms").status == "reading"
        assert "leyendo" in str(app.screen.query_one("#lesson-header").content)


async def test_lesson_header_keeps_its_status_at_60_columns(run_app):
    """The longest module title at 60 columns: the status is on screen, the title is what is cut."""
    async with run_app(lang="es", size=(60, 18), start=lesson("m2-l08-gpt2-from-scratch")) as (app, pilot):
        await settle(pilot)
        header = app.screen.query_one("#lesson-header")
        shown = "".join(segment.text for segment in header.render_line(0))
        assert "Lección 8 de 15 · ◐ leyendo" in shown


async def test_overview_cursor_follows_lessons_turned_with_n(run_app):
    from textual.widgets import OptionList

    async with run_app(lang="en") as (app, pilot):
        await pilot.press("enter")  # lesson 1
        await wait_until(pilot, lambda: getattr(app.screen, "lesson_id", None) == "m1-l01-inside-llms")
        await pilot.press("n", "n")
        await wait_until(pilot, lambda: getattr(app.screen, "lesson_id", None) == "m1-l03-history")
        await pilot.press("escape")
        await settle(pilot)
        options = app.screen.query_one(OptionList)
        assert options.get_option_at_index(options.highlighted).id == "m1-l03-history"


def test_glossary_order_puts_accented_words_with_their_letter():
    from tutor.app.screens import collation_key

    words = ["VRAM", "Época", "Embedding", "atención", "Año", "Ano", "Zeta", "ñu", "nube", "oro"]
    assert sorted(words, key=collation_key) == ["Ano", "Año", "atención", "Embedding", "Época", "nube", "ñu", "oro", "VRAM", "Zeta"]


async def test_progress_shows_the_module_2_quiz_row_at_60x18(run_app):
    from textual.widgets import DataTable

    async with run_app(lang="es", size=SMALL) as (app, pilot):
        await pilot.press("p")
        await settle(pilot)
        quizzes = app.screen.query_one("#progress-quizzes", DataTable)
        assert quizzes.row_count == 2 and inside(quizzes, app)
        lessons = app.screen.query_one("#progress-lessons", DataTable)
        assert app.focused is lessons
        await pilot.press(*["down"] * (lessons.row_count - 1))  # to the last lesson: the table scrolls
        await settle(pilot)
        assert lessons.cursor_row == lessons.row_count - 1 and lessons.scroll_y > 0
        assert inside(quizzes, app)


async def test_keys_do_nothing_behind_the_too_small_notice(run_app, store):
    async with run_app(lang="en", start=lesson("m1-l01-inside-llms")) as (app, pilot):
        await pilot.resize_terminal(50, 14)
        await settle(pilot)
        assert app.screen.has_class("too-small")
        await pilot.press("d", "n", "l")
        await settle(pilot)
        assert app.screen.lesson_id == "m1-l01-inside-llms"
        assert store.lesson_progress("m1-l01-inside-llms").status == "reading"
        assert not app.screen.lab_open
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert store.lesson_progress("m1-l01-inside-llms").status == "done"


async def test_a_perfect_retake_shows_its_verdict_and_no_retake_key(run_app):
    import random

    from tutor.app.screens import QuizScreen
    from tutor.quiz import draw_quiz, load_bank

    async with run_app(lang="en") as (app, pilot):
        screen = QuizScreen.module_quiz(app.course.find_quiz("1"))
        screen.rng = random.Random(5)
        await app.push_screen(screen)
        await pilot.pause()
        for _ in range(screen.session.total):  # all wrong but three right
            dq = screen.session.current
            position = dq.correct_position if screen.session.index < 7 else (dq.correct_position + 1) % 4
            await pilot.press(str(position + 1), "enter")
        await settle(pilot)
        assert screen.session.finished and len(screen.session.misses()) == 3
        await pilot.press("r")
        await settle(pilot)
        for _ in range(3):
            await pilot.press(str(screen.session.current.correct_position + 1), "enter")
        await settle(pilot)
        prompt = str(screen.query_one("#quiz-prompt").content)
        assert "3/3" in prompt and "Passed" in prompt
        assert "retake" not in str(screen.query_one("#quiz-feedback").content)
        assert "r" not in {b.binding.key for b in screen.active_bindings.values() if b.binding.show}


def test_a_percent_sign_never_starts_a_line_of_lesson_text():
    from tutor.app.screens import rendered_lesson

    source = "Los pesos son " + "muchos " * 7 + "67 %, 24 % y 9 %: casi toda la atención."
    for width in range(20, 60):
        lines = rendered_lesson(source, width).plain.splitlines()
        assert not any(line.lstrip().startswith("%") for line in lines), width


async def test_spanish_footer_names_the_space_key_in_spanish_and_fits_80_columns(run_app):
    from tutor.app.footer import KeyFooter

    async with run_app(lang="es", start=lesson("m2-l12-training")) as (app, pilot):
        await open_lab(pilot)
        await pilot.pause()
        from textual.content import Content

        line = Content.from_markup(app.screen.query_one(KeyFooter).keys_line()).plain
        assert "espacio Pausa" in line and "space" not in line
        assert len(line) <= 80


async def test_lab_8_at_60x18_shows_its_total_and_scrolls_to_the_breakdown(run_app):
    async with run_app(lang="es", start=lesson("m2-l08-gpt2-from-scratch"), size=SMALL) as (app, pilot):
        lab = await open_lab(pilot)
        fields = lab.query_one("#gpt-fields")
        assert "124,439,808" in str(fields.render()) or "124,439,808" in str(getattr(fields.content, "plain", fields.content))
        assert inside(fields, app) or fields.region.bottom <= app.size.height  # the total is on the page
        panel = lab.query_one("#gpt-panel")
        assert panel.region.y >= fields.region.bottom  # below, whole width: no percentage cut
        assert panel.region.width >= 56
        before = lab.scroll_y
        await pilot.press("ctrl+down", "ctrl+down", "ctrl+down")
        await pilot.pause()
        assert lab.scroll_y > before
