"""UI strings in both languages, and how the language is chosen.

Lesson text lives in markdown; this catalogue holds only the interface's words. Both languages
must have the same keys (a test checks it). `t("key", lang, **values)` formats one.
"""

from __future__ import annotations

import locale
import os

LANGS = ("es", "en")
DEFAULT_LANG = "en"


def lang_from_locale(environ: dict[str, str] | None = None) -> str:
    """es* locales get Spanish, every other locale English (the issue's rule)."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(var, "")
        if value:
            return "es" if value.lower().startswith("es") else "en"
    if environ is None:
        try:
            code = locale.getlocale()[0] or ""
        except ValueError:
            code = ""
        if code.lower().startswith("es"):
            return "es"
    return DEFAULT_LANG


def choose_lang(flag: str | None, remembered: str | None, environ: dict[str, str] | None = None) -> str:
    """--lang beats the language the learner picked last time, which beats the locale."""
    for candidate in (flag, remembered):
        if candidate in LANGS:
            return candidate
    return lang_from_locale(environ)


def t(key: str, lang: str, **values: object) -> str:
    text = CATALOGUE[lang if lang in CATALOGUE else DEFAULT_LANG][key]
    return text.format(**values) if values else text


CATALOGUE: dict[str, dict[str, str]] = {
    "es": {
        "app.title": "tutor · Fundamentos de LLMs",
        "lang.name": "Español",
        "lang.switched": "Idioma: español",
        "key.quit": "Salir",
        "key.open": "Abrir",
        "key.back": "Volver",
        "key.next": "Siguiente",
        "key.prev": "Anterior",
        "key.done": "Hecha",
        "key.checks": "Preguntas",
        "key.progress": "Progreso",
        "key.chat": "Chat",
        "key.glossary": "Glosario",
        "key.lang": "English",
        "key.help": "Ayuda",
        "key.lab": "Laboratorio",
        "key.retake": "Repetir fallos",
        "key.review": "Revisar",
        "key.again": "Otra vez",
        "key.resume": "Continuar",
        "overview.heading": "{title}",
        "overview.progress": "Progreso del curso: {done}/{total} lecciones · {percent}%",
        "overview.lesson": "{mark} {number:>2}. {title}  ({minutes} min)",
        "overview.quiz": "{mark} ★  {title}{best}",
        "overview.best": "  · mejor: {percent}%",
        "overview.resume": "Continúas donde lo dejaste: {title}",
        "overview.hint": "↑↓ para moverte · Enter para abrir",
        "status.not_started": "sin empezar",
        "status.reading": "leyendo",
        "status.done": "hecha",
        "lesson.header": "Lección {number} de {total} · {module}",
        "lesson.marked_done": "Lección marcada como hecha ✓",
        "lesson.already_done": "Esta lección ya está hecha ✓",
        "lesson.first": "Esta es la primera lección.",
        "lesson.last": "Es la última lección: ¡ahora el quiz del módulo!",
        "lesson.no_checks": "Esta lección no tiene preguntas de repaso.",
        "lesson.lab_soon": "El laboratorio de esta lección aún no está disponible en esta versión.",
        "quiz.checks_title": "Repaso: {title}",
        "quiz.question": "Pregunta {n} de {total}",
        "quiz.choose": "Elige con ↑↓ y Enter, o pulsa 1-4.",
        "quiz.correct": "✓ ¡Correcto!",
        "quiz.wrong": "✗ No es correcto. La respuesta era: {answer}",
        "quiz.continue": "Pulsa Enter para seguir.",
        "quiz.score": "Resultado: {score}/{total} ({percent}%)",
        "quiz.passed": "¡Aprobado! La nota para aprobar es {mark}%.",
        "quiz.failed": "Aún no: la nota para aprobar es {mark}%. Repasa los fallos y vuelve a intentarlo.",
        "quiz.perfect": "Sin fallos. ¡Excelente!",
        "quiz.review_heading": "Tus fallos",
        "quiz.your_answer": "Tu respuesta: {answer}",
        "quiz.right_answer": "Correcta: {answer}",
        "quiz.lesson_ref": "Lección: {title}",
        "quiz.saved": "Intento guardado.",
        "quiz.keys_end": "r: repetir solo los fallos · a: quiz nuevo · Esc: volver",
        "progress.title": "Tu progreso",
        "progress.lessons": "Lecciones hechas: {done}/{total} ({percent}%)",
        "progress.col.lesson": "Lección",
        "progress.col.status": "Estado",
        "progress.col.quiz": "Quiz",
        "progress.col.attempts": "Intentos",
        "progress.col.best": "Mejor",
        "progress.col.last": "Último",
        "progress.none": "—",
        "chat.title": "Chat con tu modelo local",
        "chat.placeholder": (
            "El chat con un modelo local llega en una próxima versión. Necesitará Ollama "
            "(https://ollama.com) en esta máquina o en la que indique OLLAMA_HOST, con un modelo "
            "descargado que quepa en tu memoria."
        ),
        "chat.checking": "Comprobando Ollama en {host}…",
        "chat.reachable": "Ollama responde en {host} (versión {version}).",
        "chat.unreachable": "Ollama no responde en {host}: {error}",
        "glossary.title": "Glosario",
        "too_small": "La terminal es demasiado pequeña: necesito al menos {need_w}×{need_h}, hay {w}×{h}.",
        "store.recovered": (
            "El archivo de progreso estaba dañado y se ha apartado a {path}. Empiezas con un progreso nuevo; "
            "el archivo original no se ha borrado."
        ),
        "help.title": "Ayuda",
    },
    "en": {
        "app.title": "tutor · LLM Fundamentals",
        "lang.name": "English",
        "lang.switched": "Language: English",
        "key.quit": "Quit",
        "key.open": "Open",
        "key.back": "Back",
        "key.next": "Next",
        "key.prev": "Previous",
        "key.done": "Done",
        "key.checks": "Questions",
        "key.progress": "Progress",
        "key.chat": "Chat",
        "key.glossary": "Glossary",
        "key.lang": "Español",
        "key.help": "Help",
        "key.lab": "Lab",
        "key.retake": "Retake misses",
        "key.review": "Review",
        "key.again": "Again",
        "key.resume": "Resume",
        "overview.heading": "{title}",
        "overview.progress": "Course progress: {done}/{total} lessons · {percent}%",
        "overview.lesson": "{mark} {number:>2}. {title}  ({minutes} min)",
        "overview.quiz": "{mark} ★  {title}{best}",
        "overview.best": "  · best: {percent}%",
        "overview.resume": "Picking up where you left off: {title}",
        "overview.hint": "↑↓ to move · Enter to open",
        "status.not_started": "not started",
        "status.reading": "reading",
        "status.done": "done",
        "lesson.header": "Lesson {number} of {total} · {module}",
        "lesson.marked_done": "Lesson marked as done ✓",
        "lesson.already_done": "This lesson is already done ✓",
        "lesson.first": "This is the first lesson.",
        "lesson.last": "That was the last lesson: now the module quiz!",
        "lesson.no_checks": "This lesson has no check questions.",
        "lesson.lab_soon": "This lesson's lab is not available in this version yet.",
        "quiz.checks_title": "Check: {title}",
        "quiz.question": "Question {n} of {total}",
        "quiz.choose": "Choose with ↑↓ and Enter, or press 1-4.",
        "quiz.correct": "✓ Correct!",
        "quiz.wrong": "✗ Not quite. The answer was: {answer}",
        "quiz.continue": "Press Enter to continue.",
        "quiz.score": "Score: {score}/{total} ({percent}%)",
        "quiz.passed": "Passed! The pass mark is {mark}%.",
        "quiz.failed": "Not yet: the pass mark is {mark}%. Review your misses and try again.",
        "quiz.perfect": "No misses. Excellent!",
        "quiz.review_heading": "Your misses",
        "quiz.your_answer": "Your answer: {answer}",
        "quiz.right_answer": "Correct: {answer}",
        "quiz.lesson_ref": "Lesson: {title}",
        "quiz.saved": "Attempt saved.",
        "quiz.keys_end": "r: retake only the misses · a: new quiz · Esc: back",
        "progress.title": "Your progress",
        "progress.lessons": "Lessons done: {done}/{total} ({percent}%)",
        "progress.col.lesson": "Lesson",
        "progress.col.status": "Status",
        "progress.col.quiz": "Quiz",
        "progress.col.attempts": "Attempts",
        "progress.col.best": "Best",
        "progress.col.last": "Last",
        "progress.none": "—",
        "chat.title": "Chat with your local model",
        "chat.placeholder": (
            "Chatting with a local model arrives in a coming version. It will need Ollama "
            "(https://ollama.com) on this machine or on the one OLLAMA_HOST names, with a downloaded "
            "model that fits your memory."
        ),
        "chat.checking": "Checking Ollama at {host}…",
        "chat.reachable": "Ollama answers at {host} (version {version}).",
        "chat.unreachable": "Ollama does not answer at {host}: {error}",
        "glossary.title": "Glossary",
        "too_small": "The terminal is too small: I need at least {need_w}×{need_h}, it is {w}×{h}.",
        "store.recovered": (
            "The progress file was damaged and has been moved aside to {path}. You start with fresh progress; "
            "the original file was not deleted."
        ),
        "help.title": "Help",
    },
}
