"""Lesson 13's lab: a sentence routed through the mini MoE GPT, by keys, checked against the engine."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest
from rich.console import Console
from rich.text import Text

LESSON = "m2-l13-moe"


def plain(renderable) -> str:
    if isinstance(renderable, Text):
        return renderable.plain
    if isinstance(renderable, str):
        return Text.from_markup(renderable).plain
    console = Console(width=300, file=io.StringIO(), record=True)
    console.print(renderable)
    return console.export_text()


def shown(app, selector: str) -> str:
    return plain(app.screen.query_one(selector).content)


def lesson(lang: str = "en") -> dict:
    return {"lang": lang, "start": {"screen": "lesson", "lesson_id": LESSON}}


@pytest.fixture(autouse=True)
def short_training(monkeypatch):
    """A few steps of training only, re-routing the sentence after every step."""
    from tutor.app.labs import l13_moe

    monkeypatch.setattr(l13_moe, "TRAIN", dict(l13_moe.TRAIN, max_steps=3, batch_size=2, warmup_steps=1,
                                               eval_interval=3, eval_iters=1))
    monkeypatch.setattr(l13_moe, "ROUTE_EVERY_S", 0.0)


def the_lab(app):
    from tutor.app.labs.l13_moe import MoELab

    return app.screen.query_one(MoELab)


def check_routing(app, sentence: str) -> None:
    """The table and the load panel against a fresh GPT.inspect of the same model and sentence."""
    from tutor.app.labs.l13_moe import route_cell, show_token
    from tutor.engine.mlp import tiny_torch_threads

    lab = the_lab(app)
    bench = lab.bench
    ids = bench.tokenizer.encode(sentence)
    with tiny_torch_threads():  # a tiny model: one thread is much faster on a busy CPU
        inspection = bench.model.inspect(ids)
    assert lab.routing.sentence == sentence
    table = shown(app, "#moe-table").splitlines()  # the column heads sit above, in #moe-head
    rows = [line.split() for line in table if line.strip()]
    assert len(rows) == len(ids)
    for t, token_id in enumerate(inspection.tokens):
        cells = " ".join(route_cell(inspection.experts[layer][t]).plain for layer in range(len(inspection.experts)))
        assert table[t].split() == [show_token(bench.tokenizer.token_text(token_id)), *cells.split()]
    # each pair is the top-2 of the router, renormalised: the weights sum to 1
    for layer in inspection.experts:
        for pairs in layer:
            assert len(pairs) == bench.config.top_k
            assert abs(sum(w for _, w in pairs) - 1) < 1e-5
    # load per expert of the layer on view
    layer = lab.view_layer
    expected = [0] * bench.config.n_experts
    for pairs in inspection.experts[layer]:
        for expert, _ in pairs:
            expected[expert] += 1
    load = shown(app, "#moe-load")
    assert f"layer {layer + 1} · {len(ids)} tokens" in load
    counts = {int(e): int(n) for e, n in re.findall(r"E(\d+) [█·]+ +(\d+)", load)}
    assert counts == dict(enumerate(expected))
    assert sum(expected) == len(ids) * bench.config.top_k


async def test_routes_the_sentence_and_counts_parameters(run_app, settle):
    from tutor.engine.model import parameter_breakdown

    async with run_app(**lesson()) as (app, pilot):
        await pilot.press("l")
        await settle(pilot)
        lab = the_lab(app)
        assert lab.bench is not None, shown(app, "#moe-status")
        model, config = lab.bench.model, lab.bench.config
        assert config.ffn == "moe"
        assert shown(app, ".lab-title") == f"Lab · Mixture of Experts: {config.n_experts} experts, {config.top_k} per token"
        assert shown(app, "#moe-status").startswith("Untrained")
        check_routing(app, lab.s("example0"))

        # total vs active, from the engine's own breakdown
        rows = parameter_breakdown(model)
        experts = sum(n for name, n, _ in rows if "experts" in name)
        total = model.num_params()
        active = total - experts * (config.n_experts - config.top_k) // config.n_experts
        per_expert = experts // (config.n_layer * config.n_experts)
        params = shown(app, "#moe-params")
        assert f"{total:,} parameters, {active:,} active per token ({100 * active / total:.0f}%)" in params
        assert f"{config.n_experts}×{per_expert:,}" in params
        assert "Mixtral 8x7B" in params


async def test_layer_example_and_typed_sentence_keys(run_app, settle):
    async with run_app(**lesson()) as (app, pilot):
        await pilot.press("l")
        await settle(pilot)
        lab = the_lab(app)

        # v shows the next layer's load; x routes the next example sentence
        await pilot.press("v")
        await settle(pilot)
        assert lab.view_layer == 1
        check_routing(app, lab.s("example0"))
        await pilot.press("x")
        await settle(pilot)
        check_routing(app, lab.s("example1"))

        # i + typing + Enter routes the learner's own sentence
        await pilot.press("i")
        await pilot.pause()
        await pilot.press(*"def f(x): return x")
        await pilot.press("enter")
        await settle(pilot)
        check_routing(app, "def f(x): return x")


async def test_training_moves_the_router_and_reset_starts_over(run_app, settle):
    async with run_app(**lesson()) as (app, pilot):
        await pilot.press("l")
        await settle(pilot)
        lab = the_lab(app)
        before = [p.detach().clone() for p in lab.bench.model.parameters()]
        await pilot.press("t")
        await settle(pilot)
        trainer = lab.bench.trainer
        assert trainer.step == trainer.config.max_steps == 3
        assert not lab.training
        event = lab.last_event
        assert event.done and event.step == 3
        status = shown(app, "#moe-status")
        assert status.startswith(f"Trained 3 steps · loss {event.train_loss:.3f} · validation {trainer.last_val_loss:.3f}")
        assert any(not (a == b).all() for a, b in zip(before, lab.bench.model.parameters()))
        check_routing(app, lab.s("example0"))  # re-routed by the trained model

        await pilot.press("t")  # the run is over: it says so and changes nothing
        await settle(pilot)
        assert trainer.step == 3

        await pilot.press("r")
        await settle(pilot)
        assert lab.bench.trainer is not trainer and lab.bench.trainer.step == 0
        assert shown(app, "#moe-status").startswith("Untrained")
        fresh = list(lab.bench.model.parameters())
        assert all((a == b).all() for a, b in zip(before, fresh))  # same seed, same initial model
        check_routing(app, lab.s("example0"))


async def test_keys_answer_while_it_trains_and_t_pauses(run_app, settle, monkeypatch):
    from tutor.app.labs import l13_moe

    monkeypatch.setattr(l13_moe, "TRAIN", dict(l13_moe.TRAIN, max_steps=100_000, eval_interval=0))
    async with run_app(**lesson()) as (app, pilot):
        await pilot.press("l")
        await settle(pilot)
        lab = the_lab(app)
        await pilot.press("t")
        for _ in range(200):  # until the first step has been drawn
            await pilot.pause(0.02)
            if lab.last_event is not None:
                break
        assert lab.training and shown(app, "#moe-status").startswith("Training: step ")
        await pilot.press("v")  # the UI thread is free while the worker trains
        assert lab.view_layer == 1 and lab.training
        await pilot.press("t")  # pause: the worker stops between two steps
        for _ in range(500):  # bounded: a pause that does not stop fails here instead of hanging
            await pilot.pause(0.02)
            if not any(w.group == "stream" and not w.is_finished for w in app.workers):
                break
        await pilot.pause()
        trainer = lab.bench.trainer
        assert not lab.training and 0 < trainer.step < trainer.config.max_steps
        step = trainer.step
        assert shown(app, "#moe-status").startswith(f"Paused at step {step}/{trainer.config.max_steps}")
        # The stream worker has ended (waited for above), so no thread is left that could step:
        # a plain pause lets any stray message land; waiting for time would prove nothing more.
        await pilot.pause()
        assert trainer.step == step  # really stopped


async def test_spanish(run_app, settle):
    async with run_app(**lesson("es")) as (app, pilot):
        await pilot.press("l")
        await settle(pilot)
        lab = the_lab(app)
        assert shown(app, ".lab-title").startswith("Laboratorio · Mixture of Experts")
        assert shown(app, "#moe-status").startswith("Sin entrenar")
        assert lab.sentence == lab.s("example0") == "El gato está en la alfombra y el perro duerme."
        assert "capa 1" in shown(app, "#moe-load")


async def test_a_model_that_cannot_be_built_is_reported(run_app, settle, monkeypatch):
    from tutor.app.labs import l13_moe

    def broken(sentence):
        raise FileNotFoundError("course_bpe.tiktoken is missing")

    monkeypatch.setattr(l13_moe, "build_workbench", broken)
    async with run_app(**lesson()) as (app, pilot):
        await pilot.press("l")
        await settle(pilot)
        assert shown(app, "#moe-status") == "Could not build the model: FileNotFoundError: course_bpe.tiktoken is missing"
        await pilot.press("t", "v", "x", "r")  # nothing to drive yet: no crash
        await settle(pilot)
        assert the_lab(app).bench is None


def test_importing_the_lab_does_not_import_torch():
    code = "import tutor.app.labs.l13_moe, sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_lab_keys_and_strings():
    """No lab key shadows the lesson screen's keys; both languages carry the same strings."""
    from tutor.app.labs.base import lab_strings
    from tutor.app.labs.l13_moe import MoELab
    from tutor.app.labs.l14_hardware import HardwareLab
    from tutor.app.labs.l15_ollama import OllamaLab

    reserved = set("npdklceq")
    for lab in (MoELab, HardwareLab, OllamaLab):
        for keys, _, label in lab.KEYS:
            assert not reserved & set(keys.split(",")), (lab.__name__, keys)
        strings = lab_strings(lab.LESSON_ID)
        assert set(strings["es"]) == set(strings["en"]), lab.__name__
        assert all(label in strings["en"] for _, _, label in lab.KEYS if label)


def test_a_file_error_in_a_lab_says_its_path_and_reason_in_the_learners_words():
    import errno

    from tutor.app.labs.base import error_text
    from tutor.i18n import set_message_lang

    previous = set_message_lang("es")
    try:
        denied = PermissionError(errno.EACCES, "Permission denied", "/srv/models/lab12.gguf")
        assert error_text(denied) == "/srv/models/lab12.gguf: permiso denegado"
        assert error_text(ValueError("bad header")) == "ValueError: bad header"
    finally:
        set_message_lang(previous)
