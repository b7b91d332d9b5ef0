"""The Textual app, driven only by key presses through Pilot at 80x24, on a real store.

Flows: open a lesson from the overview, move through it, mark it done, answer its check
questions, take a module quiz to the end, retake the misses, switch language, restart and
find everything where it was, and the "terminal too small" notice.
"""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Markdown, OptionList, Static

from tutor.app.app import MIN_HEIGHT, MIN_WIDTH
from tutor.app.screens import (
    GlossaryScreen,
    LessonScreen,
    LessonText,
    OverviewScreen,
    ProgressScreen,
    QuizScreen,
)
from tutor.cli import resolve_lang
from tutor.lessons import load_course
from tutor.store import open_store

COURSE = load_course()
L1, L2, L3, L4 = (lesson.id for lesson in COURSE.lessons[:4])
LAST = COURSE.lessons[-1].id


# -- helpers (all interaction is key presses) ---------------------------------------------------


async def settle(pilot) -> None:
    """Let messages, workers (a lesson reloading its markdown) and the next refresh run."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def text_of(app, selector: str) -> str:
    widget = app.screen.query_one(selector)
    return str(widget.render()) if isinstance(widget, Static) else str(widget)


def notices(app) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


def option_text(app, option_id: str) -> str:
    """The overview line of a lesson or quiz, as shown."""
    return str(app.screen.query_one("#course-list", OptionList).get_option(option_id).prompt)


def highlighted_id(app) -> str | None:
    option_list = app.screen.query_one("#course-list", OptionList)
    index = option_list.highlighted
    return None if index is None else option_list.get_option_at_index(index).id


async def highlight(pilot, item_id: str) -> None:
    """Move the overview's cursor with the arrow keys until `item_id` is highlighted."""
    app = pilot.app
    ids = [option.id for option in app.screen.query_one("#course-list", OptionList).options]
    assert item_id in ids
    for _ in range(len(ids) + 1):
        current = highlighted_id(app)
        if current == item_id:
            return
        key = "down" if ids.index(current) < ids.index(item_id) else "up"
        await pilot.press(key)
        await pilot.pause()
    raise AssertionError(f"could not reach {item_id} with the arrow keys")


async def open_from_overview(pilot, item_id: str) -> None:
    await highlight(pilot, item_id)
    await pilot.press("enter")
    await settle(pilot)


async def answer_current(pilot, right: bool, how: str = "digit") -> None:
    """Answer the quiz screen's current question right or wrong, then press Enter to continue."""
    screen = pilot.app.screen
    dq = screen.session.current
    position = dq.correct_position if right else (dq.correct_position + 1) % 4
    if how == "digit":
        await pilot.press(str(position + 1))
    else:
        await pilot.press(*(["down"] * position), "enter")
    assert screen.awaiting_continue, "feedback is shown after an answer"
    await pilot.press("enter")


async def answer_all(pilot, pattern: list[bool], how: str = "digit") -> None:
    for right in pattern:
        await answer_current(pilot, right, how)


def visible_keys(app) -> dict[str, str]:
    """Keys the footer shows right now, with their labels."""
    return {
        key: active.binding.description
        for key, active in app.active_bindings.items()
        if active.binding.show and active.binding.description
    }


# -- overview and lessons ----------------------------------------------------------------------


async def test_overview_lists_the_course(run_app):
    async with run_app(lang="en") as (app, pilot):
        assert isinstance(app.screen, OverviewScreen)
        assert text_of(app, "#course-progress") == "Course progress: 0/15 lessons · 0%"
        option_list = app.screen.query_one("#course-list", OptionList)
        ids = [option.id for option in option_list.options if option.id]
        assert ids == [item for module in COURSE.modules for item in [*(l.id for l in module.lessons), module.quiz.id]]
        assert highlighted_id(app) == L1
        assert app.focused is option_list
        keys = visible_keys(app)
        assert {"p", "g", "c", "q", "e"} <= set(keys)
        assert keys["e"] == "Español"


async def test_footer_shows_the_key_that_opens_an_item(run_app):
    """Every action has a key shown in the footer, opening a lesson or quiz (Enter) included."""
    async with run_app(lang="en") as (app, pilot):
        assert visible_keys(app).get("enter") == "Open"


