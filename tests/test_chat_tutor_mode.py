"""Tutor mode's system prompt (built from the real lessons) and OSC 52 copying."""

from __future__ import annotations

import base64

import pytest

from tutor.chat.clipboard import TooLong, code_blocks, last_code_block, osc52
from tutor.chat.tutor_mode import lesson_question, system_prompt


@pytest.mark.parametrize("lang", ["es", "en"])
def test_prompt_names_the_lesson_and_its_key_ideas(course, lang):
    lesson = course.find_lesson("4")
    prompt = system_prompt(lesson, lang)
    assert lesson.title[lang] in prompt
    ideas = lesson.key_ideas(lang)
    assert len(ideas) >= 3
    for idea in ideas:
        assert idea in prompt
    assert ("español" if lang == "es" else "English") in prompt
    assert ("lección 4" if lang == "es" else "lesson 4") in prompt


def test_prompt_for_every_lesson_in_both_languages(course):
    for lesson in course.lessons:
        for lang in ("es", "en"):
            prompt = system_prompt(lesson, lang)
            assert lesson.title[lang] in prompt and lesson.key_ideas(lang)[0] in prompt


def test_prompt_without_a_lesson_and_the_lesson_question(course):
    general = system_prompt(None, "es")
    assert "español" in general and "lección" in general
    lesson = course.find_lesson("9")
    assert lesson.title["en"] in lesson_question(lesson, "en")
    assert lesson.title["es"] in lesson_question(lesson, "es")


def test_osc52_plain_tmux_and_screen():
    text = "print('hola') ñ"
    payload = base64.b64encode(text.encode()).decode()
    assert osc52(text, {}) == f"\x1b]52;c;{payload}\x07"
    tmux = osc52(text, {"TMUX": "/tmp/tmux-1/default,1,0"})
    assert tmux.startswith(f"\x1b]52;c;{payload}\x07")  # honoured with set-clipboard on
    assert "\x1bPtmux;\x1b\x1b]52;c;" in tmux and tmux.endswith("\x1b\\")  # passthrough
    screen = osc52("x" * 300, {"STY": "123.pts-0", "TERM": "screen"})
    assert screen.startswith("\x1b]52;c;") and "\x1bP\x1b]52;c;" in screen and screen.count("\x1bP") > 1
    # what a caller adds after sending the plain sequence itself
    assert osc52(text, {}, plain=False) == ""
    assert osc52(text, {"TMUX": "x"}, plain=False).startswith("\x1bPtmux;")
    with pytest.raises(TooLong):
        osc52("x" * 600_000, {})


def test_code_blocks():
    answer = "Try:\n\n```python\nx = 1\nprint(x)\n```\n\nor\n\n~~~\nls -l\n~~~\n"
    assert code_blocks(answer) == ["x = 1\nprint(x)", "ls -l"]
    assert last_code_block(answer) == "ls -l"
    assert last_code_block("no code") is None
