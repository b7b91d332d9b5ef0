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
