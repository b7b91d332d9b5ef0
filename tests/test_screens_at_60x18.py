"""The learner's screens at the app's minimum size, 60x18, in Spanish (issue 11, audit H1, H2, M2,
M3, M6, M7): what the learner needs is on the screen, not only in a widget's content.

Pilot tests against the real app; `screen_lines` reads the composed screen, exactly what a
terminal would show, so a widget squeezed to no rows or pushed below the edge fails them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import settle
from labkit import wait_until

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers.chat_support import closed_port  # noqa: E402

SMALL = (60, 18)


def screen_lines(app) -> list[str]:
    """The screen as the terminal shows it: one string per row (Textual's compositor output)."""
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]


def on_screen(app, text: str) -> bool:
    return any(text in line for line in screen_lines(app))


# -- H1: the chat input keeps a visible line ---------------------------------------------------------


async def chat_ready(app, pilot):
    from tutor.app.chat import ChatScreen

    await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen) and not app.screen.connecting)
    screen = app.screen
    await wait_until(pilot, lambda: screen.panel_error is not None or screen.model is not None)
    await settle(pilot)
    return screen


async def test_chat_offline_at_60x18_shows_what_is_typed(run_app, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port()}")
    async with run_app(lang="es", start={"screen": "chat"}, size=SMALL) as (app, pilot):
        screen = await chat_ready(app, pilot)
        assert screen.panel_error is not None  # the long offline help is shown
        await pilot.press(*"hola")
        await settle(pilot)
        box = screen.query_one("#chat-input")
        assert box.region.height >= 3 and box.region.bottom <= app.size.height - 1
        assert on_screen(app, "hola")
        # The panel is cut to fit and says so in words; Tab and the arrows scroll it to its end.
        panel = screen.query_one("#chat-panel")
        assert "sigue ↓" in str(panel.border_subtitle)
        panel.focus()
        await pilot.press("end")
        await settle(pilot)
        assert on_screen(app, "Ctrl+R reintenta")
        assert not panel.border_subtitle


async def test_chat_from_a_lesson_at_60x18_shows_the_prefilled_prompt(run_app, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port()}")
    start = {"screen": "lesson", "lesson_id": "m2-l15-ollama-exo"}
    async with run_app(lang="es", start=start, size=SMALL) as (app, pilot):
        await pilot.press("c")
        screen = await chat_ready(app, pilot)
        await pilot.press(*"hola")
        await settle(pilot)
        text = screen.query_one("#chat-input").text
        assert text.startswith("Explícame") and text.endswith("hola")
        assert on_screen(app, "Explícame") and on_screen(app, "hola")


async def test_chat_at_80x24_keeps_the_whole_offline_help_and_the_input(run_app, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port()}")
    async with run_app(lang="en", start={"screen": "chat"}, size=(80, 24)) as (app, pilot):
        screen = await chat_ready(app, pilot)
        await pilot.press(*"hello")
        await settle(pilot)
        assert on_screen(app, "hello") and on_screen(app, "Ctrl+R retries")
        assert not screen.query_one("#chat-panel").border_subtitle


# -- H2: quiz feedback scrolls as one page; L5: wrapped options hang under their text ---------------


def longest(questions, lang="es"):
    def size(q):
        text = q.in_lang(lang)
        return len(text.prompt) + sum(len(o) for o in text.options) + len(text.explanation)

    return max(questions, key=size)


def footer_text(app) -> str:
    from textual.content import Content

    from tutor.app.footer import KeyFooter

    return Content.from_markup(app.screen.query_one(KeyFooter).keys_line()).plain


async def answer_wrong_and_read_on(app, pilot, screen) -> None:
    await app.push_screen(screen)
    await settle(pilot)
    dq = screen.session.current
    wrong = (dq.correct_position + 1) % 4
    await pilot.press(str(wrong + 1))
    await settle(pilot)
    explanation = dq.question.in_lang("es").explanation
    assert on_screen(app, "✗ No es correcto")  # the verdict, right after answering
    right = dq.options("es")[dq.correct_position]
    assert on_screen(app, right.split()[-1])  # and the whole verdict: its right answer's end
    assert not on_screen(app, "Pulsa Enter para seguir.")  # the test needs feedback below the fold
    assert "Seguir" in footer_text(app)
    await pilot.press(*["pagedown"] * 6)
    await settle(pilot)
    assert on_screen(app, explanation.split()[-1]) and on_screen(app, "Pulsa Enter para seguir.")
    await pilot.press("up")  # ↑ scrolls back a line, it does not move on
    await settle(pilot)
    assert screen.awaiting_continue
    await pilot.press("enter")
    await settle(pilot)
    assert not screen.awaiting_continue