async def test_open_a_lesson_scroll_and_move_next_and_previous(run_app, store):
    async with run_app(lang="en") as (app, pilot):
        await open_from_overview(pilot, L1)
        screen = app.screen
        assert isinstance(screen, LessonScreen) and screen.lesson_id == L1
        assert text_of(app, "#lesson-header").startswith("Lesson 1 of 15 · ")
        assert text_of(app, "#lesson-header").endswith(" · Foundations of LLMs")
        assert store.lesson_progress(L1).status == "reading"
        markdown = app.screen.query_one("#lesson-text", LessonText)
        assert markdown.source.startswith("# How LLMs work inside")
        keys = visible_keys(app)
        assert {"escape", "n", "p", "d", "k"} <= set(keys)
        assert keys["n"] == "Next" and keys["d"] == "Done"
        assert {"right", "left"} <= set(app.active_bindings), "arrow keys move between lessons too"

        scroll = app.screen.query_one("#lesson-scroll")
        assert scroll.max_scroll_y > 0 and scroll.scroll_y == 0
        await pilot.press("down", "down", "pagedown")
        await pilot.pause()
        assert scroll.scroll_y > 2
        await pilot.press("end")
        await pilot.pause()
        assert screen.position == 1.0
        await pilot.press("home")
        await pilot.pause()
        assert screen.position == 0.0

        await pilot.press("p")  # nothing before the first lesson
        await settle(pilot)
        assert app.screen is screen
        assert "This is the first lesson." in notices(app)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson_id == L2
        assert text_of(app, "#lesson-header").startswith("Lesson 2 of 15")
        assert app.screen.query_one("#lesson-text", LessonText).source.startswith("# Core concepts")
        await pilot.press("left")
        await settle(pilot)
        assert app.screen.lesson_id == L1
        # moving through lessons never stacks screens
        assert [type(s) for s in app.screen_stack[1:]] == [OverviewScreen, LessonScreen]
        assert store.lesson_progress(L2).status == "reading"

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)
        assert option_text(app, L2).startswith("◐")
        assert option_text(app, L3).startswith("○")


async def test_last_lesson_says_the_quiz_comes_next(run_app):
    async with run_app(lang="en", start={"screen": "lesson", "lesson_id": LAST}) as (app, pilot):
        assert app.screen.lesson_id == LAST
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.lesson_id == LAST
        assert any("last lesson" in notice for notice in notices(app))


async def test_mark_a_lesson_done(run_app, store):
    async with run_app(lang="en") as (app, pilot):
        await open_from_overview(pilot, L1)
        await pilot.press("d")
        await settle(pilot)
        assert store.lesson_progress(L1).status == "done"
        assert "· ✓ done ·" in text_of(app, "#lesson-header")
        assert "Lesson marked as done ✓" in notices(app)
        await pilot.press("d")  # a second d takes the mark back ...
        await settle(pilot)
        assert "Lesson unmarked: back to 'reading' (d marks it again)" in notices(app)
        assert store.lesson_progress(L1).status == "reading"
        await pilot.press("d")  # ... and a third marks it again
        await settle(pilot)
        await pilot.press("down", "down")  # reading on does not undo "done"
        await pilot.press("escape")
        await settle(pilot)
        assert store.lesson_progress(L1).status == "done"
        assert text_of(app, "#course-progress") == "Course progress: 1/15 lessons · 7%"
        assert option_text(app, L1).startswith("✓")


async def test_answer_a_lessons_check_questions(run_app, store):
    lesson = COURSE.lesson(L1)
    count = len(lesson.checks())
    async with run_app(lang="en") as (app, pilot):
        await open_from_overview(pilot, L1)
        await pilot.press("k")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QuizScreen) and screen.kind == "check"
        assert screen.session.total == count
        assert text_of(app, "#quiz-title") == f"Check: {lesson.title['en']}"
        assert text_of(app, "#quiz-counter").startswith(f"Question 1 of {count}")
        await answer_all(pilot, [True] * (count - 1) + [False])
        assert screen.session.finished
        assert text_of(app, "#quiz-prompt").startswith(f"Score: {count - 1}/{count}")
        [attempt] = store.attempts(L1)
        assert (attempt.kind, attempt.score, attempt.total) == ("check", count - 1, count)
        assert len(store.answers(attempt.id)) == count
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson_id == L1


# -- module quizzes ----------------------------------------------------------------------------


