"""`tutor quiz N`: a module quiz as questionary prompts in the plain terminal.

Drives the same `QuizSession` as the app and saves to the same store, answer by answer.
`pt_kwargs` (prompt_toolkit's `input`/`output`) let tests pipe keys in. Ctrl-C stops the quiz
and keeps every answer already given.
"""

from __future__ import annotations

import random
from typing import Any

import questionary

from tutor.i18n import t
from tutor.lessons import Course, QuizRef
from tutor.quiz import PASS_MARK, QuizSession, draw_quiz, load_bank, percent
from tutor.store import Store

EXIT_INTERRUPTED = 130

_STRINGS = {
    "es": {
        "stopped": "Quiz detenido. Tus {n} respuesta(s) quedan guardadas.",
        "retake": "¿Repetir solo las que fallaste?",
        "explanation": "Explicación",
    },
    "en": {
        "stopped": "Quiz stopped. Your {n} answer(s) are saved.",
        "retake": "Retake only the ones you missed?",
        "explanation": "Explanation",
    },
}


def confirm(message: str, **pt_kwargs: Any) -> bool:
    answer = questionary.confirm(message, default=False, **pt_kwargs).ask()
    return bool(answer)


def run_session(store: Store, course: Course, session: QuizSession, out=print, **pt_kwargs: Any) -> bool | None:
    """Ask every question of `session`; None if the learner pressed Ctrl-C."""
    lang = session.lang
    attempt = store.start_attempt(session.quiz_id, session.kind, lang, session.total)
    while not session.finished:
        dq = session.current
        n = session.index + 1
        options = dq.options(lang)
        choices = [questionary.Choice(title=f"{i + 1}. {text}", value=i) for i, text in enumerate(options)]
        question = dq.question.in_lang(lang)
        position = questionary.select(
            f"{t('quiz.question', lang, n=n, total=session.total)}: {question.prompt}",
            choices=choices,
            use_shortcuts=True,
            **pt_kwargs,
        ).ask()
        if position is None:  # Ctrl-C
            out(_STRINGS[lang]["stopped"].format(n=len(session.answers)))
            return None
        feedback = session.answer(position)
        store.record_answer(attempt, dq.question.id, dq.order[position], feedback.correct)
        if feedback.correct:
            out(t("quiz.correct", lang))
        else:
            out(t("quiz.wrong", lang, answer=options[feedback.correct_position]))
        out(f"  {_STRINGS[lang]['explanation']}: {feedback.explanation}\n")
    store.finish_attempt(attempt, session.score, session.total, session.passed)
    out(t("quiz.score", lang, score=session.score, total=session.total, percent=percent(session.fraction)))
    mark = percent(PASS_MARK)
    if session.kind == "quiz":
        out(t("quiz.passed", lang, mark=mark) if session.passed else t("quiz.failed", lang, mark=mark))
    misses = session.misses()
    if not misses:
        out(t("quiz.perfect", lang))
        return True
    out("\n" + t("quiz.review_heading", lang))
    for dq in misses:
        text = dq.question.in_lang(lang)
        chosen = text.options[session.answers[dq.question.id]]
        right = text.options[dq.question.correct]
        lesson = course.lesson(dq.question.lesson)
        out(f"- {text.prompt}")
        out(f"    {t('quiz.your_answer', lang, answer=chosen)}")
        out(f"    {t('quiz.right_answer', lang, answer=right)}")
        out(f"    {t('quiz.lesson_ref', lang, title=lesson.title[lang])}")
    return True


def run_plain_quiz(
    store: Store,
    course: Course,
    quiz: QuizRef,
    lang: str,
    rng: random.Random | None = None,
    out=print,
    **pt_kwargs: Any,
) -> int:
    out(f"{quiz.title[lang]}\n")
    session = QuizSession(quiz_id=quiz.id, drawn=draw_quiz(load_bank(quiz.module_id), rng=rng), lang=lang)
    while True:
        finished = run_session(store, course, session, out=out, **pt_kwargs)
        if finished is None:
            return EXIT_INTERRUPTED
        if not session.misses():
            return 0
        again = questionary.confirm(_STRINGS[lang]["retake"], default=True, **pt_kwargs).ask()
        if not again:
            return 0
        session = session.retake_missed(rng=rng)