async def test_module_quiz_feedback_at_60x18_scrolls_to_its_end(run_app, course):
    from tutor.app.screens import QuizScreen
    from tutor.quiz import load_bank

    quiz = course.find_quiz("1")
    question = longest(load_bank(quiz.module_id))
    async with run_app(lang="es", size=SMALL) as (app, pilot):
        screen = QuizScreen(quiz.id, quiz.title, [question], kind="quiz", draw=1)
        await answer_wrong_and_read_on(app, pilot, screen)
        assert screen.session.finished and on_screen(app, "Resultado: 0/1")


async def test_lesson_check_feedback_at_60x18_scrolls_to_its_end(run_app, course):
    from tutor.app.screens import QuizScreen

    lesson = course.lesson("m1-l01-inside-llms")
    question = longest([q for l in course.lessons for q in l.checks()])
    async with run_app(lang="es", size=SMALL) as (app, pilot):
        await answer_wrong_and_read_on(app, pilot, QuizScreen.lesson_checks(lesson, [question]))


async def test_wrapped_options_hang_under_their_text(run_app, course):
    from tutor.app.screens import QuizScreen
    from tutor.quiz import load_bank

    quiz = course.find_quiz("1")
    question = max(load_bank(quiz.module_id), key=lambda q: max(len(o) for o in q.in_lang("es").options))
    async with run_app(lang="es", size=SMALL) as (app, pilot):
        screen = QuizScreen(quiz.id, quiz.title, [question], kind="quiz", draw=1)
        await app.push_screen(screen)
        await settle(pilot)
        lines = screen_lines(app)
        first = next(i for i, line in enumerate(lines) if line.lstrip().startswith("1. "))
        text_column = lines[first].index("1. ") + 3
        following = lines[first + 1]
        assert following[:text_column].strip() == "" and following[text_column] != " "


async def test_quiz_keys_typed_fast_act_in_the_order_typed(run_app, course):
    """The keys reach the app together, as from a fast typist (not one press per refresh)."""
    from textual import events

    from tutor.app.screens import QuizScreen

    async with run_app(lang="es", size=SMALL) as (app, pilot):
        screen = QuizScreen.module_quiz(course.find_quiz("1"))
        await app.push_screen(screen)
        await settle(pilot)
        first = screen.session.current
        for key, char in (("2", "2"), ("enter", "\r"), ("enter", "\r"), ("1", "1"), ("enter", "\r")):
            app.post_message(events.Key(key, char))
        await settle(pilot)
        # 2 answers the first question, Enter moves on, Enter answers the second with its
        # highlighted (first) option, 1 moves on, Enter answers the third: three answers, in order.
        assert screen.session.index == 3 and screen.awaiting_continue
        assert screen.session.answers[first.question.id] == first.order[1]


async def test_the_highlighted_option_stays_in_sight_at_60x18(run_app, course):
    """No shipped question is that long at 60x18 today, so a made-up one: its last options end
    below the fold, and ↓ brings each into view as it is highlighted."""
    from tutor.app.screens import QuizScreen
    from tutor.quiz import Question, QuestionText

    long = " ".join(["palabra"] * 30)
    options = tuple(f"{long} fin{n}" for n in range(1, 5))
    text = QuestionText(prompt=long, options=options, explanation="Porque sí.")
    question = Question(id="long-one", lesson="m1-l01-inside-llms", correct=0, text={"es": text, "en": text})
    quiz = course.find_quiz("1")
    async with run_app(lang="es", size=SMALL) as (app, pilot):
        screen = QuizScreen(quiz.id, quiz.title, [question], kind="check", draw=1)
        await app.push_screen(screen)
        await settle(pilot)
        shown = screen.session.current.options("es")
        assert not on_screen(app, shown[-1].split()[-1])  # the last option ends below the fold
        for n in range(1, 4):
            await pilot.press("down")
            await settle(pilot)
            assert on_screen(app, shown[n].split()[-1]), n


# -- M6: the progress screen keeps the status and the scores at 60 columns --------------------------


async def test_progress_at_60x18_shows_every_status_and_score(run_app, store):
    store.mark_done("m1-l01-inside-llms")
    store.mark_reading("m1-l02-context-to-deployment", 0.3)
    attempt = store.start_attempt("m1-quiz", "quiz", "es", 10)
    store.finish_attempt(attempt, 3, 10, False)
    async with run_app(lang="es", size=SMALL) as (app, pilot):
        await pilot.press("p")
        await settle(pilot)
        lines = screen_lines(app)
        assert any("Funcionamiento" in line and "✓ hecha" in line for line in lines)
        assert any("Conceptos" in line and "◐ leyendo" in line for line in lines)
        assert any("○ sin empezar" in line for line in lines)  # not cut to "○ sin"
        assert any("Quiz: Fundamentos" in line and "30%" in line and "3/10" in line for line in lines)
        assert any("…" in line for line in lines)  # a long title gave way, clipped in sight


