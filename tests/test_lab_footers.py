"""Every lab's footer whole at 60 columns, in Spanish and in English (issue 11).

The footer wraps between keys onto a second row when a lab's keys do not fit one (tutor/app/footer.py):
no key ends in "…", and every key the bindings show is on screen with its whole label.
"""

from __future__ import annotations

import io

import pytest
from labkit import open_lab, settle
from rich.console import Console

from tutor.app.footer import KeyFooter, wrap_keys
from tutor.app.labs import LABS

SMALL = (60, 18)
# Keys pressed after opening, to show a lab's other key set too (lab 1's bars: t, s, u, +, -).
MORE_KEYS = {"m1-l01-inside-llms": ("tab",), "m1-l05-neural-networks": ("v",)}


def footer_rows(app) -> list[str]:
    """The footer's rows as the screen shows them."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, color_system=None,
                      force_terminal=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True))
    lines = console.export_text().splitlines()
    footer = app.screen.query_one(KeyFooter)
    return lines[footer.region.y : footer.region.bottom]


def shown_keys(app) -> list[str]:
    """Each key the footer is meant to show, as "key label"."""
    footer = app.screen.query_one(KeyFooter)
    seen, keys = set(), []
    for _node, binding, _enabled, _tooltip in app.screen.active_bindings.values():
        if binding.show and binding.action not in seen:
            seen.add(binding.action)
            keys.append(f"{footer.key_name(binding)} {binding.description}")
    return keys


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("lesson_id", list(LABS), ids=lambda lesson_id: lesson_id.split("-")[1])
async def test_every_lab_footer_is_whole_at_60_columns(run_app, monkeypatch, lesson_id, lang):
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:9")  # lab 15: nothing answers there, at once
    async with run_app(lang=lang, start={"screen": "lesson", "lesson_id": lesson_id}, size=SMALL) as (app, pilot):
        await open_lab(pilot)
        for step in [(), *[(key,) for key in MORE_KEYS.get(lesson_id, ())]]:
            for key in step:
                await pilot.press(key)
                await settle(pilot)
            await pilot.pause()
            rows = footer_rows(app)
            text = " ".join(row.strip() for row in rows)
            assert "…" not in text, rows
            assert all(len(row.rstrip()) <= SMALL[0] for row in rows)
            for key in shown_keys(app):
                assert key in text, (key, rows)  # whole, label and all
            assert len(rows) <= 2  # one row, or two when the keys need them


def test_keys_wrap_between_keys_never_inside_one():
    parts = [(f"k{i} label{i}", len(f"k{i} label{i}")) for i in range(6)]  # 9 cells each
    assert wrap_keys(parts, 100) == [" ".join(p for p, _ in parts)]
    lines = wrap_keys(parts, 20)  # two keys (9 + 1 + 9) a line
    assert lines == ["k0 label0 k1 label1", "k2 label2 k3 label3", "k4 label4 k5 label5"]
    assert wrap_keys(parts[:1], 5) == ["k0 label0"]  # wider than the line: alone, cut by the widget
    assert wrap_keys([], 60) == []