async def test_take_a_module_quiz_to_the_end_and_retake_the_misses(run_app, store):
    pattern = [True, False, True, True, False, True, True, False, True, False]  # 6/10: not passed
    async with run_app(lang="en") as (app, pilot):
        await open_from_overview(pilot, "m1-quiz")
        screen = app.screen
        assert isinstance(screen, QuizScreen) and screen.kind == "quiz"
        session = screen.session
        assert session.total == 10 and len({dq.question.id for dq in session.drawn}) == 10
        assert text_of(app, "#quiz-title") == "Quiz: Foundations of LLMs"

        first = session.current
        await pilot.press(str(first.correct_position + 1))
        await pilot.pause()
        feedback = text_of(app, "#quiz-feedback")
        assert feedback.startswith("✓ Correct!")
        assert first.question.in_lang("en").explanation[:40] in feedback.replace("\n", " ")
        assert "Press Enter to continue." in feedback
        await pilot.press("enter")
        await pilot.pause()
        assert session.index == 1 and not screen.awaiting_continue
        assert text_of(app, "#quiz-counter").startswith("Question 2 of 10")

        second = session.current
        await pilot.press(str((second.correct_position + 1) % 4 + 1))
        await pilot.pause()
        right_text = second.options("en")[second.correct_position]
        assert text_of(app, "#quiz-feedback").startswith(f"✗ Not quite. The answer was: {right_text}")
        await pilot.press("enter")
        await pilot.pause()

        await answer_all(pilot, pattern[2:])
        assert session.finished and session.score == 6
        assert text_of(app, "#quiz-prompt").startswith("Score: 6/10 (60%)")
        assert "Not yet: the pass mark is 70%" in text_of(app, "#quiz-prompt")
        review = app.screen.query_one("#quiz-review", Markdown).source
        assert "## Your misses" in review
        misses = [dq for dq, right in zip(session.drawn, pattern) if not right]
        for dq in misses:
            assert dq.question.in_lang("en").prompt in review
        assert "r" in visible_keys(app)

        [attempt] = store.attempts("m1-quiz")
        assert (attempt.kind, attempt.score, attempt.total, attempt.passed) == ("quiz", 6, 10, False)
        answers = store.answers(attempt.id)
        assert [row["question_id"] for row in answers] == [dq.question.id for dq in session.drawn]
        assert [bool(row["correct"]) for row in answers] == pattern

        await pilot.press("r")
        await settle(pilot)
        retake = screen.session
        assert retake.kind == "retake"
        assert {dq.question.id for dq in retake.drawn} == {dq.question.id for dq in misses}
        assert text_of(app, "#quiz-counter").startswith("Question 1 of 4")
        await answer_all(pilot, [True] * 4)
        assert text_of(app, "#quiz-prompt").startswith("Score: 4/4 (100%)")
        assert "No misses" in app.screen.query_one("#quiz-review", Markdown).source
        assert "r" not in visible_keys(app), "nothing left to retake"
        assert [a.kind for a in store.attempts("m1-quiz")] == ["quiz", "retake"]

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)
        quiz_line = option_text(app, "m1-quiz")
        assert quiz_line.startswith("○") and "best: 60%" in quiz_line


async def test_seven_of_ten_passes_and_a_new_quiz_can_follow(run_app, store):
    async with run_app(lang="es") as (app, pilot):
        await open_from_overview(pilot, "m2-quiz")
        screen = app.screen
        assert text_of(app, "#quiz-title") == "Quiz: Componentes avanzados de los LLMs"
        await answer_all(pilot, [True] * 7 + [False] * 3, how="arrows")
        assert text_of(app, "#quiz-prompt").startswith("Resultado: 7/10 (70%)")
        assert "¡Aprobado!" in text_of(app, "#quiz-prompt")
        await pilot.press("a")
        await settle(pilot)
        assert screen.session.kind == "quiz" and screen.session.index == 0 and screen.session.total == 10
        await pilot.press("escape")
        await settle(pilot)
        quiz_line = option_text(app, "m2-quiz")
        assert quiz_line.startswith("✓") and "mejor: 70%" in quiz_line
    attempts = store.attempts("m2-quiz")
    assert [(a.score, a.passed) for a in attempts] == [(7, True), (None, None)]


async def test_enter_after_feedback_only_continues(run_app, store):
    """The feedback says "Press Enter to continue": Enter must not also answer the next question."""
    async with run_app(lang="en") as (app, pilot):
        await open_from_overview(pilot, "m1-quiz")
        session = app.screen.session
        await pilot.press(str(session.current.correct_position + 1))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert session.index == 1, "Enter answered the next question as well"
        assert len(session.answers) == 1
        assert not app.screen.awaiting_continue
        [attempt] = store.attempts("m1-quiz")
        assert len(store.answers(attempt.id)) == 1


async def test_leaving_a_quiz_midway_keeps_the_answers(run_app, store):
    async with run_app(lang="en") as (app, pilot):
        await open_from_overview(pilot, "m1-quiz")
        await answer_all(pilot, [True, False, True])
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)
    [attempt] = store.attempts("m1-quiz")
    assert attempt.finished_at is None
    assert [bool(row["correct"]) for row in store.answers(attempt.id)] == [True, False, True]
    assert store.best_score("m1-quiz") is None