# -- M2: the settings' choices are marked by glyph, not colour ---------------------------------------


async def test_settings_mark_the_chosen_server_and_the_tick_without_colour(run_app, monkeypatch):
    from tutor.app.chat import SettingsScreen

    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port()}")
    async with run_app(lang="es", start={"screen": "chat"}, size=SMALL) as (app, pilot):
        await chat_ready(app, pilot)
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await settle(pilot)
        assert any("▐●▌ Ollama" in line and "▐○▌ Compatible" in line for line in screen_lines(app))
        await pilot.press("right", "space")  # the other server
        await settle(pilot)
        assert any("▐○▌ Ollama" in line and "▐●▌ Compatible" in line for line in screen_lines(app))
        think = app.screen.query_one("#set-think")
        think.focus()
        await settle(pilot)
        assert on_screen(app, "▐X▌ Pedir razonamiento")
        await pilot.press("space")
        await settle(pilot)
        assert on_screen(app, "▐ ▌ Pedir razonamiento") and not think.value


# -- M7: help on F1 and ? from every screen ----------------------------------------------------------


def help_open(app) -> bool:
    from tutor.app.help import HelpScreen

    return isinstance(app.screen, HelpScreen)


def help_whole(app) -> bool:
    box = app.screen.query_one("#help")
    return box.region.y >= 0 and box.region.bottom <= app.size.height and box.region.right <= app.size.width


async def test_help_on_the_overview_lists_its_keys_in_spanish_and_closes(run_app):
    async with run_app(lang="es", size=SMALL) as (app, pilot):
        assert "f1 Ayuda" not in footer_text(app)  # no room at 60 columns: the footer keeps its keys
        await pilot.press("f1")
        await settle(pilot)
        assert help_open(app) and help_whole(app)
        for words in ("Ayuda", "Progreso", "Glosario", "Salir", "Esc cierra", "Campo anterior"):
            assert on_screen(app, words), words
        await pilot.press("escape")
        await settle(pilot)
        assert not help_open(app)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert footer_text(app).endswith("f1 Ayuda")  # said where there is room


async def test_question_mark_opens_the_help_on_a_lesson_and_in_a_quiz(run_app, course):
    from tutor.app.screens import QuizScreen

    async with run_app(lang="es", start={"screen": "lesson", "lesson_id": "m1-l01-inside-llms"}, size=SMALL) as (app, pilot):
        await pilot.press("question_mark")
        await settle(pilot)
        assert help_open(app) and help_whole(app) and on_screen(app, "Preguntas") and on_screen(app, "Lab")
        await pilot.press("question_mark")  # ? again closes it
        await settle(pilot)
        assert not help_open(app)
        await app.push_screen(QuizScreen.module_quiz(course.find_quiz("1")))
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert help_open(app) and on_screen(app, "1 / 2 / 3 / 4") and on_screen(app, "Responder")


async def test_help_in_the_chat_names_its_hidden_keys_and_question_mark_still_types(run_app, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port()}")
    async with run_app(lang="es", start={"screen": "chat"}, size=SMALL) as (app, pilot):
        screen = await chat_ready(app, pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert not help_open(app) and screen.query_one("#chat-input").text == "?"
        await pilot.press("f1")
        await settle(pilot)
        assert help_open(app) and help_whole(app)
        box = app.screen.query_one("#help")
        box.scroll_end(animate=False)  # whatever does not fit scrolls into view
        await settle(pilot)
        for words in ("Reintentar la conexión", "Conversación nueva", "Ajustes", "Salir"):
            if not on_screen(app, words):
                box.scroll_home(animate=False)
                await settle(pilot)
            assert on_screen(app, words), words


async def test_question_mark_types_into_a_lab_text_field(run_app):
    from textual.widgets import Input

    from labkit import open_lab

    async with run_app(lang="es", start={"screen": "lesson", "lesson_id": "m1-l04-tokenization"}, size=SMALL) as (app, pilot):
        await open_lab(pilot)
        field = app.focused
        assert isinstance(field, Input)
        await pilot.press("question_mark")
        await settle(pilot)
        assert not help_open(app) and field.value.endswith("?")
        await pilot.press("f1")
        await settle(pilot)
        assert help_open(app) and help_whole(app)
