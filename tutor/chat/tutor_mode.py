"""Tutor mode: the system prompt built from the lesson the learner is on, in their language.

The prompt names the course, the lesson (number and title) and its key ideas, and asks the model
to answer in the learner's language, briefly, with simple examples, tying answers back to those
ideas. `lesson_question()` is the question the lesson screen's chat key starts with.
"""

from __future__ import annotations

from tutor.i18n import LANGS

_COURSE = {"es": "Fundamentos de LLMs", "en": "LLM Fundamentals"}

_INTRO = {
    "es": (
        "Eres el tutor del curso «{course}», un curso en la terminal sobre cómo funcionan los modelos "
        "de lenguaje grandes (LLMs)."
    ),
    "en": (
        'You are the tutor of the course "{course}", a terminal course on how large language models '
        "(LLMs) work."
    ),
}

_LESSON = {
    "es": "El alumno está en la lección {number}: «{title}».",
    "en": 'The learner is on lesson {number}: "{title}".',
}

_IDEAS = {
    "es": "Ideas clave de esta lección:",
    "en": "Key ideas of this lesson:",
}

_RULES = {
    "es": (
        "Responde siempre en español, de forma clara y breve, con ejemplos sencillos y concretos. "
        "Relaciona tus respuestas con las ideas clave de la lección cuando venga al caso. "
        "Si la pregunta va más allá de la lección, respóndela igualmente y di de qué tema del curso se trata. "
        "Si no sabes algo, dilo: no inventes cifras ni referencias. Usa markdown; pon el código en bloques."
    ),
    "en": (
        "Always answer in English, clearly and briefly, with simple, concrete examples. "
        "Tie your answers to the lesson's key ideas where it helps. "
        "If the question goes beyond the lesson, answer it anyway and say which topic of the course it belongs to. "
        "If you do not know something, say so: never invent figures or references. Use markdown; put code in blocks."
    ),
}

_GENERAL = {
    "es": "El alumno todavía no ha abierto ninguna lección: ayúdale con lo que pregunte sobre LLMs.",
    "en": "The learner has not opened a lesson yet: help with whatever they ask about LLMs.",
}

_QUESTION = {
    "es": "Explícame con un ejemplo sencillo las ideas clave de la lección «{title}».",
    "en": 'Explain the key ideas of the lesson "{title}" with a simple example.',
}


def _lang(lang: str) -> str:
    return lang if lang in LANGS else "en"


def system_prompt(lesson=None, lang: str = "en") -> str:
    """The tutor's instructions for `lesson` (a tutor.lessons.Lesson, or None) in `lang`."""
    lang = _lang(lang)
    parts = [_INTRO[lang].format(course=_COURSE[lang])]
    if lesson is not None:
        parts.append(_LESSON[lang].format(number=lesson.number, title=lesson.title[lang]))
        try:
            ideas = lesson.key_ideas(lang)
        except OSError:  # a lesson file missing from this build
            ideas = []
        if ideas:
            parts.append(_IDEAS[lang] + "\n" + "\n".join(f"- {idea}" for idea in ideas))
    else:
        parts.append(_GENERAL[lang])
    parts.append(_RULES[lang])
    return "\n\n".join(parts)


def lesson_question(lesson, lang: str = "en") -> str:
    lang = _lang(lang)
    return _QUESTION[lang].format(title=lesson.title[lang])
