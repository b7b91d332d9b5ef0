"""Snapshot tests at 80x24 (pytest-textual-snapshot): the overview, a lesson, a quiz question with
its feedback, and the progress screen.

Deterministic by construction: an empty TUTOR_HOME per test, a fixed language, a seeded quiz, no
clock in the header and no notifications on screen. After an intended change of the screens,
regenerate with `pytest tests/test_snapshots.py --snapshot-update` and look at the SVGs in
tests/__snapshots__/ before committing them.
"""

from __future__ import annotations

import random

import pytest

from tutor.app.app import TutorApp
from tutor.app.screens import QuizScreen
from tutor.quiz import draw_quiz, load_bank

SIZE = (80, 24)
QUIZ_SEED = 0


@pytest.fixture
def make_app(store):
    def _make(lang: str = "en") -> TutorApp:
        return TutorApp(store=store, lang=lang)

    return _make


def test_overview(snap_compare, make_app):
    assert snap_compare(make_app("en"), terminal_size=SIZE)


def test_lesson_one(snap_compare, make_app):
    """Lesson 1 opened from the overview with Enter: header, the start of the text, the footer keys."""
    assert snap_compare(make_app("en"), press=["enter", "_"], terminal_size=SIZE)


def test_quiz_question_with_feedback(snap_compare, make_app):
    """A seeded module-1 quiz in Spanish, first question answered wrongly: ✗ on the choice, ✓ on the answer."""
    first = draw_quiz(load_bank("m1"), rng=random.Random(QUIZ_SEED))[0]
    wrong = (first.correct_position + 1) % 4

    async def open_seeded_quiz(pilot) -> None:
        app = pilot.app
        screen = QuizScreen.module_quiz(app.course.find_quiz("1"))
        screen.rng = random.Random(QUIZ_SEED)  # before it mounts: the draw happens on mount
        await app.push_screen(screen)
        await pilot.pause()
        assert screen.session.current.question.id == first.question.id

    assert snap_compare(make_app("es"), press=[str(wrong + 1)], terminal_size=SIZE, run_before=open_seeded_quiz)


def test_progress_screen(snap_compare, make_app, store):
    store.mark_done("m1-l01-inside-llms")
    store.mark_done("m1-l02-context-to-deployment")
    store.mark_reading("m1-l03-history", 0.5)
    attempt = store.start_attempt("m1-quiz", "quiz", "en", 10)
    store.finish_attempt(attempt, 8, 10, True)
    assert snap_compare(make_app("en"), press=["p"], terminal_size=SIZE)
