"""The Spanish course shows only Spanish (issue 11): every lab's screen at 60x18, the plain quiz
with questionary's own prompts, and the plain commands, scanned for English words.

The scan looks for common English words; the few English names the course quotes on purpose
(a paper's title, "Mixture of Experts", the English half of lab 4's sentence pair) are allowed.
"""

from __future__ import annotations

import io
import random
import re

from conftest import settle
from labkit import wait_until

from tutor.app.labs import LABS

ENGLISH = re.compile(
    r"\b(the|is|are|and|of|with|nothing|running|loading|press|free|layer|head|step|back|quit|next|previous|"
    r"done|type|train|training|paused|stop|start|weights|cancelled|passed|answers|use|shortcuts|arrow|keys|"
    r"when|this|that|from|not|will|fit|unfinished|answered|reading|lesson|question)\b",
    re.IGNORECASE,
)
QUOTED_ON_PURPOSE = ("Computing", "Machinery", "Intelligence", "Mixture of Experts", "EN «")


COMMANDS = ("tutor fit", "ollama serve", "ollama pull", "ollama run")


def english_in(text: str) -> list[str]:
    found = []
    # Turing's paper title wraps over lines in the timeline: its "and" may stand on a line of its own.
    title_wrapped = "Machinery" in text
    for line in text.splitlines():
        if any(quote in line for quote in QUOTED_ON_PURPOSE):
            continue
        for command in COMMANDS:
            line = line.replace(command, "")
        if title_wrapped and line.split()[:1] == ["and"]:
            line = line.replace("and", "", 1)
        found += [f"{m.group(0)!r} in {line.strip()!r}" for m in ENGLISH.finditer(line)]
    return found


def screen_text(app) -> str:
    return "\n".join("".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips())


async def test_every_lab_in_spanish_at_60x18_shows_no_english(run_app):
    from tutor.app.labs.base import Lab

    found: dict[str, list[str]] = {}
    first = next(iter(LABS))
    async with run_app(lang="es", start={"screen": "lesson", "lesson_id": first}, size=(60, 18)) as (app, pilot):
        for lesson_id in LABS:
            if app.screen.lesson_id != lesson_id:
                await pilot.press("escape", "n")
                await wait_until(pilot, lambda: getattr(app.screen, "lesson_id", None) == lesson_id)
            await pilot.press("l")
            await wait_until(pilot, lambda: bool(app.screen.query(Lab)))
            await settle(pilot)
            await settle(pilot)
            text = screen_text(app)
            lab = app.screen.query_one(Lab)
            for widget in lab.query("Static"):  # what a scroll would show, too
                text += "\n" + str(getattr(widget.content, "plain", widget.content))
            if english_in(text):
                found[lesson_id] = english_in(text)
    assert not found, found


def test_plain_quiz_in_spanish_shows_no_english(store):
    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output.vt100 import Vt100_Output

    from tutor.lessons import load_course
    from tutor.plainquiz import run_plain_quiz

    course = load_course()
    screen = io.StringIO()
    output = Vt100_Output(screen, lambda: Size(rows=24, columns=80), term="xterm")
    lines: list[str] = []
    with create_pipe_input() as pipe:
        pipe.send_text("1\r" * 3 + "\x03")  # three answers, then Ctrl-C
        run_plain_quiz(store, course, course.find_quiz("1"), "es", rng=random.Random(3), out=lines.append, input=pipe, output=output)
    drawn = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert "Use shortcuts" not in drawn and "Cancelled by user" not in drawn
    assert "(número o flechas, y Intro)" in drawn
    # the questions' own text is course content (Spanish); the frame around it must be too
    frame = "\n".join(line for line in lines if not line.startswith("  "))
    assert not [w for w in english_in(frame) if "'the'" not in w], frame


def test_plain_progress_in_spanish_shows_no_english(capsys, store):
    from tutor.cli import main

    store.mark_done("m1-l01-inside-llms")
    attempt = store.start_attempt("m1-quiz", "quiz", "es", 10)
    store.finish_attempt(attempt, 9, 10, True)
    store.start_attempt("m2-quiz", "quiz", "es", 10)
    assert main(["progress", "--lang", "es"]) == 0
    out = capsys.readouterr().out
    assert "aprobado" in out and "sin terminar" in out
    lines = [line.rsplit("[", 1)[0] for line in out.splitlines()]  # the [lesson-id] / [tutor quiz N] hints are commands
    assert not english_in("\n".join(lines)), out
