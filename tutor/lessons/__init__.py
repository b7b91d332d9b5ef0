"""The course model, headless: the manifest, the lesson texts, their check questions, the glossary.

`course.toml` is the one ordered manifest; a lesson's id is the key that joins its markdown
(`es/<id>.md`, `en/<id>.md`), its check questions (`checks/<id>.toml`), its lab and its
progress row. The format of every file is in docs/CONTENT.md.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from tutor.i18n import LANGS
from tutor.quiz import Question, parse_questions
from tutor.tomlcompat import load_toml

LESSONS_DIR = Path(__file__).parent
MANIFEST = LESSONS_DIR / "course.toml"

# The sections every lesson has, by the words its heading starts with, in order.
REQUIRED_SECTIONS = {
    "objectives": {"es": "Objetivos", "en": "Objectives"},
    "analogy": {"es": "Analogía", "en": "Analogy"},
    "example": {"es": "Ejemplo resuelto", "en": "Worked example"},
    "key_ideas": {"es": "Ideas clave", "en": "Key ideas"},
    "try_it": {"es": "Pruébalo", "en": "Try it"},
}


class UnknownLesson(LookupError):
    """A lesson reference that matches nothing in the manifest."""


@dataclass(frozen=True)
class Section:
    level: int
    title: str
    body: str


@dataclass(frozen=True)
class Lesson:
    id: str
    number: int  # 1..15 across the whole course
    module_id: str
    title: dict[str, str]
    minutes: int

    def path(self, lang: str) -> Path:
        return LESSONS_DIR / lang / f"{self.id}.md"

    def markdown(self, lang: str) -> str:
        return self.path(lang).read_text(encoding="utf-8")

    def sections(self, lang: str) -> list[Section]:
        return split_sections(self.markdown(lang))

    def section(self, kind: str, lang: str) -> Section | None:
        words = REQUIRED_SECTIONS[kind][lang]
        for section in self.sections(lang):
            if section.level == 2 and heading_starts_with(section.title, words):
                return section
        return None

    def key_ideas(self, lang: str) -> list[str]:
        section = self.section("key_ideas", lang)
        return bullets(section.body) if section else []

    def checks(self) -> list[Question]:
        path = LESSONS_DIR / "checks" / f"{self.id}.toml"
        return parse_questions(path, lesson=self.id) if path.exists() else []


@dataclass(frozen=True)
class QuizRef:
    id: str
    module_id: str
    title: dict[str, str]


@dataclass(frozen=True)
class Module:
    id: str
    number: int
    title: dict[str, str]
    lessons: tuple[Lesson, ...]
    quiz: QuizRef


@dataclass(frozen=True)
class Term:
    id: str
    lessons: tuple[str, ...]
    term: dict[str, str]
    definition: dict[str, str]


@dataclass(frozen=True)
class Course:
    id: str
    title: dict[str, str]
    modules: tuple[Module, ...]

    @property
    def lessons(self) -> list[Lesson]:
        return [lesson for module in self.modules for lesson in module.lessons]

    @property
    def quizzes(self) -> list[QuizRef]:
        return [module.quiz for module in self.modules]

    def lesson(self, lesson_id: str) -> Lesson:
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        raise UnknownLesson(lesson_id)

    def module(self, module_id: str) -> Module:
        for module in self.modules:
            if module.id == module_id:
                return module
        raise KeyError(module_id)

    def neighbours(self, lesson_id: str) -> tuple[Lesson | None, Lesson | None]:
        lessons = self.lessons
        i = [lesson.id for lesson in lessons].index(lesson_id)
        return (lessons[i - 1] if i > 0 else None, lessons[i + 1] if i + 1 < len(lessons) else None)

    def find_lesson(self, ref: str) -> Lesson:
        """A lesson by number ("4", "04"), id, or an unambiguous id prefix or suffix."""
        ref = ref.strip()
        if ref.isdigit():
            number = int(ref)
            for lesson in self.lessons:
                if lesson.number == number:
                    return lesson
            raise UnknownLesson(ref)
        matches = [
            lesson
            for lesson in self.lessons
            if lesson.id == ref or lesson.id.startswith(ref) or lesson.id.split("-", 2)[-1] == ref
        ]
        if len(matches) == 1 or (matches and matches[0].id == ref):
            return matches[0]
        raise UnknownLesson(ref)

    def find_quiz(self, ref: str) -> QuizRef:
        """A module quiz by module number ("1"), module id ("m1") or quiz id ("m1-quiz")."""
        ref = ref.strip().lower()
        for number, module in enumerate(self.modules, start=1):
            if ref in (str(number), module.id, module.quiz.id):
                return module.quiz
        raise LookupError(ref)


def heading_starts_with(title: str, words: str) -> bool:
    return title == words or title.startswith(words + ":") or title.startswith(words + " ")


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def split_sections(markdown: str) -> list[Section]:
    """Split markdown at headings (ignoring `#` lines inside fenced code)."""
    sections: list[Section] = []
    level, title, body = 0, "", []
    in_fence = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            if level or body:
                sections.append(Section(level, title, "\n".join(body).strip()))
            level, title, body = len(match.group(1)), match.group(2), []
        else:
            body.append(line)
    sections.append(Section(level, title, "\n".join(body).strip()))
    return sections


def bullets(body: str) -> list[str]:
    items: list[str] = []
    for line in body.splitlines():
        stripped = line.strip()
        if stripped[:2] in ("- ", "* "):
            items.append(stripped[2:].strip())
        elif items and stripped and line.startswith(("  ", "\t")):
            items[-1] += " " + stripped  # a wrapped bullet
    return items


@functools.lru_cache(maxsize=1)
def load_course() -> Course:
    data = load_toml(MANIFEST)
    modules = []
    number = 0
    for m_index, raw_module in enumerate(data["module"], start=1):
        lessons = []
        for raw in raw_module["lesson"]:
            number += 1
            lessons.append(
                Lesson(
                    id=raw["id"],
                    number=number,
                    module_id=raw_module["id"],
                    title=dict(raw["title"]),
                    minutes=int(raw["minutes"]),
                )
            )
        quiz = raw_module["quiz"]
        modules.append(
            Module(
                id=raw_module["id"],
                number=m_index,
                title=dict(raw_module["title"]),
                lessons=tuple(lessons),
                quiz=QuizRef(id=quiz["id"], module_id=raw_module["id"], title=dict(quiz["title"])),
            )
        )
    course = data["course"]
    return Course(id=course["id"], title=dict(course["title"]), modules=tuple(modules))


@functools.lru_cache(maxsize=1)
def load_glossary() -> tuple[Term, ...]:
    path = LESSONS_DIR / "glossary.toml"
    if not path.exists():
        return ()
    terms = []
    for raw in load_toml(path).get("term", []):
        terms.append(
            Term(
                id=raw["id"],
                lessons=tuple(raw.get("lessons", ())),
                term={lang: raw[lang]["term"] for lang in LANGS},
                definition={lang: raw[lang]["definition"] for lang in LANGS},
            )
        )
    return tuple(sorted(terms, key=lambda t: t.term["en"].lower()))