# -- language, other screens -------------------------------------------------------------------


async def test_switch_language_with_e_is_remembered_after_a_restart(run_app, store, monkeypatch):
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "es_ES.UTF-8")  # the locale says Spanish...
    lang = resolve_lang(None, store)
    assert lang == "es"
    async with run_app(lang=lang) as (app, pilot):
        assert text_of(app, "#course-progress") == "Progreso del curso: 0/15 lecciones · 0%"
        await pilot.press("e")  # ...the learner picks English
        await settle(pilot)
        assert app.lang == "en" and store.get_setting("lang") == "en"
        assert text_of(app, "#course-progress") == "Course progress: 0/15 lessons · 0%"
        assert visible_keys(app)["e"] == "Español"
        await pilot.press("e")
        await settle(pilot)
        assert visible_keys(app)["e"] == "English"
        await open_from_overview(pilot, L1)
        assert text_of(app, "#lesson-header").startswith("Lección 1 de 15")
        assert app.screen.query_one("#lesson-text", LessonText).source.startswith("# Funcionamiento interno de los LLM")
        await pilot.press("e")  # the open lesson is redrawn in English
        await settle(pilot)
        assert text_of(app, "#lesson-header").startswith("Lesson 1 of 15")
        assert app.screen.query_one("#lesson-text", LessonText).source.startswith("# How LLMs work inside")
        assert visible_keys(app)["n"] == "Next"
        await pilot.press("ctrl+q")
        await pilot.pause()
    store.close()

    reopened = open_store()
    try:
        lang = resolve_lang(None, reopened)  # what `tutor` does at start-up
        assert lang == "en", "the language picked in the app beats the locale"
        async with run_app(lang=lang, store=reopened) as (app, pilot):
            assert app.lang == "en"
            assert isinstance(app.screen, LessonScreen)
            assert text_of(app, "#lesson-header").startswith("Lesson 1 of 15")
    finally:
        reopened.close()


async def test_switching_language_mid_quiz_keeps_the_question(run_app):
    async with run_app(lang="en") as (app, pilot):
        await open_from_overview(pilot, "m1-quiz")
        await answer_all(pilot, [True])
        dq = app.screen.session.current
        await pilot.press("e")
        await settle(pilot)
        assert app.screen.session.current is dq and app.screen.session.index == 1
        assert text_of(app, "#quiz-prompt") == dq.question.in_lang("es").prompt
        assert text_of(app, "#quiz-counter").startswith("Pregunta 2 de 10")


async def test_progress_screen(run_app, store):
    store.mark_done(L1)
    attempt = store.start_attempt("m1-quiz", "quiz", "en", 10)
    store.finish_attempt(attempt, 8, 10, True)
    async with run_app(lang="en") as (app, pilot):
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ProgressScreen)
        assert "Lessons done: 1/15 (7%)" in text_of(app, "#progress-summary")
        lessons = app.screen.query_one("#progress-lessons", DataTable)
        assert lessons.row_count == 15
        assert "done" in str(lessons.get_row_at(0)[2]) and "not started" in str(lessons.get_row_at(1)[2])
        quizzes = app.screen.query_one("#progress-quizzes", DataTable)
        assert [str(cell) for cell in quizzes.get_row_at(0)] == ["Quiz: Foundations of LLMs", "1", "80%", "8/10"]
        assert [str(cell) for cell in quizzes.get_row_at(1)][1:] == ["0", "—", "—"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)


async def test_glossary_screen(run_app):
    async with run_app(lang="es") as (app, pilot):
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, GlossaryScreen)
        source = app.screen.query_one("#glossary-text", Markdown).source
        assert source.startswith("# Glosario") and "**Token**" in source
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)


async def test_glossary_filter_narrows_the_terms_and_esc_steps_back(run_app):
    """`/` then a few letters: only the terms that name or mention them, accents folded; Esc
    clears the search, a second Esc leaves the filter, a third the screen."""
    from textual.widgets import Input

    async with run_app(lang="es", size=(60, 18)) as (app, pilot):
        await pilot.press("g")
        await settle(pilot)
        screen = app.screen
        everything = screen.query_one("#glossary-text", Markdown).source.count("**") // 2
        await pilot.press("slash")
        await settle(pilot)
        field = screen.query_one("#glossary-filter", Input)
        assert field.has_focus and field.region.height == 1
        await pilot.press(*"epoca")
        await settle(pilot)
        source = screen.query_one("#glossary-text", Markdown).source
        found = source.count("**") // 2
        assert "**Época**" in source and 0 < found < everything
        assert str(screen.query_one("#glossary-count").content) == f"{found} de {everything} términos"
        await pilot.press("escape")
        await settle(pilot)
        assert field.value == "" and field.has_focus
        assert screen.query_one("#glossary-text", Markdown).source.count("**") // 2 == everything
        await pilot.press(*"zzzq")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, GlossaryScreen)  # letters in the filter are no shortcuts
        assert "Ningún término" in screen.query_one("#glossary-text", Markdown).source
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, GlossaryScreen) and not field.has_focus
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)


