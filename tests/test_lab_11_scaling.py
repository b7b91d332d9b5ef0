"""Lesson 11's lab, driven by keys at 80x24: the calculator shows `scaling.compute_optimal` and
`scaling.rule_of_20` for the budget typed, and the live experiment shows `scaling_experiment`'s
parameter counts and losses."""

from __future__ import annotations

import subprocess
import sys

from labkit import open_lab, plain, settle, shown
from textual.widgets import Input

from tutor.app.labs.charts import num, sci
from tutor.engine import scaling

LESSON = "m2-l11-scaling-multimodal"
START = {"screen": "lesson", "lesson_id": LESSON}


def assert_budget_shown(app, compute: float) -> None:
    fit, rule = scaling.compute_optimal(compute), scaling.rule_of_20(compute)
    table = plain(app, "#sc-table")
    for value in (sci(fit.n_params), sci(rule.n_params), sci(fit.n_tokens), sci(rule.n_tokens)):
        assert value in table
    assert f"{fit.loss:.3f}" in table and f"{rule.loss:.3f}" in table
    assert f"{fit.tokens_per_param:.1f}" in table


def test_importing_the_lab_does_not_load_torch():
    code = "import sys, tutor.app.labs.l11_scaling; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


async def test_typing_a_budget_gives_the_optimal_sizes(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        lab = await open_lab(pilot)
        box = app.screen.query_one("#sc-budget", Input)
        assert box.has_focus
        assert_budget_shown(app, lab.compute)
        box.value = ""
        await pilot.press(*"3e19")
        await pilot.pause()
        assert lab.compute == 3e19
        assert_budget_shown(app, 3e19)
        await pilot.press("up")  # x10
        await pilot.pause()
        assert_budget_shown(app, 3e20)
        assert box.value == "3e20"
        await pilot.press("backspace", "backspace", "backspace")  # "3e20" -> "3": recomputed as typed
        await pilot.pause()
        assert lab.compute == 3.0
        await pilot.press("backspace", "minus")  # "-" is no budget: said so, the last one stays
        await pilot.pause()
        assert "positive number" in plain(app, "#sc-hint")
        assert lab.compute == 3.0
        assert_budget_shown(app, 3.0)
        assert "L(N) at D = " + sci(scaling.compute_optimal(3.0).n_tokens) in plain(app, "#sc-table")


async def test_the_live_experiment_shows_the_engines_runs(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        lab = await open_lab(pilot)
        lab.steps = 3
        await pilot.press("tab", "t")
        await settle(pilot)
        events = [e for e in scaling.scaling_experiment(steps=3) if e.done]
        table = plain(app, "#sc-sizes")
        for event in events:
            assert f"{event.n_params:,}" in table
            assert num(event.eval_loss, 4) in table
        assert "paso 3/3" in shown(app, "#sc-curves")
        assert "Hecho" in plain(app, "#sc-status")
        await pilot.press("v")
        await pilot.pause()
        assert app.screen.query_one("#sc-budget", Input).has_focus
