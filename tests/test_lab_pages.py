"""Issue 11 (H5): every lab is whole at 60x18. What lies below the fold is reached with PgDn,
whatever inside the lab has focus, and the footer names that key while the lab overflows.

Pilot tests: the real app driven by keys; what counts is what the screen shows.
"""

from __future__ import annotations

import io

import pytest
from labkit import open_lab, settle, wait_until
from rich.console import Console
from textual.containers import ScrollableContainer
from textual.widgets import Static

from tutor.app.labs import LABS

SMALL = (60, 18)


def screen_text(app) -> str:
    return "\n".join("".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips())


def in_inner_scroll(widget, lab) -> bool:
    node = widget.parent
    while node is not None and node is not lab:
        if isinstance(node, ScrollableContainer):
            return True
        node = node.parent
    return False


def last_line(widget) -> str:
    """The last non-blank line of a Static as drawn at its own width."""
    console = Console(width=max(widget.content_region.width, 10), file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    lines = [line.strip() for line in console.export_text().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def bottom_part(lab):
    """The lowest thing in the lab: a Static with text, or a box that scrolls by itself."""
    statics = [w for w in lab.query(Static) if w.display and w.region.height and not in_inner_scroll(w, lab) and last_line(w)]
    boxes = [w for w in lab.query(ScrollableContainer) if w.display and w.region.height and not in_inner_scroll(w, lab)]
    return max(statics + boxes, key=lambda w: w.region.bottom)


def clipped(lab) -> list[str]:
    """Statics cut by a box around them that does not scroll (what no key could ever reach)."""
    cut = []
    for widget in lab.query(Static):
        if not widget.display or not widget.region.height:
            continue
        node = widget.parent
        while node is not None and node is not lab:
            if isinstance(node, ScrollableContainer):
                break
            if widget.region.bottom > node.region.bottom:
                cut.append(f"{widget.id} cut by {node.id or type(node).__name__}")
                break
            node = node.parent
    return cut


async def page_to_the_end(pilot, lab) -> None:
    for _ in range(20):
        before = lab.scroll_y
        await pilot.press("pagedown")
        await pilot.pause()
        if lab.scroll_y == before:
            return


@pytest.mark.parametrize("lesson_id", list(LABS))
async def test_pgdn_brings_every_labs_last_line_onto_the_60x18_screen(run_app, lesson_id):
    async with run_app(lang="es", start={"screen": "lesson", "lesson_id": lesson_id}, size=SMALL) as (app, pilot):
        lab = await open_lab(pilot)
        assert clipped(lab) == []
        if lab.max_scroll_y:
            keys = {b.binding.key: b.binding.description for b in app.screen.active_bindings.values() if b.binding.show}
            assert keys.get("pagedown") == "Desplazar" or "pagedown" in {k for k, *_ in lab.KEYS}
        await page_to_the_end(pilot, lab)
        assert lab.scroll_y == lab.max_scroll_y
        bottom = bottom_part(lab)
        assert bottom.region.bottom <= lab.content_region.bottom
        if isinstance(bottom, Static):
            line = last_line(bottom)
            assert line[:30] in screen_text(app), f"{line!r} is not on the screen"


async def test_pgdn_pages_the_lab_while_its_text_field_has_focus(run_app):
    """Lab 2 opens with focus in its text field; PgDn still turns the lab's page."""
    async with run_app(lang="es", start={"screen": "lesson", "lesson_id": "m1-l02-context-to-deployment"}, size=SMALL) as (app, pilot):
        lab = await open_lab(pilot)
        await wait_until(pilot, lambda: lab.view is not None)
        await settle(pilot)
        assert app.focused.id == "ctx-text" and lab.max_scroll_y > 0
        await page_to_the_end(pilot, lab)
        assert "siguiente token" in screen_text(app)


async def test_the_page_key_stays_out_of_the_footer_when_the_lab_fits(run_app):
    async with run_app(lang="en", start={"screen": "lesson", "lesson_id": "m2-l09-rope"}, size=(120, 50)) as (app, pilot):
        lab = await open_lab(pilot)
        assert lab.max_scroll_y == 0
        assert all(b.binding.action != "page_lab(1)" for b in app.screen.active_bindings.values())


async def test_lab_6_opens_with_its_chosen_row_on_the_60x18_screen(run_app):
    async with run_app(lang="es", start={"screen": "lesson", "lesson_id": "m1-l06-gpt2-attention"}, size=SMALL) as (app, pilot):
        lab = await open_lab(pilot)
        await settle(pilot)
        row = next(line for line in screen_text(app).splitlines() if "▶" in line) if "▶" in screen_text(app) else ""
        assert f"{lab.picked:>2} " in row, "the chosen token's row (▶) is not on the screen"


# -- H4: Tab never leaves a lab's text field for a frame where letters run the screen's keys -------


@pytest.mark.parametrize("lesson_id", ["m1-l02-context-to-deployment", "m1-l06-gpt2-attention", "m2-l13-moe"])
async def test_tab_cycles_among_the_labs_own_widgets(run_app, lesson_id):
    from tutor.app.labs.base import Lab

    async with run_app(lang="es", start={"screen": "lesson", "lesson_id": lesson_id}, size=SMALL) as (app, pilot):
        lab = await open_lab(pilot)
        for _ in range(4):
            await pilot.press("tab")
            await pilot.pause()
            assert not isinstance(app.focused, Lab) and lab in app.focused.ancestors, app.focused


async def test_letters_typed_after_tab_in_lab_2_go_into_its_field(run_app, store):
    lesson_id = "m1-l02-context-to-deployment"
    async with run_app(lang="es", start={"screen": "lesson", "lesson_id": lesson_id}, size=SMALL) as (app, pilot):
        lab = await open_lab(pilot)
        field = lab.query_one("#ctx-text")
        field.value = ""
        await pilot.press("tab", *"hola", "tab", *"modelo", "q")
        await settle(pilot)
        assert app.screen.lab_open and app.lang == "es" and app.is_running
        assert field.value == "holamodeloq"
        assert store.lesson_progress(lesson_id).status != "done"


async def test_q_does_not_quit_from_an_open_lab(run_app):
    async with run_app(lang="es", start={"screen": "lesson", "lesson_id": "m1-l05-neural-networks"}, size=SMALL) as (app, pilot):
        await open_lab(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running and app.screen.lab_open


# -- H6, M2, M3, M4: lab 4 at 60 columns, lab 2's shapes ---------------------------------------------


async def test_lab_4_colour_sum_is_whole_at_60_columns(run_app):
    async with run_app(lang="es", start={"screen": "lesson", "lesson_id": "m1-l04-tokenization"}, size=SMALL) as (app, pilot):
        await open_lab(pilot)
        await pilot.press("tab", "tab")  # Colores
        await settle(pilot)
        text = screen_text(app)
        assert "amarillo  (255, 255, 0)" in text and "= (255, 0, 255)" in text and "magenta  exacto" in text
        await pilot.press("tab")  # Analogías: every column has its numbers, not "…"
        await settle(pilot)
        text = screen_text(app)
        assert "rey  −hombre  +mujer   =" in text and "…" not in text.split("Analogías", 1)[1].split("AvPág")[0]


async def test_lab_4_map_marks_the_neighbours_with_a_glyph(run_app):
    async with run_app(lang="es", start={"screen": "lesson", "lesson_id": "m1-l04-tokenization"}, size=(80, 24)) as (app, pilot):
        lab = await open_lab(pilot)
        await pilot.press("shift+tab")  # Mapa
        await settle(pilot)
        await wait_until(pilot, lambda: lab.mapped is not None)
        await settle(pilot)
        text = screen_text(app)
        assert text.count("◆") >= 2 * 3  # in the list and on the map, not told by cyan alone


async def test_lab_2_names_shapes_without_separators_and_its_tokenizer_in_spanish(run_app):
    async with run_app(lang="es", start={"screen": "lesson", "lesson_id": "m1-l02-context-to-deployment"}, size=(80, 24)) as (app, pilot):
        lab = await open_lab(pilot)
        await wait_until(pilot, lambda: lab.view is not None)
        await settle(pilot)
        text = screen_text(app)
        assert "3072)" in text and "3,072" not in text
        assert " curso " in text and " course " not in text


# -- M1, M2: labs 5 and 7's charts sized to their column; lab 5's classes told by glyph -------------


def braille_rows_off_the_axis(text: str) -> list[str]:
    """Screen lines with chart dots but no axis: the pieces of a chart line that wrapped."""
    return [line for line in text.splitlines() if any("\u2801" <= ch <= "\u28ff" for ch in line) and "┤" not in line]


async def test_lab_5_chart_and_classes_at_60x18(run_app):
    async with run_app(lang="es", start={"screen": "lesson", "lesson_id": "m1-l05-neural-networks"}, size=SMALL) as (app, pilot):
        lab = await open_lab(pilot)
        await pilot.press("t")
        await wait_until(pilot, lambda: lab.state.status == "done", tries=2400, what=lambda: lab.state.status)
        await settle(pilot)
        seen = []
        for _ in range(4):
            seen.append(screen_text(app))
            await pilot.press("pagedown")
            await pilot.pause()
        text = "\n".join(seen)
        assert braille_rows_off_the_axis(text) == []
        assert "●" in text and "×" in text  # the two XOR classes, not two colours of one glyph
        assert "clases ● × · zonas · -" in text


async def test_lab_7_training_chart_stays_on_its_axis_at_60x18(run_app):
    async with run_app(lang="es", start={"screen": "lesson", "lesson_id": "m1-l07-pytorch"}, size=SMALL) as (app, pilot):
        await open_lab(pilot)
        await pilot.press("4")
        await settle(pilot)
        text = screen_text(app)
        assert "┤" in text and braille_rows_off_the_axis(text) == []
        assert "b = 0.5364" in text


def test_parameter_counts_never_say_b_in_spanish():
    from tutor.engine.memory import format_params

    assert format_params(1.24e9, "es") == "1.2 mil M" and format_params(70.6e9, "es") == "71 mil M"
    assert format_params(117e6, "es") == "117 M"
    assert format_params(1.24e9) == "1.2B"  # English keeps the model-card form
