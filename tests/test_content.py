"""The course content follows docs/CONTENT.md: manifest, lessons, check questions, quiz banks, glossary.

Every rule is tested for every lesson in the manifest, in both languages, so a lesson that is
missing or breaks the format fails by name.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import pytest

from tutor.i18n import LANGS
from tutor.lessons import (
    LESSONS_DIR,
    MANIFEST,
    REQUIRED_SECTIONS,
    bullets,
    heading_starts_with,
    load_course,
    split_sections,
)
from tutor.quiz import BANKS_DIR, OPTIONS_PER_QUESTION, QUIZ_LENGTH, parse_questions
from tutor.tomlcompat import load_toml

COURSE = load_course()
LESSONS = COURSE.lessons
LESSON_IDS = [lesson.id for lesson in LESSONS]
MODULE_IDS = [module.id for module in COURSE.modules]
SECTION_ORDER = list(REQUIRED_SECTIONS)  # objectives, analogy, example, key_ideas, try_it

# 1,650: the expert review's corrections and the real-model paragraphs (GPT-2, the chat model's
# probabilities, GGUF) grew lessons 1 and 15 past 1,500; still a reading of about 8 minutes.
MIN_WORDS, MAX_WORDS = 700, 1650
WORDS_PER_MINUTE = 200
MIN_CHECKS = 3
MIN_BANK = 15

lesson_param = pytest.mark.parametrize("lesson", LESSONS, ids=LESSON_IDS)
lang_param = pytest.mark.parametrize("lang", LANGS)


def words(markdown: str) -> int:
    """Whitespace-separated tokens that hold at least one letter or digit (markup like `#`, `-`, `|` is not a word)."""
    return sum(1 for token in markdown.split() if re.search(r"\w", token))


def headings(markdown: str, level: int) -> list[str]:
    return [section.title for section in split_sections(markdown) if section.level == level]


def read(lesson, lang: str) -> str:
    path = lesson.path(lang)
    assert path.exists(), f"missing lesson file {path.relative_to(LESSONS_DIR.parent.parent)}"
    return path.read_text(encoding="utf-8")


def without_code(markdown: str) -> str:
    return re.sub(r"^\s*```.*?^\s*```", "", markdown, flags=re.S | re.M)


# -- the manifest ------------------------------------------------------------------------------


def test_manifest_has_two_modules_of_the_seed_course():
    assert MODULE_IDS == ["m1", "m2"]
    assert [len(module.lessons) for module in COURSE.modules] == [7, 8]
    assert [lesson.number for lesson in LESSONS] == list(range(1, 16))
    assert COURSE.title["es"] == "Fundamentos de LLMs"


def test_manifest_ids_unique_and_titles_in_both_languages():
    ids = LESSON_IDS + MODULE_IDS + [quiz.id for quiz in COURSE.quizzes]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    for item in [COURSE, *COURSE.modules, *LESSONS, *COURSE.quizzes]:
        for lang in LANGS:
            assert item.title.get(lang, "").strip(), f"{getattr(item, 'id', '?')} has no {lang} title"
    for lesson in LESSONS:
        assert lesson.id.startswith(f"{lesson.module_id}-l{lesson.number:02d}-"), lesson.id
        assert lesson.minutes > 0


def test_manifest_and_files_agree():
    """No lesson, check or bank file without a manifest entry (and no entry without its files)."""
    for lang in LANGS:
        on_disk = {path.stem for path in (LESSONS_DIR / lang).glob("*.md")}
        assert on_disk == set(LESSON_IDS), (
            f"{lang}: stray {sorted(on_disk - set(LESSON_IDS))}, missing {sorted(set(LESSON_IDS) - on_disk)}"
        )
    checks = {path.stem for path in (LESSONS_DIR / "checks").glob("*.toml")}
    assert checks == set(LESSON_IDS), (
        f"checks: stray {sorted(checks - set(LESSON_IDS))}, missing {sorted(set(LESSON_IDS) - checks)}"
    )
    banks = {path.stem for path in BANKS_DIR.glob("*.toml")}
    assert banks == set(MODULE_IDS)
    for quiz in COURSE.quizzes:
        assert quiz.id == f"{quiz.module_id}-quiz"


# -- lessons -----------------------------------------------------------------------------------


@lesson_param
@lang_param
def test_lesson_title_matches_manifest(lesson, lang):
    first = read(lesson, lang).lstrip("\ufeff").splitlines()[0]
    assert first == f"# {lesson.title[lang]}"
    assert len(headings(read(lesson, lang), 1)) == 1, "exactly one level-1 heading (the title)"


@lesson_param
@lang_param
def test_lesson_required_sections_once_each_in_order(lesson, lang):
    level2 = headings(read(lesson, lang), 2)
    found = []
    for kind in SECTION_ORDER:
        words_ = REQUIRED_SECTIONS[kind][lang]
        hits = [i for i, title in enumerate(level2) if heading_starts_with(title, words_)]
        assert len(hits) == 1, f"'## {words_}' appears {len(hits)} times in {lesson.path(lang).name} ({lang})"
        found.append(hits[0])
    assert found == sorted(found), f"required sections out of order: {level2}"
    assert found[0] == 0, "the objectives come first"
    assert found[-1] == len(level2) - 1, "'try it' comes last"


@lesson_param
def test_lesson_same_structure_in_both_languages(lesson):
    es, en = read(lesson, "es"), read(lesson, "en")
    assert len(headings(es, 2)) == len(headings(en, 2)), (headings(es, 2), headings(en, 2))
    assert len(headings(es, 3)) == len(headings(en, 3)), (headings(es, 3), headings(en, 3))
    assert es.count("```") == en.count("```"), "same code blocks in both languages"


@lesson_param
@lang_param
def test_lesson_length(lesson, lang):
    count = words(read(lesson, lang))
    assert MIN_WORDS <= count <= MAX_WORDS, f"{lesson.id} ({lang}) has {count} words"


@lesson_param
def test_reading_time_matches_spanish_text(lesson):
    expected = math.ceil(words(read(lesson, "es")) / WORDS_PER_MINUTE)
    assert abs(lesson.minutes - expected) <= 1, (
        f"course.toml says {lesson.minutes} min for {lesson.id}; its Spanish text needs about {expected}"
    )


@lesson_param
@lang_param
def test_lesson_markdown_is_clean(lesson, lang):
    text = read(lesson, lang)
    assert text.count("```") % 2 == 0, "unbalanced code fence"
    prose = without_code(text)
    html = re.findall(r"</?(?:div|span|br|p|img|a|b|i|u|sub|sup|table|tr|td|th|details|summary)\b[^>]*>", prose)
    assert not html, f"raw HTML in {lesson.id} ({lang}): {html[:3]}"
    key_ideas = lesson.key_ideas(lang)
    assert len(key_ideas) >= 3, "the key-ideas section is a list of bullets"
    objectives = lesson.section("objectives", lang)
    assert objectives is not None
    assert 3 <= len(bullets(objectives.body)) <= 5, "the objectives are 3 to 5 bullets"


@lesson_param
def test_spanish_never_uses_billon_for_a_thousand_million(lesson):
    """'billón' is 10^12 in Spanish: "billones de parámetros" is the seed's slip for 10^9."""
    text = read(lesson, "es")
    for match in re.finditer(r"\bbill(?:ón|ones)\s+de\s+parámetros\b", text, flags=re.I):
        nearby = text[match.end() : match.end() + 60]
        assert re.search(r"10\^?12|10¹²", nearby), (
            f"{lesson.id}: {text[max(0, match.start() - 40) : match.end() + 20]!r} — use 'mil millones' for 10^9"
        )


