"""`tutor quiz N` in the plain terminal: questionary prompts driven by piped keys.

prompt_toolkit reads the keys from a pipe input and draws to a DummyOutput; the quiz saves
into the real store. The no-TTY path runs the real `tutor` program.
"""

from __future__ import annotations

import random
import subprocess

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from tutor.lessons import load_course
from tutor.plainquiz import EXIT_INTERRUPTED, confirm, run_plain_quiz
from tutor.quiz import QUIZ_LENGTH, draw_quiz, load_bank

DOWN = "\x1b[B"
ENTER = "\r"
CTRL_C = "\x03"
SEED = 1234


def drawn_for(module_id: str, seed: int = SEED):
    """The draw run_plain_quiz will make with random.Random(seed) (same bank, same calls)."""
    return draw_quiz(load_bank(module_id), rng=random.Random(seed))


def keys_for(drawn, right: int, style: str = "digit") -> str:
    """Answer the first `right` questions correctly, the rest wrongly."""
    keys = []
    for i, dq in enumerate(drawn):
        position = dq.correct_position if i < right else (dq.correct_position + 1) % 4
        if style == "digit":
            keys.append(f"{position + 1}{ENTER}")
        else:  # arrows from the first option, then Enter
            keys.append(DOWN * position + ENTER)
    return "".join(keys)


def play(store, module_number: int, lang: str, keys: str, seed: int = SEED):
    course = load_course()
    quiz = course.find_quiz(str(module_number))
    lines: list[str] = []
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        code = run_plain_quiz(
            store, course, quiz, lang, rng=random.Random(seed), out=lines.append, input=pipe, output=DummyOutput()
        )
    return code, "\n".join(lines)


@pytest.mark.parametrize("style", ["digit", "arrows"])
def test_full_quiz_with_piped_keys_is_saved(store, style):
    drawn = drawn_for("m1")
    code, out = play(store, 1, "en", keys_for(drawn, right=8, style=style) + "n")
    assert code == 0
    [attempt] = store.attempts("m1-quiz")
    assert (attempt.kind, attempt.lang, attempt.score, attempt.total, attempt.passed) == ("quiz", "en", 8, 10, True)
    assert attempt.finished_at
    answers = store.answers(attempt.id)
    assert [row["question_id"] for row in answers] == [dq.question.id for dq in drawn]
    assert [bool(row["correct"]) for row in answers] == [True] * 8 + [False] * 2
    for row, dq in zip(answers, drawn):
        expected = dq.question.correct if row["correct"] else dq.order[(dq.correct_position + 1) % 4]
        assert row["chosen"] == expected, "answers are saved by file index, not by screen position"
    assert "Score: 8/10 (80%)" in out
    assert "Passed! The pass mark is 70%." in out
    assert out.count("✓ Correct!") == 8 and out.count("✗ Not quite.") == 2
    assert "Your misses" in out
    assert store.best_score("m1-quiz") == pytest.approx(0.8)


def test_six_of_ten_fails_and_retakes_only_the_misses(store):
    drawn = drawn_for("m2")
    keys = keys_for(drawn, right=6)
    # After the first pass: "retake the misses?" -> y; then answer all four retake questions with "1".
    keys += "y" + f"1{ENTER}" * 4
    # The retake may miss again: decline a second retake.
    keys += "n"
    code, out = play(store, 2, "es", keys)
    assert code == 0
    first, retake = store.attempts("m2-quiz")
    assert (first.kind, first.score, first.passed) == ("quiz", 6, False)
    assert "Aún no: la nota para aprobar es 70%." in out
    assert retake.kind == "retake" and retake.total == 4 and retake.finished_at
    missed = {dq.question.id for dq in drawn[6:]}
    assert {row["question_id"] for row in store.answers(retake.id)} == missed
    assert store.best_score("m2-quiz") == pytest.approx(0.6), "a retake does not raise the quiz score"


def test_perfect_score_needs_no_retake(store):
    drawn = drawn_for("m1", seed=7)
    code, out = play(store, 1, "en", keys_for(drawn, right=10), seed=7)
    assert code == 0
    assert "Score: 10/10 (100%)" in out and "No misses. Excellent!" in out
    assert len(store.attempts()) == 1


def test_ctrl_c_mid_quiz_returns_130_and_keeps_the_answers(store):
    drawn = drawn_for("m1")
    keys = keys_for(drawn[:3], right=3) + CTRL_C
    code, out = play(store, 1, "en", keys)
    assert code == EXIT_INTERRUPTED == 130
    assert "Your 3 answer(s) are saved" in out
    [attempt] = store.attempts("m1-quiz")
    assert attempt.finished_at is None and attempt.score is None
    assert [row["question_id"] for row in store.answers(attempt.id)] == [dq.question.id for dq in drawn[:3]]
    assert store.best_score("m1-quiz") is None


def test_ctrl_c_on_the_first_question(store):
    code, out = play(store, 2, "es", CTRL_C)
    assert code == 130
    assert "0 respuesta(s)" in out
    [attempt] = store.attempts()
    assert store.answers(attempt.id) == []


def test_spanish_prompts(store):
    drawn = drawn_for("m2")
    code, out = play(store, 2, "es", keys_for(drawn, right=10))
    assert code == 0
    assert out.startswith("Quiz: Componentes avanzados de los LLMs")
    assert "Resultado: 10/10 (100%)" in out and "¡Aprobado!" in out
    assert store.attempts()[0].lang == "es"


def test_confirm_reads_piped_keys():
    with create_pipe_input() as pipe:
        pipe.send_text("y")
        assert confirm("Sure?", input=pipe, output=DummyOutput()) is True
    with create_pipe_input() as pipe:
        pipe.send_text(ENTER)  # the default is No
        assert confirm("Sure?", input=pipe, output=DummyOutput()) is False
    with create_pipe_input() as pipe:
        pipe.send_text(CTRL_C)
        assert confirm("Sure?", input=pipe, output=DummyOutput()) is False


def test_drawn_quiz_has_ten_questions():
    assert len(drawn_for("m1")) == QUIZ_LENGTH


# -- no terminal: the real program -------------------------------------------------------------


@pytest.mark.parametrize("args", [["quiz", "1"], ["quiz", "m2", "--lang", "es"], []], ids=["quiz-1", "quiz-m2", "tutor"])
def test_no_tty_exits_2_with_a_clear_message(tutor_cmd, tutor_env, tutor_home, args):
    result = subprocess.run(
        [*tutor_cmd, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=tutor_env,
        timeout=60,
    )
    assert result.returncode == 2
    assert ("necesita una terminal interactiva" if "es" in args else "needs an interactive terminal") in result.stderr
    assert result.stdout == ""
    combined = result.stdout + result.stderr
    assert "\x1b" not in combined and "Traceback" not in combined
    if args:
        from tutor.store import open_store

        store = open_store()
        try:
            assert store.attempts() == []
        finally:
            store.close()
