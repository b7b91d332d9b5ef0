"""Shared fixtures for the whole suite.

- Every test runs with its own empty `TUTOR_HOME` (autouse): nothing ever reads or writes the
  learner's real data dir, and subprocesses inherit the variable through `os.environ`.
- `store`: a real SQLite store in that folder.
- `run_app`: an async context manager that runs the real `TutorApp` under Textual's Pilot.
- `settle(pilot)`: wait for workers and let the screen redraw (after actions that start workers).
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def real_data_dir_untouched():
    """A safety net: if the learner's real data dir did not exist before the run, it must not after."""
    import platformdirs

    real = Path(platformdirs.user_data_dir("tutor", appauthor=False))
    existed = real.exists()
    yield real
    if not existed:
        assert not real.exists(), f"the tests wrote into the real data dir {real}"


@pytest.fixture(autouse=True)
def tutor_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated, empty TUTOR_HOME for every test (created lazily by tutor.paths)."""
    home = tmp_path_factory.mktemp("tutor-home") / "data"
    monkeypatch.setenv("TUTOR_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line answers in the locale's language when no --lang or saved choice says
    otherwise: every test starts from an English locale (a test may set LANG itself)."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture(autouse=True)
def message_lang_reset():
    """An app or a command that set the message language (tutor.i18n.set_message_lang) leaves it
    behind for no later test."""
    from tutor.i18n import set_message_lang

    previous = set_message_lang(None)
    yield
    set_message_lang(previous)


@pytest.fixture(autouse=True)
def hf_cache_isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Hugging Face cache (HF_HOME) per test, offline: no test reads the real cache or the internet."""
    home = tmp_path_factory.mktemp("hf-home")
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return home / "hub"


@pytest.fixture
def store(tutor_home: Path):
    from tutor.store import open_store

    opened = open_store()
    assert opened.path.parent == tutor_home  # never the real data dir
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def course():
    from tutor.lessons import load_course

    return load_course()


async def settle(pilot) -> None:
    """Let messages, workers (e.g. a lesson reloading its markdown) and the next refresh run."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture(name="settle")
def settle_fixture():
    return settle


@pytest.fixture
def run_app(store):
    """`async with run_app(lang="en") as (app, pilot): ...` runs the real app at 80x24.

    Pass `store=` to run on another Store (a restart opens a new one on the same TUTOR_HOME).
    """

    @asynccontextmanager
    async def _run(
        lang: str = "en",
        start: dict | None = None,
        size: tuple[int, int] = (80, 24),
        store=None,
    ) -> AsyncIterator:
        from tutor.app.app import TutorApp

        app = TutorApp(store=store if store is not None else _default_store, lang=lang, start=start)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            yield app, pilot

    _default_store = store
    return _run


@pytest.fixture
def tutor_env(tutor_home: Path) -> dict[str, str]:
    """Environment for running the real `tutor` program in a subprocess."""
    env = dict(os.environ)
    env["TUTOR_HOME"] = str(tutor_home)
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("FORCE_COLOR", None)
    env.setdefault("TERM", "xterm-256color")
    return env


@pytest.fixture
def tutor_cmd() -> list[str]:
    """The installed console script if present, else the module (same entry point)."""
    script = Path(sys.executable).with_name("tutor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tutor"]
