"""Lesson 10 lab: learned positions vs RoPE trained side by side, checked against the engine.

The runs are shrunk (a tiny model, a few steps, no dropout) so the tests stay quick and each
model's numbers do not depend on the other being trained in the same thread.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest
from conftest import settle
from labkit import lab_text as shown
from labkit import open_lab, wait_until

from tutor.app.labs import l10_rope_vs_learned as l10
from tutor.app.labs.base import lab_strings

LESSON = "m2-l10-rope-in-gpt2"
START = {"screen": "lesson", "lesson_id": LESSON}
STRINGS = lab_strings(LESSON)
TINY = {"block_size": 32, "n_layer": 1, "n_head": 2, "n_embd": 32, "dropout": 0.0}
RUN = {"batch_size": 4, "warmup_steps": 2, "eval_interval": 2, "eval_iters": 1, "sample_interval": 0}


@pytest.fixture
def tiny_run(monkeypatch):
    def shrink(steps: int) -> None:
        monkeypatch.setattr(l10, "LAB_STEPS", steps)
        monkeypatch.setattr(l10, "MODEL_OVERRIDES", TINY)
        monkeypatch.setattr(l10, "RUN_OVERRIDES", RUN)

    return shrink


def engine_run(positions: str, steps: int):
    """One of the two runs, straight through the engine."""
    from tutor.engine.model import GPTConfig
    from tutor.engine.pretrained import (
        COURSE_MODEL,
        course_token_data,
        course_training_config,
    )
    from tutor.engine.tokenizers import get_tokenizer
    from tutor.engine.training import Trainer

    tokenizer = get_tokenizer("course")
    train_ids, val_ids, _ = course_token_data(tokenizer)
    model_config = GPTConfig(vocab_size=tokenizer.n_vocab, **{**COURSE_MODEL, **TINY, "positions": positions})
    trainer = Trainer(model_config, train_ids, val_ids, replace(course_training_config(), max_steps=steps, **RUN))
    return list(trainer.run()), trainer.model.num_params()


async def test_both_runs_match_the_engine_and_the_verdict_compares_them(run_app, tiny_run):
    steps = 4
    tiny_run(steps)
    expected = {kind: engine_run(kind, steps) for kind in ("learned", "rope")}
    async with run_app(lang="en", start=START) as (_app, pilot):
        lab = await open_lab(pilot)
        assert shown(lab, "#rl-status").startswith(STRINGS["en"]["state.idle"])
        await pilot.press("s")
        await settle(pilot)
        assert lab.state == "finished"
        status = shown(lab, "#rl-status").splitlines()
        assert status[0].startswith("✓ Finished") and f"step {steps}/{steps}" in status[0]
        finals = {}
        for line, kind in zip(status[1:], ("learned", "rope")):
            events, params = expected[kind]
            assert lab.setups[kind].positions == kind and lab.setups[kind].n_params == params
            got = lab.events[kind]
            assert [e.step for e in got] == list(range(1, steps + 1))
            for a, b in zip(got, events):
                assert a.train_loss == pytest.approx(b.train_loss, abs=1e-5)
                assert (a.val_loss is None) == (b.val_loss is None)
            finals[kind] = events[-1].val_loss
            assert line.startswith(f"{l10.LEGEND_GLYPH[kind]} {STRINGS['en'][f'name.{kind}']}")
            assert f"{params:,} parameters" in line
            assert f"train {events[-1].train_loss:.3f}" in line
            assert f"val {finals[kind]:.3f} (step {steps})" in line
        # learned positions add a position table: the RoPE model is smaller by exactly that
        assert lab.setups["learned"].n_params > lab.setups["rope"].n_params
        final = shown(lab, "#rl-final")
        assert f"learned {finals['learned']:.3f}" in final and f"RoPE {finals['rope']:.3f}" in final
        learned, rope = round(finals["learned"], 3), round(finals["rope"], 3)
        verdict = "verdict.rope" if rope < learned else "verdict.learned" if learned < rope else "verdict.tie"
        assert final.endswith(STRINGS["en"][verdict])
        for chart in ("#rl-train", "#rl-val"):
            assert len(shown(lab, chart).splitlines()) == 7


async def test_the_two_curves_differ_by_glyph_not_only_colour(run_app, tiny_run):
    """RoPE's curve is drawn in markers, learned positions' in braille, and the legend names each
    glyph: in 16 colours or with NO_COLOR the curves stay apart."""
    tiny_run(12)
    async with run_app(lang="es", start=START) as (_app, pilot):
        lab = await open_lab(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert lab.state == "finished"
        status = shown(lab, "#rl-status").splitlines()
        assert status[1].startswith("⠤⠤ aprendidas") and status[2].startswith("×× RoPE")
        for chart in ("#rl-train", "#rl-val"):
            text = shown(lab, chart)
            assert text.splitlines()[0].endswith("* ambas")
            plot = "".join(line.split("▕", 1)[1] for line in text.splitlines()[1:])
            braille = any("\u2800" < ch <= "\u28ff" for ch in plot)
            markers = "×" in plot or "*" in plot
            assert braille and markers, plot  # both curves drawn, each in its own glyph


async def test_stop_ends_both_runs(run_app, tiny_run):
    tiny_run(400)
    async with run_app(lang="es", start=START) as (_app, pilot):
        lab = await open_lab(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: all(len(lab.events[k]) >= 2 for k in ("learned", "rope")))
        await pilot.press("x")
        await settle(pilot)
        assert lab.state == "stopped"
        assert all(len(lab.events[k]) < 400 for k in ("learned", "rope"))
        assert shown(lab, "#rl-status").startswith(STRINGS["es"]["state.stopped"])
        assert shown(lab, "#rl-final") == STRINGS["es"]["stopped_hint"]
        # the two runs advance together: one step of each in turn
        assert abs(len(lab.events["learned"]) - len(lab.events["rope"])) <= 1


async def test_language_switch_redraws(run_app):
    async with run_app(lang="es", start=START) as (_app, pilot):
        lab = await open_lab(pilot)
        assert shown(lab, ".lab-title") == STRINGS["es"]["title"]
        await pilot.press("e")
        await settle(pilot)
        assert shown(lab, ".lab-title") == STRINGS["en"]["title"]
        assert shown(lab, "#rl-status").startswith(STRINGS["en"]["state.idle"])


def test_both_languages_have_the_same_strings():
    assert set(STRINGS["es"]) == set(STRINGS["en"])


def test_importing_the_lab_does_not_load_torch():
    code = "import sys, tutor.app.labs.l10_rope_vs_learned; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
