"""The layers stay apart: the headless core never needs Textual or questionary, and the CLI
starts without loading torch or Textual. Each check runs in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tutor

PACKAGE = Path(tutor.__file__).parent
HEADLESS = ["tutor.lessons", "tutor.quiz", "tutor.store", "tutor.progress", "tutor.i18n", "tutor.paths"]


def python(code: str, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, timeout=120
    )


def optional_packages() -> list[str]:
    """tutor.engine / tutor.fit, when their package __init__ exists in this build."""
    return [f"tutor.{name}" for name in ("engine", "fit") if (PACKAGE / name / "__init__.py").exists()]


def test_headless_core_imports_without_textual_or_questionary(tutor_env):
    modules = HEADLESS + optional_packages()
    result = python(
        f"""
        import sys
        for blocked in ("textual", "questionary", "prompt_toolkit", "rich"):
            sys.modules[blocked] = None  # any import of these now raises ImportError
        import importlib
        for name in {modules!r}:
            importlib.import_module(name)
        from tutor.lessons import load_course
        from tutor.quiz import load_bank, draw_quiz
        from tutor.store import open_store
        from tutor.progress import course_progress
        course = load_course()
        store = open_store()
        print(course_progress(course, store).total, len(draw_quiz(load_bank("m1"))))
        store.close()
        """,
        tutor_env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["15", "10"]


def test_engine_and_fit_packages_do_not_need_torch_to_import(tutor_env):
    packages = optional_packages()
    if not packages:
        pytest.skip("no tutor.engine / tutor.fit package __init__ in this build yet")
    result = python(
        f"""
        import sys
        sys.modules["torch"] = None
        sys.modules["textual"] = None
        import importlib
        for name in {packages!r}:
            importlib.import_module(name)
        print("ok")
        """,
        tutor_env,
    )
    assert result.returncode == 0, result.stderr


def test_cli_imports_neither_torch_nor_textual(tutor_env):
    result = python("import tutor.cli, sys; print('torch' in sys.modules, 'textual' in sys.modules)", tutor_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"


def test_help_and_lessons_load_no_heavy_module(tutor_env):
    """`tutor --help` builds every verb's parser (features register theirs) and `tutor lessons` prints
    the course: neither may pull in torch, Textual or questionary."""
    result = python(
        """
        import contextlib, io, sys
        from tutor.cli import build_parser, main
        build_parser().format_help()
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(["lessons", "--lang", "en"])
        heavy = sorted(m for m in ("torch", "textual", "questionary", "prompt_toolkit") if m in sys.modules)
        print(code, heavy)
        """,
        tutor_env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0 []"


def test_only_the_cli_prints():
    """The headless modules report through return values and exceptions, never print()."""
    for name in ("lessons/__init__.py", "quiz/__init__.py", "store.py", "progress.py", "i18n.py", "paths.py"):
        source = (PACKAGE / name).read_text(encoding="utf-8")
        assert "print(" not in source, f"tutor/{name} prints"


def test_ui_strings_have_the_same_keys_in_both_languages():
    from tutor.i18n import CATALOGUE, LANGS

    keys = {lang: set(CATALOGUE[lang]) for lang in LANGS}
    assert keys["es"] == keys["en"], keys["es"] ^ keys["en"]
    for lang in LANGS:
        assert all(value.strip() for value in CATALOGUE[lang].values())


def test_language_choice():
    from tutor.i18n import choose_lang, lang_from_locale, t

    assert lang_from_locale({"LANG": "es_MX.UTF-8"}) == "es"
    assert lang_from_locale({"LC_ALL": "es_ES.UTF-8", "LANG": "en_US.UTF-8"}) == "es"
    assert lang_from_locale({"LC_ALL": "C", "LANG": "es_ES.UTF-8"}) == "en"
    assert lang_from_locale({"LANG": "fr_FR.UTF-8"}) == "en"
    assert lang_from_locale({}) == "en"
    assert choose_lang("en", "es", {"LANG": "es_ES"}) == "en"
    assert choose_lang(None, "es", {"LANG": "en_US"}) == "es"
    assert choose_lang(None, None, {"LANG": "es_AR"}) == "es"
    assert choose_lang(None, "xx", {}) == "en"
    assert t("quiz.score", "es", score=7, total=10, percent=70) == "Resultado: 7/10 (70%)"
    assert t("key.quit", "fr") == "Quit"
