"""Start-up loads what the first frame needs and nothing that waits behind a tab, a lab or a verb
(issue 11: first paint within 1.5x a bare Textual app; benchmarks/bench_screens.py measures it).

Each check runs in a fresh interpreter and reads sys.modules: what was loaded, never how long it took.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Loaded on first use only: the fit check (estimator, catalogue, hardware probes), the network
# clients, torch, the chat tab, the labs, and the widgets of the quiz, progress and glossary screens.
NOT_AT_START = [
    "torch",
    "httpx",
    "ollama",
    "tiktoken",
    "questionary",
    "tutor.fit.estimate",
    "tutor.fit.report",
    "tutor.fit.catalogue",
    "tutor.fit.hardware",
    "tutor.engine.model",
    "tutor.chat",
    "tutor.app.chat",
    "tutor.app.labs",
    "markdown_it",
    "textual.widgets._markdown",
    "textual.widgets._data_table",
]


def loaded_after(code: str, env) -> list[str]:
    """The NOT_AT_START modules present after running `code` in a fresh interpreter."""
    probe = textwrap.dedent(code) + textwrap.dedent(
        f"""
        import sys
        print(sorted(name for name in {NOT_AT_START!r} if name in sys.modules))
        """
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return eval(result.stdout.strip().splitlines()[-1])


def test_building_the_command_line_loads_no_feature(tutor_env):
    """Every `tutor` start builds the whole parser, `tutor fit`'s verb included."""
    assert loaded_after("from tutor.cli import build_parser\nbuild_parser()", tutor_env) == []


def test_the_overview_first_frame_loads_no_feature(tutor_env):
    """The app started as `tutor` starts it, up to the overview drawn: no fit check, no network
    client, no torch, no chat or lab modules."""
    code = """
        import asyncio
        from tutor.app.app import TutorApp
        from tutor.store import open_store

        async def first_frame():
            store = open_store()
            app = TutorApp(store=store, lang="en")
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                assert type(app.screen).__name__ == "OverviewScreen", app.screen
            store.close()

        asyncio.run(first_frame())
    """
    assert loaded_after(code, tutor_env) == []


def test_the_fit_package_still_answers_every_name_it_lists(tutor_env):
    """Its names load on first use (PEP 562), and each is what the submodules define."""
    code = """
        import tutor.fit as fit
        from tutor.fit import estimate, fit_report, verdict_for_catalogue, what_if, VERDICT_NO, Settings
        import sys
        # By module path: the package's own `estimate` is the function, as it always was.
        estimate_module, report, hardware = (sys.modules[f"tutor.fit.{name}"] for name in ("estimate", "report", "hardware"))
        assert callable(estimate) and estimate is estimate_module.estimate
        assert fit_report is report.fit_report and what_if is hardware.what_if
        assert VERDICT_NO == estimate_module.VERDICT_NO and Settings is estimate_module.Settings
        for name in fit.__all__:
            assert getattr(fit, name) is not None, name
        assert set(fit.__all__) <= set(dir(fit))
        try:
            fit.no_such_name
        except AttributeError:
            pass
        else:
            raise AssertionError("an unknown name must raise AttributeError")
        print("ok")
    """
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                            env=tutor_env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
