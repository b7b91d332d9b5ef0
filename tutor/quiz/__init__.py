"""Questions and quizzes, headless: banks, drawing, scoring, retaking what was missed.

The same question schema serves the module quiz banks (`banks/m1.toml`) and the check
questions at the end of each lesson (`tutor/lessons/checks/<lesson-id>.toml`); see
docs/CONTENT.md. Nothing here imports Textual or questionary: the TUI and the plain-terminal
runner both drive a `QuizSession`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from tutor.i18n import LANGS
from tutor.tomlcompat import load_toml

BANKS_DIR = Path(__file__).parent / "banks"
PASS_MARK = 0.70  # the course's pass mark: 7 of 10
QUIZ_LENGTH = 10
OPTIONS_PER_QUESTION = 4


class ContentError(ValueError):
    """A content file breaks the schema of docs/CONTENT.md."""


@dataclass(frozen=True)
class QuestionText:
    prompt: str
    options: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class Question:
    id: str
    lesson: str
    correct: int  # index into the options as written in the file
    text: dict[str, QuestionText]

    def in_lang(self, lang: str) -> QuestionText:
        return self.text[lang]


def parse_questions(path: Path, lesson: str | None = None) -> list[Question]:
    """Read a bank or a lesson's check file; `lesson` fills in the lesson for check files."""
    data = load_toml(path)
    questions = []
    for raw in data.get("question", []):
        qid = raw.get("id")
        if not qid:
            raise ContentError(f"{path.name}: a question has no id")
        texts = {}
        for lang in LANGS:
            block = raw.get(lang)
            if not isinstance(block, dict):
                raise ContentError(f"{path.name}: {qid} has no [{lang}] text")
            options = tuple(block.get("options", ()))
            texts[lang] = QuestionText(
                prompt=str(block.get("prompt", "")).strip(),
                options=tuple(str(o).strip() for o in options),
                explanation=str(block.get("explanation", "")).strip(),
            )
        correct = raw.get("correct")
        if not isinstance(correct, int) or not 0 <= correct < OPTIONS_PER_QUESTION:
            raise ContentError(f"{path.name}: {qid} has no valid 'correct' index")
        questions.append(
            Question(id=qid, lesson=raw.get("lesson", lesson or ""), correct=correct, text=texts)
        )
    return questions


def load_bank(module_id: str) -> list[Question]:
    path = BANKS_DIR / f"{module_id}.toml"
    if not path.exists():
        raise ContentError(f"no quiz bank for module {module_id!r}")
    return parse_questions(path)


@dataclass(frozen=True)
class DrawnQuestion:
    """A question as shown: `order[k]` is the file index of the option displayed k-th."""

    question: Question
    order: tuple[int, ...]

    def options(self, lang: str) -> list[str]:
        texts = self.question.in_lang(lang).options
        return [texts[i] for i in self.order]

    @property
    def correct_position(self) -> int:
        return self.order.index(self.question.correct)


def draw_quiz(
    questions: list[Question], n: int = QUIZ_LENGTH, rng: random.Random | None = None
) -> list[DrawnQuestion]:
    """Pick `n` questions in random order, each with its options shuffled."""
    rng = rng or random.Random()
    picked = rng.sample(questions, min(n, len(questions)))
    drawn = []
    for q in picked:
        order = list(range(len(q.text[LANGS[0]].options)))
        rng.shuffle(order)
        drawn.append(DrawnQuestion(q, tuple(order)))
    return drawn


@dataclass(frozen=True)
class Feedback:
    correct: bool
    chosen_position: int
    correct_position: int
    explanation: str


@dataclass
class QuizSession:
    """One run through drawn questions. Answers are kept by question id (positions move)."""

    quiz_id: str
    drawn: list[DrawnQuestion]
    lang: str
    kind: str = "quiz"  # "quiz", "retake" or "check"
    answers: dict[str, int] = field(default_factory=dict)  # question id -> chosen file index
    index: int = 0

    @property
    def current(self) -> DrawnQuestion | None:
        return self.drawn[self.index] if self.index < len(self.drawn) else None

    @property
    def finished(self) -> bool:
        return self.index >= len(self.drawn)

    def answer(self, position: int) -> Feedback:
        """Record the option shown at `position` for the current question and move on."""
        dq = self.current
        if dq is None:
            raise IndexError("the quiz is already finished")
        if not 0 <= position < len(dq.order):
            raise ValueError(f"no option at position {position}")
        chosen = dq.order[position]
        self.answers[dq.question.id] = chosen
        self.index += 1
        return Feedback(
            correct=chosen == dq.question.correct,
            chosen_position=position,
            correct_position=dq.correct_position,
            explanation=dq.question.in_lang(self.lang).explanation,
        )

    @property
    def score(self) -> int:
        return sum(1 for dq in self.drawn if self.answers.get(dq.question.id) == dq.question.correct)

    @property
    def total(self) -> int:
        return len(self.drawn)

    @property
    def fraction(self) -> float:
        return self.score / self.total if self.total else 0.0

    @property
    def passed(self) -> bool:
        return self.fraction >= PASS_MARK - 1e-9

    def misses(self) -> list[DrawnQuestion]:
        return [
            dq
            for dq in self.drawn
            if dq.question.id in self.answers and self.answers[dq.question.id] != dq.question.correct
        ]

    def retake_missed(self, rng: random.Random | None = None) -> QuizSession:
        """A new session with only the missed questions, reshuffled."""
        missed = [dq.question for dq in self.misses()]
        return QuizSession(
            quiz_id=self.quiz_id,
            drawn=draw_quiz(missed, n=len(missed), rng=rng),
            lang=self.lang,
            kind="retake",
        )


def percent(fraction: float) -> int:
    return int(round(fraction * 100))