@lesson_param
@lang_param
def test_no_lesson_gives_gpt4_a_256k_vocabulary(lesson, lang):
    """GPT-4 uses cl100k_base (100,277 tokens); 256,000 is Gemma's, a slip in the seeds."""
    text = read(lesson, lang)
    for sentence in re.split(r"(?<=[.!?])\s+|\n", text):
        if re.search(r"GPT-4(?!o)", sentence) and re.search(r"256[.,\s\u00a0\u202f]?000|256\s?[kK]\b|256 mil\b", sentence):
            pytest.fail(f"{lesson.id} ({lang}) ties GPT-4 to a 256k vocabulary: {sentence.strip()!r}")


def test_no_invented_token_ids_from_the_seeds():
    """The seeds give "Hola mundo" the ids [15496, 23040]; those are not GPT-2's ids for it (15496 is "Hello")."""
    files = [lesson.path(lang) for lesson in LESSONS for lang in LANGS]
    files += sorted((LESSONS_DIR / "checks").glob("*.toml")) + sorted(BANKS_DIR.glob("*.toml"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "23040" not in text, f"{path.name} repeats the seeds' invented token id 23040"
        for line in text.splitlines():
            assert not ("Hola" in line and "15496" in line), f"{path.name}: 15496 is GPT-2's id for 'Hello', not 'Hola'"


# -- questions: lesson checks and module banks ------------------------------------------------


def all_check_questions():
    return [(lesson, q) for lesson in LESSONS for q in lesson.checks()]


def all_bank_questions():
    return [(module, q) for module in COURSE.modules for q in parse_questions(BANKS_DIR / f"{module.id}.toml")]


def assert_question_well_formed(q, where: str) -> None:
    assert 0 <= q.correct < OPTIONS_PER_QUESTION, f"{where}: {q.id} correct={q.correct}"
    for lang in LANGS:
        text = q.in_lang(lang)
        assert text.prompt, f"{where}: {q.id} has no {lang} prompt"
        assert len(text.options) == OPTIONS_PER_QUESTION, f"{where}: {q.id} ({lang}) has {len(text.options)} options"
        assert all(option for option in text.options), f"{where}: {q.id} ({lang}) has an empty option"
        assert len(set(text.options)) == OPTIONS_PER_QUESTION, f"{where}: {q.id} ({lang}) repeats an option"
        assert text.explanation, f"{where}: {q.id} has no {lang} explanation"
        lowered = " ".join(text.options).lower()
        for banned in ("all of the above", "none of the above", "todas las anteriores", "ninguna de las anteriores"):
            assert banned not in lowered, f"{where}: {q.id} refers to other options, but they are shuffled"


@lesson_param
def test_lesson_check_questions(lesson):
    path = LESSONS_DIR / "checks" / f"{lesson.id}.toml"
    assert path.exists(), f"missing {path.name}"
    questions = lesson.checks()
    assert len(questions) >= MIN_CHECKS, f"{lesson.id} has {len(questions)} check questions"
    for q in questions:
        assert_question_well_formed(q, path.name)
        assert q.lesson == lesson.id
    for raw in load_toml(path).get("question", []):
        assert raw.get("lesson", lesson.id) == lesson.id, f"{raw['id']} in {path.name} names another lesson"


@pytest.mark.parametrize("module", COURSE.modules, ids=MODULE_IDS)
def test_quiz_bank(module):
    questions = parse_questions(BANKS_DIR / f"{module.id}.toml")
    assert len(questions) >= MIN_BANK >= QUIZ_LENGTH, f"{module.id} bank has {len(questions)} questions"
    module_lessons = {lesson.id for lesson in module.lessons}
    for q in questions:
        assert_question_well_formed(q, f"{module.id}.toml")
        assert q.lesson in module_lessons, f"{q.id} tests {q.lesson!r}, not a lesson of {module.id}"


def test_question_ids_unique_across_checks_and_banks():
    ids = [q.id for _, q in all_check_questions()] + [q.id for _, q in all_bank_questions()]
    duplicates = [qid for qid, n in Counter(ids).items() if n > 1]
    assert not duplicates, duplicates


def test_correct_answers_are_not_always_in_the_same_place():
    """Options are shuffled on screen, but a file with every answer at index 0 is a slip worth catching."""
    for module in COURSE.modules:
        positions = Counter(q.correct for q in parse_questions(BANKS_DIR / f"{module.id}.toml"))
        assert len(positions) > 1, f"{module.id}: every correct option is at index {next(iter(positions))}"


# -- glossary ----------------------------------------------------------------------------------

GLOSSARY = LESSONS_DIR / "glossary.toml"


def glossary_terms() -> list[dict]:
    assert GLOSSARY.exists(), "tutor/lessons/glossary.toml is missing"
    return load_toml(GLOSSARY).get("term", [])


def test_glossary_entries_complete_and_unique():
    terms = glossary_terms()
    assert len(terms) >= 20
    ids = [raw.get("id") for raw in terms]
    assert all(ids), "a glossary term has no id"
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    for raw in terms:
        for lang in LANGS:
            block = raw.get(lang) or {}
            assert str(block.get("term", "")).strip(), f"glossary {raw['id']}: no {lang} term"
            assert str(block.get("definition", "")).strip(), f"glossary {raw['id']}: no {lang} definition"
        lessons = raw.get("lessons", [])
        assert lessons, f"glossary {raw['id']} names no lesson"
        unknown = [ref for ref in lessons if ref not in LESSON_IDS]
        assert not unknown, f"glossary {raw['id']} refers to unknown lessons {unknown}"
    for lang in LANGS:
        names = [raw[lang]["term"].strip().lower() for raw in terms]
        assert len(names) == len(set(names)), f"{lang}: repeated glossary terms"


def test_glossary_has_the_seed_glossary_terms():
    """Seed 001 defines these terms; the course glossary must carry each of them."""
    text = " ".join(f"{raw['es']['term']} {raw['en']['term']}".lower() for raw in glossary_terms())
    for needles in (
        ("transformer",),
        ("fine-tuning", "afinado", "ajuste fino"),
        ("pre-entrenamiento", "preentrenamiento", "pretraining", "pre-training"),
        ("atención", "attention"),
        ("mlm", "masked language"),
    ):
        assert any(needle in text for needle in needles), f"the glossary has no entry for {needles[0]}"


def test_glossary_loads_through_the_course_model():
    from tutor.lessons import load_glossary

    load_glossary.cache_clear()
    terms = load_glossary()
    assert len(terms) == len(glossary_terms())
    assert all(term.definition["es"] and term.definition["en"] for term in terms)


def test_manifest_file_is_the_one_loaded():
    assert MANIFEST == LESSONS_DIR / "course.toml"
    assert Path(MANIFEST).exists()
