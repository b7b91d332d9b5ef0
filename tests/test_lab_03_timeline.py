"""Lesson 3's lab, driven by keys at 80x24: the timeline rows are `timeline.events()`, the filter
key walks the tags, the log bars are `timeline.gpt_log_bars()` and the mini GPT's bar is its
real parameter count."""

from __future__ import annotations

import pytest
from labkit import settle, shown
from textual.containers import VerticalScroll
from textual.widgets import Static

from tutor.app.labs.l03_timeline import bar_length
from tutor.engine import timeline
from tutor.engine.pretrained import shipped_model_path

LESSON = "m1-l03-history"
START = {"screen": "lesson", "lesson_id": LESSON}

needs_model = pytest.mark.skipif(not shipped_model_path().is_file(), reason="the shipped mini GPT is not built yet")


def table_rows(app) -> list[tuple[str, str]]:
    """The (year, text) rows of the timeline as the widget holds them."""
    table = app.screen.query_one("#timeline-events", Static).content
    years = [str(cell) for cell in table.columns[0].cells]
    texts = [str(cell) for cell in table.columns[1].cells]
    return list(zip(years, texts))


async def open_lab(pilot) -> None:
    await pilot.press("l")
    await settle(pilot)
    await settle(pilot)


async def test_the_timeline_rows_are_the_engines_events(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        assert table_rows(app) == [(e.label, e.text("es")) for e in timeline.events()]
        text = " ".join(shown(app, "#timeline-events").split())
        assert "1950" in text and "Turing" in text
        first, last = timeline.events()[0], timeline.events()[-1]
        assert first.year == 1950 and last.year == 2024


async def test_t_walks_the_tags_and_back_to_everything(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        await open_lab(pilot)
        assert isinstance(app.focused, VerticalScroll)  # the keys reach the lab, not an input
        for tag in timeline.TAGS:
            await pilot.press("t")
            await pilot.pause()
            assert table_rows(app) == [(e.label, e.text("en")) for e in timeline.events(tag=tag)]
            assert timeline.TAGS[tag][1] in shown(app, ".lab-title")
        await pilot.press("t")
        await pilot.pause()
        assert table_rows(app) == [(e.label, e.text("en")) for e in timeline.events()]
        assert "everything" in shown(app, ".lab-title")


async def test_the_timeline_scrolls_by_keys(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        scroll = app.screen.query_one("#timeline-scroll", VerticalScroll)
        assert scroll.max_scroll_y > 0  # more history than fits: it scrolls
        await pilot.press("pagedown")
        await pilot.pause()
        assert scroll.scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y


async def test_log_bars_are_the_engines(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        rows = shown(app, "#timeline-bars").splitlines()
        for bar in timeline.gpt_log_bars(lang="es"):
            row = next(r for r in rows if r.startswith(f"{bar.name} "))
            if bar.params is None:
                assert "no publicado" in row  # unknown sizes are never guessed
                assert "█" not in row
            else:
                assert row.count("█") == bar_length(bar.params)
                assert row.rstrip().endswith(bar.label)
        # Bigger models have longer bars: GPT-1 < GPT-2 < GPT-3.
        known = [bar for bar in timeline.gpt_log_bars(lang="es") if bar.params is not None]
        assert [bar_length(b.params) for b in known] == sorted(bar_length(b.params) for b in known)


@needs_model
async def test_the_mini_gpt_bar_is_its_real_size(run_app):
    from tutor.engine.pretrained import load_pretrained

    async with run_app(lang="en", start=START) as (app, pilot):
        await open_lab(pilot)
        params = load_pretrained()[0].num_params()
        row = next(r for r in shown(app, "#timeline-bars").splitlines() if r.startswith("mini "))
        assert row.rstrip().endswith(f"{params:,}")
        assert row.count("█") == bar_length(params)


async def test_language_switch_redraws_the_lab(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        await pilot.press("t")  # a filter, kept across the switch
        await pilot.press("e")
        await settle(pilot)
        tag = next(iter(timeline.TAGS))
        assert table_rows(app) == [(e.label, e.text("en")) for e in timeline.events(tag=tag)]
        assert "Parameters" in shown(app, "#timeline-bars")
        assert timeline.TAGS[tag][1] in shown(app, ".lab-title")


async def test_fits_80x24(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        bars = app.screen.query_one("#timeline-bars", Static)
        needed = len(shown(app, "#timeline-bars").rstrip("\n").splitlines())
        assert needed <= bars.region.height
        assert bars.region.right <= app.size.width
        title = app.screen.query_one(".lab-title", Static)
        assert len(shown(app, ".lab-title").rstrip("\n").splitlines()) == 1
        assert title.region.width >= len(shown(app, ".lab-title").strip())
