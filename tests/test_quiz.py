"""Quiz logic, headless: drawing, shuffling, scoring by file index, pass mark, retaking the misses."""

from __future__ import annotations

import random

import pytest

from tutor.quiz import (
    PASS_MARK,
    QUIZ_LENGTH,
    ContentError,
    DrawnQuestion,
    QuizSession,
    draw_quiz,
    load_bank,
    parse_questions,
    percent,
)


@pytest.fixture(scope="module")
def bank():
    return load_bank("m1")


def wrong_position(dq: DrawnQuestion) -> int:
    return (dq.correct_position + 1) % len(dq.order)


def session_for(bank, seed: int = 0, kind: str = "quiz") -> QuizSession:
    return QuizSession("m1-quiz", draw_quiz(bank, rng=random.Random(seed)), "en", kind=kind)


def answer(session: QuizSession, right: int) -> list:
    """Answer the first `right` questions correctly and the rest wrongly."""
    feedback = []
    while not session.finished:
        dq = session.current
        position = dq.correct_position if session.index < right else wrong_position(dq)
        feedback.append(session.answer(position))
    return feedback


def test_draw_gives_ten_distinct_questions_with_shuffled_options(bank):
    drawn = draw_quiz(bank, rng=random.Random(1))
    assert len(drawn) == QUIZ_LENGTH == 10
    assert len({dq.question.id for dq in drawn}) == 10
    bank_ids = {q.id for q in bank}
    for dq in drawn:
        assert dq.question.id in bank_ids
        assert sorted(dq.order) == [0, 1, 2, 3]  # a permutation of the file's options
        shown = dq.options("es")
        assert sorted(shown) == sorted(dq.question.in_lang("es").options)
        assert shown[dq.correct_position] == dq.question.in_lang("es").options[dq.question.correct]
        assert dq.options("en")[dq.correct_position] == dq.question.in_lang("en").options[dq.question.correct]


def test_draw_really_shuffles_questions_and_options(bank):
    draws = [draw_quiz(bank, rng=random.Random(seed)) for seed in range(20)]
    assert len({tuple(dq.question.id for dq in d) for d in draws}) > 1, "question order never changes"
    orders = {dq.order for d in draws for dq in d}
    assert len(orders) > 4, "options are not shuffled"
    positions = {dq.correct_position for d in draws for dq in d}
    assert positions == {0, 1, 2, 3}, "the correct option should land in every position"


def test_draw_is_reproducible_with_a_seeded_rng(bank):
    a = draw_quiz(bank, rng=random.Random(42))
    b = draw_quiz(bank, rng=random.Random(42))
    assert [(dq.question.id, dq.order) for dq in a] == [(dq.question.id, dq.order) for dq in b]


def test_draw_from_a_small_pool_takes_them_all():
    checks = load_bank("m2")[:3]
    drawn = draw_quiz(checks, n=10, rng=random.Random(0))
    assert sorted(dq.question.id for dq in drawn) == sorted(q.id for q in checks)


def test_answers_are_stored_by_file_index(bank):
    session = session_for(bank, seed=3)
    dq = session.current
    position = 2
    feedback = session.answer(position)
    assert session.answers[dq.question.id] == dq.order[position]
    assert feedback.chosen_position == position
    assert feedback.correct_position == dq.correct_position
    assert feedback.correct == (dq.order[position] == dq.question.correct)
    assert feedback.explanation == dq.question.in_lang("en").explanation
    assert session.index == 1


def test_feedback_correct_position_points_at_the_right_option(bank):
    session = session_for(bank, seed=7)
    while not session.finished:
        dq = session.current
        shown = dq.options("en")
        feedback = session.answer(wrong_position(dq))
        assert not feedback.correct
        assert shown[feedback.correct_position] == dq.question.in_lang("en").options[dq.question.correct]


def test_seven_of_ten_passes(bank):
    session = session_for(bank, seed=5)
    feedback = answer(session, right=7)
    assert [f.correct for f in feedback] == [True] * 7 + [False] * 3
    assert session.finished and session.current is None
    assert (session.score, session.total) == (7, 10)
    assert session.fraction == pytest.approx(0.7)
    assert session.passed
    assert PASS_MARK == pytest.approx(0.70)
    assert percent(session.fraction) == 70


def test_six_of_ten_fails(bank):
    session = session_for(bank, seed=5)
    answer(session, right=6)
    assert session.score == 6
    assert not session.passed
    assert percent(session.fraction) == 60


def test_retake_holds_exactly_the_misses(bank):
    session = session_for(bank, seed=11)
    answer(session, right=6)
    missed = {dq.question.id for dq in session.drawn[6:]}
    assert {dq.question.id for dq in session.misses()} == missed
    retake = session.retake_missed(rng=random.Random(2))
    assert retake.kind == "retake"
    assert retake.quiz_id == session.quiz_id
    assert retake.lang == session.lang
    assert retake.total == 4
    assert {dq.question.id for dq in retake.drawn} == missed
    assert retake.answers == {} and retake.index == 0
    answer(retake, right=4)
    assert retake.score == 4 and retake.misses() == []


def test_a_perfect_run_has_no_misses(bank):
    session = session_for(bank, seed=13)
    answer(session, right=10)
    assert session.score == 10 and session.misses() == []
    assert session.retake_missed().total == 0


def test_answering_after_the_end_or_out_of_range_is_refused(bank):
    session = session_for(bank, seed=17)
    with pytest.raises(ValueError):
        session.answer(4)
    with pytest.raises(ValueError):
        session.answer(-1)
    assert session.index == 0
    answer(session, right=10)
    with pytest.raises(IndexError):
        session.answer(0)


def test_unanswered_questions_are_not_misses(bank):
    session = session_for(bank, seed=19)
    session.answer(wrong_position(session.current))
    assert len(session.misses()) == 1
    assert session.score == 0 and not session.finished


def test_bank_question_schema_errors_are_reported(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[question]]\nid = "x"\ncorrect = 7\n[question.es]\nprompt = "?"\noptions = ["a","b","c","d"]\n'
                   'explanation = "."\n[question.en]\nprompt = "?"\noptions = ["a","b","c","d"]\nexplanation = "."\n',
                   encoding="utf-8")
    with pytest.raises(ContentError, match="correct"):
        parse_questions(bad)
    missing_lang = tmp_path / "missing.toml"
    missing_lang.write_text('[[question]]\nid = "y"\ncorrect = 0\n[question.es]\nprompt = "?"\n', encoding="utf-8")
    with pytest.raises(ContentError, match=r"\[en\]"):
        parse_questions(missing_lang)
    with pytest.raises(ContentError):
        load_bank("m9")
