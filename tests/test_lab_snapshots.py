"""Snapshots of labs at the app's smallest size, 60x18, in Spanish, and a few at 80x24 in English
(pytest-textual-snapshot, driven by keys).

Only labs whose screen does not depend on the shipped mini GPT's weights or tokenizer (both are
retrained at the end of a course change): lab 9 (RoPE, pure arithmetic), lab 11's calculator, lab
14 against a fixed test machine, and lab 6's worked example (attention_demo's hand-made numbers,
drawn in shading glyphs). Labs driven by the model are checked by Pilot assertions instead
(tests/test_small_screens.py). After an intended change, regenerate with
`pytest tests/test_lab_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import pytest
from labkit import settle, wait_until

from tutor.app.app import TutorApp

SMALL = (60, 18)
MEDIUM = (80, 24)
GIB = 2**30


@pytest.fixture
def test_machine(monkeypatch):
    """32 GiB of RAM (16 free) and one 8 GiB GPU, whatever machine runs the tests."""
    from tutor.fit.hardware import GPU, Hardware

    hw = Hardware(os="linux", ram_total=32 * GIB, ram_available=16 * GIB, swap_free=0,
                  gpus=[GPU("cuda", "Test GPU", 8 * GIB, 8 * GIB, "0", "8.6", source="test")])
    monkeypatch.setattr("tutor.fit.hardware.detect_hardware", lambda: hw)


def lab_app(store, lesson_id: str, lang: str) -> TutorApp:
    return TutorApp(store=store, lang=lang, start={"screen": "lesson", "lesson_id": lesson_id})


async def open_lab(pilot) -> None:
    await settle(pilot)
    await pilot.press("l")
    await settle(pilot)
    await settle(pilot)


@pytest.mark.parametrize(("lesson_id", "lang", "size"), [
    ("m2-l09-rope", "es", SMALL),
    ("m2-l11-scaling-multimodal", "es", SMALL),
    ("m2-l09-rope", "en", MEDIUM),
])
def test_pure_labs(snap_compare, store, lesson_id, lang, size):
    assert snap_compare(lab_app(store, lesson_id, lang), terminal_size=size, run_before=open_lab)


@pytest.mark.parametrize(("lang", "size"), [("es", SMALL), ("en", MEDIUM)])
def test_lab_14_on_a_test_machine(snap_compare, store, test_machine, lang, size):
    """At 60x18 the table keeps the model, its total and the verdicts; at 80x24 every column."""
    assert snap_compare(lab_app(store, "m2-l14-hardware", lang), terminal_size=size, run_before=open_lab)


def test_lab_6_worked_example_in_glyphs(snap_compare, store):
    """The worked example's heatmap: every weight a shading glyph as well as a colour."""

    async def open_example(pilot) -> None:
        await open_lab(pilot)
        lab = pilot.app.screen.query_one("AttentionLab")
        await wait_until(pilot, lambda: lab.view is not None or lab.error is not None)
        await pilot.press("x")
        await settle(pilot)

    assert snap_compare(lab_app(store, "m1-l06-gpt2-attention", "es"), terminal_size=SMALL, run_before=open_example)
