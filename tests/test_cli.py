"""The command line: verbs, messages and exit codes.

A few tests run the real installed `tutor` program in a subprocess (with TUTOR_HOME set);
the rest call `tutor.cli.main([...])` in-process and read what it printed.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tutor import __version__
from tutor.cli import EXIT_USAGE, main
from tutor.lessons import UnknownLesson, load_course
from tutor.store import open_store

L1, L4 = "m1-l01-inside-llms", "m1-l04-tokenization"
ESC = "\x1b"


def run_tutor(tutor_cmd, env, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """The real program, with no terminal attached (stdin from /dev/null, output captured)."""
    return subprocess.run(
        [*tutor_cmd, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=timeout,
    )


def assert_clean(text: str) -> None:
    assert ESC not in text, "escape codes in plain output"
    assert "Traceback" not in text


# -- the real program --------------------------------------------------------------------------


def test_help_lists_the_verbs(tutor_cmd, tutor_env):
    result = run_tutor(tutor_cmd, tutor_env, "--help")
    assert result.returncode == 0, result.stderr
    for verb in ("lessons", "lesson", "quiz", "progress", "chat", "--lang", "--no-mouse", "--version"):
        assert verb in result.stdout
    assert_clean(result.stdout + result.stderr)


def test_version(tutor_cmd, tutor_env):
    result = run_tutor(tutor_cmd, tutor_env, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"tutor {__version__}"


def test_python_dash_m_tutor_is_the_same_program(tutor_env):
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "tutor", "--version"], capture_output=True, text=True, env=tutor_env, timeout=60
    )
    assert result.returncode == 0 and result.stdout.strip() == f"tutor {__version__}"


def test_lessons_prints_the_course_without_a_terminal(tutor_cmd, tutor_env, tutor_home):
    result = run_tutor(tutor_cmd, tutor_env, "lessons", "--lang", "es")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "Fundamentos de LLMs"
    assert "Funcionamiento interno de los LLM" in result.stdout
    assert_clean(result.stdout + result.stderr)
    assert (tutor_home / "tutor.sqlite3").exists(), "the program used TUTOR_HOME"


@pytest.mark.parametrize("args", [[], ["lesson", "4"], ["chat"], ["--lang", "es"]], ids=["tutor", "lesson", "chat", "lang"])
def test_app_without_a_terminal_exits_2_with_a_message(tutor_cmd, tutor_env, args):
    result = run_tutor(tutor_cmd, tutor_env, *args)
    assert result.returncode == EXIT_USAGE
    # in the language asked for (--lang es), else the locale's (English here)
    assert ("terminal interactiva" if "es" in args else "interactive terminal") in result.stderr
    assert "tutor lessons" in result.stderr, "point to what works without a terminal"
    assert result.stdout == ""
    assert_clean(result.stderr)


def test_export_import_round_trip_with_the_real_program(tutor_cmd, tutor_env, tutor_home, tmp_path):
    store = open_store()
    store.mark_done(L1)
    store.mark_reading(L4, 0.5)
    attempt = store.start_attempt("m1-quiz", "quiz", "en", 10)
    store.record_answer(attempt, "m1-q01", 2, True)
    store.finish_attempt(attempt, 7, 10, True)
    store.close()
    export = tmp_path / "progress.json"
    result = run_tutor(tutor_cmd, tutor_env, "progress", "--export", str(export))
    assert result.returncode == 0, result.stderr
    assert json.loads(export.read_text(encoding="utf-8"))["format"] == "tutor-progress"

    fresh = tmp_path / "fresh-home"
    env = dict(tutor_env, TUTOR_HOME=str(fresh))
    result = run_tutor(tutor_cmd, env, "progress", "--import", str(export))
    assert result.returncode == 0, result.stderr
    assert "2 lesson(s)" in result.stdout and "1 quiz attempt(s)" in result.stdout
    listing = run_tutor(tutor_cmd, env, "lessons", "--lang", "en")
    assert "[x]  1. How LLMs work inside" in listing.stdout
    assert "[~]  4." in listing.stdout
    assert "best: 70%" in listing.stdout


def test_reset_without_a_terminal_needs_yes(tutor_cmd, tutor_env, tutor_home):
    store = open_store()
    store.mark_done(L1)
    store.close()
    result = run_tutor(tutor_cmd, tutor_env, "progress", "--reset")
    assert result.returncode == EXIT_USAGE
    assert "--yes" in result.stderr
    assert_clean(result.stderr)
    store = open_store()
    try:
        assert store.lesson_progress(L1).status == "done", "nothing was reset"
    finally:
        store.close()


# -- in-process: tutor.cli.main ----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["es", "en"])
def test_lessons_in_both_languages(capsys, lang):
    course = load_course()
    assert main(["lessons", "--lang", lang]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == course.title[lang]
    for module in course.modules:
        assert f"{module.number}. {module.title[lang]}" in out
        assert module.quiz.title[lang] in out
        assert f"tutor quiz {module.number}" in out
    for lesson in course.lessons:
        assert lesson.title[lang] in out and lesson.id in out
    assert ("sin empezar" if lang == "es" else "not started") in out
    assert ("0/15 lecciones" if lang == "es" else "0/15 lessons") in out
    assert_clean(out)


def test_lessons_shows_progress(capsys, store):
    store.mark_done(L1)
    store.mark_reading(L4)
    attempt = store.start_attempt("m1-quiz", "quiz", "en", 10)
    store.finish_attempt(attempt, 8, 10, True)
    assert main(["lessons", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "1/15 lessons · 7%" in out
    lines = {line.split("[")[-1].rstrip("]"): line for line in out.splitlines() if line.rstrip().endswith("]")}
    assert lines[L1].lstrip().startswith("[x]") and "done" in lines[L1]
    assert lines[L4].lstrip().startswith("[~]") and "reading" in lines[L4]
    quiz_line = next(line for line in out.splitlines() if "Quiz: Foundations of LLMs" in line)
    assert quiz_line.lstrip().startswith("[x]") and "best: 80%" in quiz_line


@pytest.mark.parametrize("verb", [["lessons"], ["progress"], ["quiz", "1"], ["lesson", "4"], ["chat"]])
def test_a_language_said_before_the_verb_holds(store, verb):
    """`tutor --lang es progress` is Spanish even when English was used last: a verb's own --lang,
    left out, must not overwrite the one said before it (nor --no-mouse)."""
    from tutor.cli import build_parser

    store.set_setting("lang", "en")
    parser = build_parser()
    args = parser.parse_args(["--lang", "es", "--no-mouse", *verb])
    assert args.lang == "es" and args.no_mouse is True
    if verb[0] in ("lessons", "progress", "quiz"):
        assert parser.parse_args([*verb, "--lang", "es"]).lang == "es"
    assert parser.parse_args(verb).lang is None


def test_lessons_and_progress_follow_a_language_said_before_the_verb(capsys, store):
    store.set_setting("lang", "en")
    assert main(["--lang", "es", "lessons"]) == 0
    assert capsys.readouterr().out.startswith("Fundamentos de LLMs")
    assert main(["--lang", "es", "progress"]) == 0
    assert "Progreso del curso" in capsys.readouterr().out


def test_language_comes_from_the_flag_then_memory_then_locale(capsys, monkeypatch, store):
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    assert main(["lessons"]) == 0
    assert capsys.readouterr().out.startswith("Fundamentos de LLMs")
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert main(["lessons"]) == 0
    assert capsys.readouterr().out.startswith("LLM Fundamentals")
    store.set_setting("lang", "es")  # chosen in the app last time
    assert main(["lessons"]) == 0
    assert capsys.readouterr().out.startswith("Fundamentos de LLMs")
    assert main(["lessons", "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith("LLM Fundamentals")


@pytest.mark.parametrize("ref", ["99", "0", "nope", "m1", "m3-l01"])
def test_unknown_lesson_exits_2_and_lists_the_valid_ones(capsys, ref):
    assert main(["lesson", ref]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"unknown lesson '{ref}'" in err
    for lesson in load_course().lessons:
        assert lesson.id in err
    assert_clean(err)


@pytest.mark.parametrize("ref", ["3", "0", "m9", "quiz", "m1-l01-inside-llms"])
def test_unknown_quiz_exits_2_and_lists_the_valid_ones(capsys, ref):
    assert main(["quiz", ref]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"unknown quiz '{ref}'" in err
    assert "1 (m1-quiz)" in err and "2 (m2-quiz)" in err


def test_lesson_references():
    course = load_course()
    assert course.find_lesson("4").id == L4
    assert course.find_lesson("04").id == L4
    assert course.find_lesson(L4).id == L4
    assert course.find_lesson("tokenization").id == L4
    assert course.find_lesson("m1-l04").id == L4
    for bad in ("16", "m1", "", "rope-"):
        with pytest.raises(UnknownLesson):
            course.find_lesson(bad)
    assert course.find_quiz("1").id == "m1-quiz"
    assert course.find_quiz("M2").id == "m2-quiz"
    assert course.find_quiz("m2-quiz").id == "m2-quiz"


def test_known_lesson_without_a_terminal_exits_2(capsys):
    assert main(["lesson", "tokenization"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "interactive terminal" in err and "unknown" not in err


def test_quiz_without_a_terminal_exits_2(capsys, store):
    assert main(["quiz", "1"]) == EXIT_USAGE
    assert "interactive terminal" in capsys.readouterr().err
    assert store.attempts() == [], "no attempt is started without a terminal"


def test_bad_arguments_exit_2(capsys):
    """main() returns 2 with one line on stderr (it is called in-process too: no SystemExit)."""
    for argv in (["--lang", "fr"], ["progress", "--export", "a", "--import", "b"], ["nonsense"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("tutor") and "error:" in err and err.count("\n") == 1, err


def test_progress_summary_lists_attempts(capsys, store):
    store.mark_done(L1)
    first = store.start_attempt("m2-quiz", "quiz", "es", 10)
    store.finish_attempt(first, 5, 10, False)
    retake = store.start_attempt("m2-quiz", "retake", "es", 5)
    store.finish_attempt(retake, 5, 5, True)
    left = store.start_attempt("m2-quiz", "quiz", "es", 10)  # abandoned: listed as unfinished
    store.record_answer(left, "m2-q01", 0, True)
    assert main(["progress", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "1/15 lessons" in out
    assert "5/10" in out and "retake" in out and "5/5" in out
    assert out.count("quiz   ") + out.count("retake ") == 3
    assert "unfinished (1 of 10 answered)" in out
    assert out.count("passed") == 1
    assert_clean(out)


def test_export_to_stdout_and_import_into_a_fresh_home(capsys, monkeypatch, store, tmp_path):
    store.mark_done(L1)
    store.set_setting("lang", "es")
    attempt = store.start_attempt("m1-quiz", "quiz", "es", 10)
    for i in range(10):
        store.record_answer(attempt, f"m1-q{i + 1:02d}", i % 4, i < 9)
    store.finish_attempt(attempt, 9, 10, True)
    assert main(["progress", "--export", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "tutor-progress"
    assert len(data["attempts"]) == 1 and len(data["attempts"][0]["answers"]) == 10
    export = tmp_path / "export.json"
    assert main(["progress", "--export", str(export)]) == 0
    assert str(export) in capsys.readouterr().out

    fresh = tmp_path / "fresh"
    monkeypatch.setenv("TUTOR_HOME", str(fresh))
    assert main(["progress", "--import", str(export)]) == 0
    assert "1 lesson(s) updated, 1 quiz attempt(s) added" in capsys.readouterr().out
    assert main(["progress", "--import", str(export)]) == 0
    assert "0 lesson(s) updated, 0 quiz attempt(s) added" in capsys.readouterr().out
    imported = open_store()
    try:
        assert imported.path.parent == fresh
        assert imported.lesson_progress(L1).status == "done"
        [attempt] = imported.attempts()
        assert attempt.score == 9 and len(imported.answers(attempt.id)) == 10
    finally:
        imported.close()


@pytest.mark.parametrize(
    "content",
    [
        "not json at all {",
        '{"format": "something-else"}',
        '{"format": "tutor-progress", "lessons": [{"lesson_id": "m1-l03-history", "status": "done"}, {"status": "?"}]}',
        '{"format": "tutor-progress", "attempts": [{"uid": "x"}]}',
        "[1, 2, 3]",
        '{"format": "tutor-progress", "lessons": "m1-l01-inside-llms"}',
        '{"format": "tutor-progress", "attempts": [{"uid": "u1", "quiz_id": "m1-quiz", "kind": "bogus",'
        ' "started_at": "2024-01-01T00:00:00+00:00", "total": 10}]}',
        '{"format": "tutor-progress", "attempts": [{"uid": "u2", "quiz_id": "m1-quiz", "kind": "quiz",'
        ' "started_at": "2024-01-01T00:00:00+00:00", "total": "ten"}]}',
        '{"format": "tutor-progress", "attempts": [{"uid": "u3", "quiz_id": "m1-quiz", "kind": "quiz",'
        ' "started_at": "2024-01-01T00:00:00+00:00", "total": 10, "answers": [{"question_id": "q", "chosen": "x"}]}]}',
        '{"format": "tutor-progress", "lessons": [{"lesson_id": "m1-l03-history", "status": "done", "position": "far"}]}',
        "\ufeff\x00\x01",
    ],
    ids=[
        "not-json",
        "wrong-format",
        "bad-lesson",
        "attempt-missing-fields",
        "a-list",
        "lessons-not-a-list",
        "unknown-attempt-kind",
        "total-not-a-number",
        "answer-chosen-not-a-number",
        "position-not-a-number",
        "binary",
    ],
)
def test_import_of_a_bad_file_exits_2_and_changes_nothing(capsys, store, tmp_path, content):
    store.mark_done(L1)
    before = store.export_progress()
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    assert main(["progress", "--import", str(bad)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "Nothing was changed" in err
    assert_clean(err)
    after = store.export_progress()
    before.pop("exported_at"), after.pop("exported_at")
    assert after == before


def test_import_of_a_missing_file_or_a_folder_exits_2(capsys, tmp_path):
    assert main(["progress", "--import", str(tmp_path / "nowhere.json")]) == EXIT_USAGE
    assert "no such file" in capsys.readouterr().err
    assert main(["progress", "--import", str(tmp_path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "cannot read" in err and "Nothing was changed" in err


def test_export_to_an_unwritable_place_fails_cleanly(capsys, tmp_path):
    target = tmp_path / "no" / "such" / "folder" / "progress.json"
    assert main(["progress", "--export", str(target)]) == 1
    err = capsys.readouterr().err
    assert "cannot write" in err and "Traceback" not in err
    assert not target.exists()


def test_reset_with_yes_keeps_a_backup(capsys, store, tutor_home):
    store.mark_done(L1)
    store.set_setting("lang", "es")
    attempt = store.start_attempt("m1-quiz", "quiz", "es", 10)
    store.finish_attempt(attempt, 8, 10, True)
    assert main(["progress", "--reset", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Progreso borrado" in out  # in the learner's language (the stored choice is Spanish)
    backups = list(tutor_home.glob("tutor.sqlite3.backup-*"))
    assert len(backups) == 1 and str(backups[0]) in out
    assert store.all_lesson_progress() == {} and store.attempts() == []
    assert store.get_setting("lang") == "es"
    from tutor.store import Store

    saved = Store(backups[0])
    try:
        assert saved.lesson_progress(L1).status == "done"
    finally:
        saved.close()


def test_reset_without_yes_and_without_a_terminal_exits_2(capsys, store):
    store.mark_done(L1)
    assert main(["progress", "--reset"]) == EXIT_USAGE
    assert "--yes" in capsys.readouterr().err
    assert store.lesson_progress(L1).status == "done"


def test_unusable_store_exits_1_with_a_message(capsys, tutor_home):
    import sqlite3

    tutor_home.mkdir(parents=True)
    conn = sqlite3.connect(tutor_home / "tutor.sqlite3")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    assert main(["lessons", "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert "newer tutor" in err and "untouched" in err
    assert_clean(err)


def test_the_user_data_dir_is_not_touched(tutor_home, monkeypatch, tmp_path):
    """TUTOR_HOME is honoured; without it platformdirs decides (checked without creating anything)."""
    from tutor import paths

    assert paths.store_path() == tutor_home / "tutor.sqlite3"
    monkeypatch.delenv("TUTOR_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert paths.data_dir(create=False) == Path(tmp_path / "xdg" / "tutor")
    assert not (tmp_path / "xdg").exists()
