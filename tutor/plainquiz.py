"""`tutor quiz N`: a module quiz as questionary prompts in the plain terminal.

Drives the same `QuizSession` as the app and saves to the same store, answer by answer.
`pt_kwargs` (prompt_toolkit's `input`/`output`) let tests pipe keys in. Ctrl-C stops the quiz
and keeps every answer already given.
"""

from __future__ import annotations

import random
import shutil
import textwrap
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
        # questionary's own texts, given in the learner's language
        "instruction": "(número o flechas, y Intro)",
        "confirm": "(y = sí / n = no)",
        "cancelled": "Cancelado.",
    },
    "en": {
        "stopped": "Quiz stopped. Your {n} answer(s) are saved.",
        "retake": "Retake only the ones you missed?",
        "explanation": "Explanation",
        "instruction": "(number or arrow keys, then Enter)",
        "confirm": "(y = yes / n = no)",
        "cancelled": "Cancelled.",
    },
}


def confirm(message: str, lang: str = "en", **pt_kwargs: Any) -> bool:
    strings = _STRINGS.get(lang, _STRINGS["en"])
    answer = questionary.confirm(message, default=False, instruction=strings["confirm"], **pt_kwargs).ask(
        kbi_msg="\n" + strings["cancelled"] + "\n"
    )
    return bool(answer)


def terminal_width() -> int:
    return max(40, min(shutil.get_terminal_size((80, 24)).columns, 120))


def wrapped(text: str, indent: str = "", width: int | None = None) -> str:
    """Text filled to the terminal's width at word boundaries (never mid-word)."""
    return textwrap.fill(
        text, width=(width or terminal_width()) - 1, initial_indent=indent, subsequent_indent=indent,
        break_long_words=False, break_on_hyphens=False,
    )


def choice_title(text: str, width: int) -> str:
    """An option for questionary's list: one line that fits (the full text is printed above it).
    questionary numbers the shortcuts itself ("1) "), so the title carries no number."""
    room = width - 8  # pointer, shortcut "1) " and margin
    return text if len(text) <= room else textwrap.shorten(text, room, placeholder=" …")


def run_session(store: Store, course: Course, session: QuizSession, out=print, **pt_kwargs: Any) -> bool | None:
    """Ask every question of `session`; None if the learner pressed Ctrl-C."""
    lang = session.lang
    attempt = store.start_attempt(session.quiz_id, session.kind, lang, session.total)
    while not session.finished:
        dq = session.current
        n = session.index + 1
        options = dq.options(lang)
        width = terminal_width()
        question = dq.question.in_lang(lang)
        strings = _STRINGS.get(lang, _STRINGS["en"])
        heading = f"{t('quiz.question', lang, n=n, total=session.total)}: {question.prompt}"
        cut = [i for i, text in enumerate(options) if choice_title(text, width) != text]
        if cut or len(heading) > width - 4:
            # Too long for one line each: the whole question and options, wrapped, above the list.
            out(wrapped(heading, width=width))
            for i, text in enumerate(options):
                out(textwrap.fill(text, width=width - 1, initial_indent=f"  {i + 1}) ", subsequent_indent="     ",
                                  break_long_words=False, break_on_hyphens=False))
            heading = t("quiz.question", lang, n=n, total=session.total)
        choices = [questionary.Choice(title=choice_title(text, width), value=i) for i, text in enumerate(options)]
        position = questionary.select(
            heading,
            choices=choices,
            use_shortcuts=True,
            instruction=strings["instruction"],
            **pt_kwargs,
        ).ask(kbi_msg="\n" + strings["cancelled"] + "\n")
        if position is None:  # Ctrl-C
            out(_STRINGS[lang]["stopped"].format(n=len(session.answers)))
            return None
        feedback = session.answer(position)
        store.record_answer(attempt, dq.question.id, dq.order[position], feedback.correct)
        if feedback.correct:
            out(wrapped(t("quiz.correct", lang)))
        else:
            out(wrapped(t("quiz.wrong", lang, answer=options[feedback.correct_position])))
        out(wrapped(f"{_STRINGS[lang]['explanation']}: {feedback.explanation}", indent="  ") + "\n")
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
        out(wrapped(f"- {text.prompt}"))
        out(wrapped(t("quiz.your_answer", lang, answer=chosen), indent="    "))
        out(wrapped(t("quiz.right_answer", lang, answer=right), indent="    "))
        out(wrapped(t("quiz.lesson_ref", lang, title=lesson.title[lang]), indent="    "))
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
        strings = _STRINGS.get(lang, _STRINGS["en"])
        again = questionary.confirm(strings["retake"], default=True, instruction=strings["confirm"], **pt_kwargs).ask(
            kbi_msg="\n" + strings["cancelled"] + "\n"
        )
        if not again:
            return 0
        session = session.retake_missed(rng=rng)
