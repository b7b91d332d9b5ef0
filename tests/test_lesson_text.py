"""The lesson text drawn through Textual's line API (issue 11, fast page turns): the lines on screen
are what the markdown drew, the page scrolls to its last line, a resize redraws at the new width,
and the learner can still select text with the mouse.

Pilot tests: they drive the real app and read what it shows.
"""

from __future__ import annotations

from conftest import settle

from tutor.app.screens import LessonText, drawn_lesson

L1 = "m1-l01-inside-llms"
START = {"screen": "lesson", "lesson_id": L1}


async def test_the_page_shows_the_drawn_lines_and_scrolls_to_the_last(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        text = app.screen.query_one("#lesson-text", LessonText)
        lines = drawn_lesson(text.source, text.drawn_width)
        assert text.size.height == len(lines) > 40  # the whole lesson, one row per drawn line
        assert "How LLMs work inside" in text.render_line(0).text
        await pilot.press("end")
        await settle(pilot)
        scroll = app.screen.query_one("#lesson-scroll")
        assert scroll.scroll_y == scroll.max_scroll_y > 0
        last_row = int(scroll.scroll_y) + scroll.size.height - 1
        assert text.render_line(last_row).text.strip() == lines[-1].text.strip() != ""


async def test_a_resize_redraws_the_text_at_the_new_width(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        text = app.screen.query_one("#lesson-text", LessonText)
        wide = text.drawn_width
        await pilot.resize_terminal(60, 24)
        await settle(pilot)
        assert text.drawn_width < wide
        assert all(line.cell_length <= text.drawn_width for line in text.lines)
        assert text.size.height == len(text.lines)


async def test_the_learner_can_select_lesson_text_with_the_mouse(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        text = app.screen.query_one("#lesson-text", LessonText)
        title_row = text.render_line(0).text
        start = title_row.index("How")
        await pilot.mouse_down(text, offset=(start + 1, 0))  # text x: the widget has one column of padding
        await pilot.hover(text, offset=(start + 1 + len("How LLMs") - 1, 0))  # the end is inclusive
        await pilot.mouse_up(text, offset=(start + 1 + len("How LLMs") - 1, 0))
        await settle(pilot)
        assert app.screen.get_selected_text() == "How LLMs"


def test_no_figure_is_split_across_lines_at_the_smallest_width():
    """At 60 columns (58 for the text) no line of any lesson, in either language, ends with a
    number whose unit starts the next line, nor inside a tuple of numbers. Prose only: code
    blocks are left out (a code line longer than the page still wraps where it must)."""
    import re

    from tutor.app.screens import CODE
    from tutor.lessons import load_course

    unit_first = re.compile(r"^\s*(GB|GiB|MB|MiB|KB|KiB|TB|TiB|min|ms|W)\b")
    open_tuple = re.compile(r"\([-−+]?\d[\d.,]*(?:,\s[-−+]?\d[\d.,]*)*,$")
    for lesson in load_course().lessons:
        for lang in ("es", "en"):
            lines = [strip.text.rstrip() for strip in drawn_lesson(CODE.sub("", lesson.markdown(lang)), 58)]
            for line, following in zip(lines, lines[1:]):
                where = f"{lesson.id} ({lang}): {line!r} / {following!r}"
                assert not (re.search(r"\d$", line) and unit_first.match(following)), where
                assert not open_tuple.search(line), where


def test_figures_held_together_only_in_prose():
    from tutor.app.screens import keep_figures_whole

    held = keep_figures_whole("unos 42.9 GB, hombre = (0, 1), 67 % y `f((2, 3))`\n```\nx = (1, 2)  # 5 GB\n```")
    assert held.startswith("unos 42.9\u2800GB, hombre = (0,\u28001), 67% y `f((2, 3))`")
    assert held.endswith("```\nx = (1, 2)  # 5 GB\n```")
