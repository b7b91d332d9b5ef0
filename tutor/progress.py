"""Course-level progress figures, headless (used by the app, the CLI and the chat's tutor mode)."""

from __future__ import annotations

from dataclasses import dataclass

from tutor.lessons import Course
from tutor.quiz import PASS_MARK
from tutor.store import Store


@dataclass(frozen=True)
class CourseProgress:
    done: int
    total: int
    statuses: dict[str, str]  # lesson id -> not_started / reading / done
    best_quiz: dict[str, float | None]  # quiz id -> best fraction

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    def quiz_passed(self, quiz_id: str) -> bool:
        best = self.best_quiz.get(quiz_id)
        return best is not None and best >= PASS_MARK - 1e-9


def course_progress(course: Course, store: Store) -> CourseProgress:
    rows = store.all_lesson_progress()
    statuses = {lesson.id: rows[lesson.id].status if lesson.id in rows else "not_started" for lesson in course.lessons}
    return CourseProgress(
        done=sum(1 for status in statuses.values() if status == "done"),
        total=len(statuses),
        statuses=statuses,
        best_quiz={quiz.id: store.best_score(quiz.id) for quiz in course.quizzes},
    )


# -- vetting an import against the course ----------------------------------------------------

EXPORT_VERSION = 1  # what Store.export_progress writes and this tutor reads


class ImportRefused(ValueError):
    """The file as a whole is not an export this tutor can read; nothing was written.

    `key` and `values` name its reason in the language catalogue (`progress.why.*`); str() is English.
    """

    def __init__(self, key: str, **values: object):
        from tutor.i18n import t

        self.key, self.values = key, values
        super().__init__(t(key, "en", **values))

    def text(self, lang: str) -> str:
        from tutor.i18n import t

        return t(self.key, lang, **self.values)


@dataclass(frozen=True)
class ImportPlan:
    data: dict  # the export with only the entries that passed
    skipped: list[str]  # one line per entry left out, saying which and why