async def test_q_quits_from_the_overview(run_app):
    async with run_app(lang="en") as (app, pilot):
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
        assert app.return_code == 0


# -- restarting --------------------------------------------------------------------------------


async def test_restart_finds_the_progress_and_resumes_at_the_last_lesson(run_app, store):
    async with run_app(lang="en") as (app, pilot):
        await open_from_overview(pilot, L1)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.lesson_id == L2
        await pilot.press("pagedown", "pagedown", "pagedown")
        await pilot.pause()
        left_at = app.screen.position
        assert 0.1 < left_at < 1.0
        await pilot.press("ctrl+q")
        await pilot.pause()
    store.close()

    reopened = open_store()  # a new process: a new Store on the same TUTOR_HOME
    try:
        assert reopened.last_location()["lesson_id"] == L2
        async with run_app(lang="en", store=reopened) as (app, pilot):
            assert isinstance(app.screen, LessonScreen) and app.screen.lesson_id == L2
            assert "Picking up where you left off: Core concepts: from context to deployment" in notices(app)
            resumed_at = app.screen.position
            await pilot.press("escape")
            await settle(pilot)
            assert text_of(app, "#course-progress") == "Course progress: 1/15 lessons · 7%"
            assert option_text(app, L1).startswith("✓")
            assert option_text(app, L2).startswith("◐")
            assert option_text(app, L3).startswith("○")
        # and where in the lesson: the scroll position comes back too
        assert resumed_at == pytest.approx(left_at, abs=0.05), f"left at {left_at}, resumed at {resumed_at}"
    finally:
        reopened.close()


async def test_start_at_a_lesson_from_the_command_line(run_app, store):
    store.set_last_location({"screen": "lesson", "lesson_id": L1, "position": 0})
    async with run_app(lang="en", start={"screen": "lesson", "lesson_id": L4}) as (app, pilot):
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson_id == L4
        assert not any("Picking up" in notice for notice in notices(app)), "an explicit lesson is not a resume"


async def test_unknown_remembered_lesson_stays_on_the_overview(run_app, store):
    store.set_last_location({"screen": "lesson", "lesson_id": "m9-l99-gone", "position": 0.5})
    async with run_app(lang="en") as (app, pilot):
        assert isinstance(app.screen, OverviewScreen)


async def test_recovered_store_is_announced(run_app, tutor_home):
    path = tutor_home / "tutor.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    # the `store` fixture is not used here: the damaged file must exist before the store opens
    path.write_bytes(b"not a database" * 100)
    recovered = open_store()
    try:
        assert recovered.recovered_from is not None
        async with run_app(lang="en", store=recovered) as (app, pilot):
            assert any(str(recovered.recovered_from) in notice and "not deleted" in notice for notice in notices(app))
    finally:
        recovered.close()


# -- terminal size -----------------------------------------------------------------------------


async def test_terminal_too_small_at_start(run_app):
    async with run_app(lang="en", size=(50, 15)) as (app, pilot):
        assert app.screen.has_class("too-small")
        warning = app.screen.query_one("#too-small", Static)
        assert warning.display
        assert text_of(app, "#too-small") == (
            f"The terminal is too small: I need at least {MIN_WIDTH}×{MIN_HEIGHT}, it is 50×15."
        )
        assert not app.screen.query_one("#course-list").display or not app.screen.query_one("#overview").display


async def test_terminal_too_small_after_a_resize_and_back(run_app):
    async with run_app(lang="en") as (app, pilot):
        assert not app.screen.has_class("too-small")
        await pilot.resize_terminal(50, 15)
        await settle(pilot)
        assert app.screen.has_class("too-small"), "shrinking to 50x15 must show the notice"
        assert "it is 50×15" in text_of(app, "#too-small")
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert not app.screen.has_class("too-small"), "growing back must hide it"


async def test_minimum_size_is_usable(run_app):
    async with run_app(lang="es", size=(MIN_WIDTH, MIN_HEIGHT)) as (app, pilot):
        assert not app.screen.has_class("too-small")
        await open_from_overview(pilot, L1)
        assert not app.screen.has_class("too-small")
        assert app.screen.query_one("#lesson-scroll").size.height > 5
