"""Lesson 12 lab: live training of the mini GPT, driven by keys at 80x24, checked against the engine.

The lab's run is shrunk (a tiny model, a few steps) so the tests stay quick; the same shrunk
recipe run directly through the engine must give the numbers the lab shows.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import replace

import pytest
from conftest import settle
from labkit import lab_text as shown
from labkit import StepGate, open_lab, wait_until

from tutor.app.labs import l12_training
from tutor.app.labs.base import lab_strings
from tutor.app.labs.l12_training import sample_line

LESSON = "m2-l12-training"
START = {"screen": "lesson", "lesson_id": LESSON}
STRINGS = lab_strings(LESSON)
TINY = {"block_size": 32, "n_layer": 1, "n_head": 2, "n_embd": 32, "dropout": 0.0}
RUN = {"eval_interval": 2, "eval_iters": 1, "sample_interval": 2, "sample_tokens": 6, "batch_size": 4}


@pytest.fixture
def tiny_run(monkeypatch):
    def shrink(steps: int) -> None:
        monkeypatch.setattr(l12_training, "LAB_STEPS", steps)
        monkeypatch.setattr(l12_training, "MODEL_OVERRIDES", TINY)
        monkeypatch.setattr(l12_training, "RUN_OVERRIDES", RUN)

    return shrink


@pytest.fixture
def gate(monkeypatch):
    return StepGate(monkeypatch)


def engine_events(steps: int):
    """The same run, straight through the engine (no lab code)."""
    from tutor.engine.model import GPTConfig
    from tutor.engine.pretrained import (
        COURSE_MODEL,
        course_token_data,
        course_training_config,
    )
    from tutor.engine.tokenizers import get_tokenizer
    from tutor.engine.training import Trainer, lr_at

    tokenizer = get_tokenizer("course")
    train_ids, val_ids, _ = course_token_data(tokenizer)
    config = replace(course_training_config(), max_steps=steps, **RUN)
    trainer = Trainer(GPTConfig(vocab_size=tokenizer.n_vocab, **{**COURSE_MODEL, **TINY}), train_ids, val_ids, config, tokenizer=tokenizer)
    return list(trainer.run()), [lr_at(s, config) for s in range(steps)], trainer.model.num_params()


async def test_a_run_shows_the_engines_numbers(run_app, tiny_run):
    steps = 4
    tiny_run(steps)
    expected, schedule, params = engine_events(steps)
    async with run_app(lang="en", start=START) as (_app, pilot):
        lab = await open_lab(pilot)
        assert shown(lab, "#tr-status").startswith(STRINGS["en"]["state.idle"])
        await pilot.press("s")
        await settle(pilot)
        assert lab.state == "finished"
        assert lab.setup.schedule == schedule and lab.setup.n_params == params
        assert [e.step for e in lab.events] == [e.step for e in expected]
        for got, want in zip(lab.events, expected):
            assert got.train_loss == pytest.approx(want.train_loss, abs=1e-5)
            assert (got.val_loss is None) == (want.val_loss is None)
            assert got.lr == want.lr
        last, want = lab.events[-1], expected[-1]
        status = shown(lab, "#tr-status")
        assert status.startswith("✓ Finished") and f"step {steps}/{steps}" in status
        assert f"{last.tokens_per_s:,.0f} tokens/s" in status
        assert f"train {want.train_loss:.3f}" in status
        assert f"validation {want.val_loss:.3f} (step {steps})" in status
        assert f"learning rate {want.lr:.2e}" in status
        sample = shown(lab, "#tr-sample")
        assert sample.startswith(f"Sample (step {steps}):")
        assert sample_line(want.sample) in sample
        chart = shown(lab, "#tr-loss").splitlines()
        losses = [e.train_loss for e in expected] + [e.val_loss for e in expected if e.val_loss is not None]
        assert len(chart) == 7 and chart[1].strip().startswith(f"{max(losses):.2f}")
        assert chart[-1].strip().startswith(f"{min(losses):.2f}")


async def test_pause_keeps_the_run_and_resume_goes_on(run_app, tiny_run, gate):
    tiny_run(400)
    async with run_app(lang="es", start=START) as (_app, pilot):
        lab = await open_lab(pilot)
        await pilot.press("s")
        gate.allow(1)  # step 1 arrives, step 2 is let through, then the thread waits at the gate
        await wait_until(pilot, lambda: len(lab.events) >= 2 and gate.blocked.is_set())
        await pilot.press("space")
        assert lab.state == "paused"
        held = len(lab.events)
        gate.allow(3)  # the gate opens, but the lab's pause must hold the thread: no step may come
        await wait_until(pilot, gate.in_lab_pause.is_set)
        await pilot.pause()
        assert len(lab.events) == held, "no training while paused"
        assert shown(lab, "#tr-status").startswith(STRINGS["es"]["state.paused"])
        await pilot.press("space")
        assert lab.state == "running"
        await wait_until(pilot, lambda: len(lab.events) >= held + 2)
        await pilot.press("x")
        await settle(pilot)
        assert lab.state == "stopped"
        steps = [e.step for e in lab.events]
        assert steps == list(range(1, len(steps) + 1)), "the same run went on after the pause"
        assert len(steps) < 400
        assert shown(lab, "#tr-status").startswith(STRINGS["es"]["state.stopped"])


async def test_stop_while_paused_ends_the_worker_and_s_starts_afresh(run_app, tiny_run, gate):
    tiny_run(400)
    async with run_app(lang="en", start=START) as (_app, pilot):
        lab = await open_lab(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: len(lab.events) >= 1 and gate.blocked.is_set())
        await pilot.press("space", "x")
        await settle(pilot)  # returns only if the paused thread was released
        assert lab.state == "stopped"
        tiny_run(3)
        gate.allow(3)
        await pilot.press("s")
        await settle(pilot)
        assert lab.state == "finished" and [e.step for e in lab.events] == [1, 2, 3]


async def test_language_switch_redraws(run_app):
    async with run_app(lang="es", start=START) as (_app, pilot):
        lab = await open_lab(pilot)
        assert shown(lab, ".lab-title") == STRINGS["es"]["title"]
        assert shown(lab, "#tr-status").startswith(STRINGS["es"]["state.idle"])
        await pilot.press("e")
        await settle(pilot)
        assert shown(lab, ".lab-title") == STRINGS["en"]["title"]
        assert shown(lab, "#tr-status").startswith(STRINGS["en"]["state.idle"])


def test_sample_line_keeps_text_on_one_printable_line():
    assert sample_line("hola\nmundo\x07!\n") == "hola ↵ mundo\ufffd!"


def test_both_languages_have_the_same_strings():
    assert set(STRINGS["es"]) == set(STRINGS["en"])


def test_importing_the_lab_does_not_load_torch():
    code = "import sys, tutor.app.labs.l12_training; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_g_exports_a_finished_run_to_gguf_for_ollama(run_app, tiny_run, tutor_home):
    gguf = pytest.importorskip("gguf")
    tiny_run(3)
    async with run_app(lang="en", start=START) as (_app, pilot):
        lab = await open_lab(pilot)
        await pilot.press("g")  # nothing trained yet: it says what export needs
        await settle(pilot)
        assert not (tutor_home / "models" / "lab12.gguf").exists()
        await pilot.press("s")
        await settle(pilot)
        assert lab.state == "finished"
        assert "g: export to GGUF" in shown(lab, "#tr-status")
        await pilot.press("g")
        await settle(pilot)
        out = tutor_home / "models" / "lab12.gguf"
        assert out.is_file() and (tutor_home / "models" / "lab12.Modelfile").is_file()
        assert (tutor_home / "models" / "lab12.pt").is_file()  # `tutor engine export --checkpoint` reads it
        assert "Exported:" in shown(lab, "#tr-sample") and "lab12.gguf" in shown(lab, "#tr-sample")
        reader = gguf.GGUFReader(str(out))
        assert reader.fields["gpt2.context_length"].contents() == TINY["block_size"]
        assert reader.fields["general.name"].contents() == "tutor lab 12 GPT"
        state = lab.run_model.model.state_dict()
        qkv = next(t for t in reader.tensors if t.name == "blk.0.attn_qkv.weight")
        assert (qkv.data.reshape(state["transformer.h.0.attn.c_attn.weight"].shape)
                == state["transformer.h.0.attn.c_attn.weight"].half().numpy()).all()