def _shown(value: object, limit: int = 60) -> str:
    """An imported value, quoted for a message: repr escapes control characters; long ones are cut."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _timestamp(value: object) -> bool:
    from datetime import datetime

    if not isinstance(value, str) or len(value) > 40:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def vet_import(data: object, course: Course, lang: str = "en") -> ImportPlan:
    """Check a `tutor progress --export` file against the course manifest and the store's schema.

    Refuses (ImportRefused) a file that is not an export, or one written by a newer tutor. Leaves out,
    one by one, entries for lessons or quizzes this course does not have, in a language it does not
    teach, or with values the app could never have written (a position outside 0..1, a score above
    the total, an answer to a question that is not in the quiz, a bad timestamp). Writes nothing.
    The skipped lines are in `lang`.
    """
    import math

    from tutor.i18n import LANGS, t
    from tutor.quiz import ContentError, load_bank
    from tutor.store import LESSON_STATUSES

    if not isinstance(data, dict) or data.get("format") != "tutor-progress":
        raise ImportRefused("progress.why.not_export")
    version = data.get("version")
    if not _count(version) or version < 1:
        raise ImportRefused("progress.why.version", value=_shown(version))
    if version > EXPORT_VERSION:
        raise ImportRefused("progress.why.newer", version=version, known=EXPORT_VERSION)
    lessons, attempts = data.get("lessons", []), data.get("attempts", [])
    if not isinstance(lessons, list) or not isinstance(attempts, list):
        raise ImportRefused("progress.why.not_lists")

    lesson_ids = {lesson.id for lesson in course.lessons}
    pools: dict[str, dict[str, int]] = {}  # quiz or lesson id -> question id -> number of options
    for module in course.modules:
        try:
            pools[module.quiz.id] = {q.id: len(q.in_lang("en").options) for q in load_bank(module.id)}
        except ContentError:
            pools[module.quiz.id] = {}
    skipped: list[str] = []
    kept_lessons: list[dict] = []
    for n, item in enumerate(lessons, start=1):
        if not isinstance(item, dict):
            skipped.append(t("progress.skip.lesson_entry", lang, n=n))
            continue
        lesson_id = item.get("lesson_id")
        position = item.get("position")
        name = t("progress.skip.lesson", lang, id=_shown(lesson_id))
        if lesson_id not in lesson_ids:
            skipped.append(t("progress.skip.not_lesson", lang, name=name))
        elif item.get("status") not in LESSON_STATUSES:
            skipped.append(t("progress.skip.status", lang, name=name, value=_shown(item.get("status"))))
        elif position is not None and not (
            isinstance(position, (int, float)) and not isinstance(position, bool)
            and math.isfinite(position) and 0 <= position <= 1
        ):
            skipped.append(t("progress.skip.position", lang, name=name, value=_shown(position)))
        elif not all(item.get(key) is None or _timestamp(item.get(key)) for key in ("updated_at", "completed_at")):
            skipped.append(t("progress.skip.date", lang, name=name))
        else:
            kept_lessons.append(item)

    kept_attempts: list[dict] = []
    for n, item in enumerate(attempts, start=1):
        if not isinstance(item, dict):
            skipped.append(t("progress.skip.attempt_entry", lang, n=n))
            continue
        problem = _attempt_problem(item, pools, lesson_ids, course, LANGS)
        if problem:
            key, values = problem
            skipped.append(
                t("progress.skip.attempt", lang, n=n, quiz=_shown(item.get("quiz_id"), 40), problem=t(key, lang, **values))
            )
        else:
            kept_attempts.append(item)
    return ImportPlan(data | {"lessons": kept_lessons, "attempts": kept_attempts}, skipped)


def _attempt_problem(item: dict, pools: dict, lesson_ids: set, course: Course, langs) -> tuple[str, dict] | None:
    """What is wrong with one attempt, as a catalogue key (`progress.problem.*`) and its values."""
    uid, quiz_id, kind = item.get("uid"), item.get("quiz_id"), item.get("kind")
    if not isinstance(uid, str) or not uid or len(uid) > 64:
        return "progress.problem.uid", {}
    if kind not in ("quiz", "retake", "check"):
        return "progress.problem.kind", {"value": _shown(kind)}
    if kind == "check":
        if quiz_id not in lesson_ids:
            return "progress.problem.not_lesson", {}
        pool = pools.setdefault(
            quiz_id, {q.id: len(q.in_lang("en").options) for q in course.lesson(quiz_id).checks()}
        )
    elif quiz_id in pools:
        pool = pools[quiz_id]
    else:
        return "progress.problem.not_quiz", {}
    if item.get("lang", "en") not in langs:
        return "progress.problem.lang", {"value": _shown(item.get("lang")), "langs": ", ".join(langs)}
    if not _timestamp(item.get("started_at")) or not (item.get("finished_at") is None or _timestamp(item.get("finished_at"))):
        return "progress.problem.date", {}
    total, score, passed = item.get("total"), item.get("score"), item.get("passed")
    if not _count(total) or not 1 <= total <= max(1, len(pool)):
        return "progress.problem.total", {"value": _shown(total), "n": len(pool)}
    if score is not None and not (_count(score) and 0 <= score <= total):
        return "progress.problem.score", {"value": _shown(score), "total": total}
    if passed is not None and not isinstance(passed, bool) and passed not in (0, 1):
        return "progress.problem.passed", {"value": _shown(passed)}
    answers = item.get("answers", [])
    if not isinstance(answers, list) or len(answers) > total:
        return "progress.problem.answers", {}
    seen: set[str] = set()
    for answer in answers:
        if not isinstance(answer, dict):
            return "progress.problem.answer_object", {}
        question, chosen = answer.get("question_id"), answer.get("chosen")
        if question not in pool or question in seen:
            return "progress.problem.answer_question", {"question": _shown(question, 40)}
        seen.add(question)
        if not (_count(chosen) and 0 <= chosen < pool[question]):
            return "progress.problem.answer_option", {"question": question, "value": _shown(chosen)}
        if not isinstance(answer.get("correct"), bool) and answer.get("correct") not in (0, 1):
            return "progress.problem.answer_correct", {"question": question}
        if answer.get("answered_at") is not None and not _timestamp(answer.get("answered_at")):
            return "progress.problem.date", {}
    return None
