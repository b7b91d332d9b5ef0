"""The learner's screen at its smallest (issue 11): labs whole at 60x18, facts not carried by colour
alone, Spanish throughout, lab 12's run kept across lessons, and the smaller behaviours.

Pilot tests: they drive the real app by keys and read what the screen shows.
"""

from __future__ import annotations

import pytest
from conftest import settle
from labkit import open_lab, wait_until

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
    async with run_app(lang="es", start=lesson("m2-l12-training")) as (app, pilot):
        lab = await open_lab(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: lab.state == "running")
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
        await wait_until(pilot, lambda: lab.state == "stopped")
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
