"""Lesson 5's lab, driven by keys at 80x24: the MLP trains live in a worker and the numbers shown
are `tutor.engine.mlp`'s; the one-pass view shows `tiny_net_pass` stage by stage."""

from __future__ import annotations

import subprocess
import sys

from labkit import open_lab, plain, settle

from tutor.app.labs.charts import mat, num, vec
from tutor.app.labs.l05_mlp import ACCURACY_MARK, MLPLab
from tutor.engine import mlp

LESSON = "m1-l05-neural-networks"
START = {"screen": "lesson", "lesson_id": LESSON}


def test_importing_the_lab_does_not_load_torch():
    code = "import sys, tutor.app.labs.l05_mlp; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


async def test_training_shows_the_engines_loss_and_accuracy(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        lab = await open_lab(pilot)
        assert "Ready" in plain(app, "#mlp-status")
        assert "●" in plain(app, "#mlp-map")  # the dataset's points, before any training
        lab.steps = 15
        await pilot.press("x")  # xor -> circles
        await settle(pilot)
        assert "circles" in plain(app, "#mlp-info")
        await pilot.press("t")
        await settle(pilot)
        defaults = mlp.MLPConfig()
        config = mlp.MLPConfig(dataset="circles", steps=15, hidden=defaults.hidden, activation=defaults.activation)
        events = list(mlp.train_mlp(config))
        last = events[-1]
        info = plain(app, "#mlp-info")
        assert "step 15/15" in info
        assert num(last.loss) in info
        assert f"{last.accuracy:.1%}" in info
        reached = next((e.step for e in events if e.accuracy >= ACCURACY_MARK), None)
        if reached is None:
            assert "not yet" in info
        else:
            assert f"at step {reached}" in info
        assert "Done" in plain(app, "#mlp-status")
        network = "→".join(str(n) for n in (2, *defaults.hidden, 2))
        assert network in info


async def test_keys_keep_answering_while_it_trains(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        lab = await open_lab(pilot)
        lab.steps = 1_000_000  # far more than the test will wait for
        await pilot.press("t")
        await pilot.pause()
        assert lab.state.status == "training"
        await pilot.press("e")  # switch language while the worker trains
        await pilot.pause()
        assert "Laboratorio" in plain(app, ".lab-title")
        assert lab.state.status == "training"
        await pilot.press("t")  # stop
        await settle(pilot)
        assert lab.state.status == "stopped"
        assert "Parado" in plain(app, "#mlp-status")


async def test_one_pass_shows_every_number_of_the_tiny_network(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        await pilot.press("v")
        await settle(pilot)
        p = mlp.tiny_net_pass()
        text = plain(app, "#mlp-pass-text")
        assert f"W1 = {mat(p.w1)}" in text
        assert "paso 1 de 6" in plain(app, ".lab-title")
        for _ in range(5):
            await pilot.press("space")
        await pilot.pause()
        text = plain(app, "#mlp-pass-text")
        assert "paso 6 de 6" in plain(app, ".lab-title")
        assert vec(p.z1) in text and vec(p.h) in text
        assert num(p.loss) in text and num(p.loss_after) in text
        assert vec(p.grad_z1) in text and mat(p.grad_w1) in text
        assert mat(p.new_w1) in text
        await pilot.press("b")
        await pilot.pause()
        assert mat(p.new_w1) not in plain(app, "#mlp-pass-text")
        await pilot.press("g")  # other initial weights (seed 1)
        await settle(pilot)
        other = mlp.tiny_net_pass(seed=1)
        assert f"W1 = {mat(other.w1)}" in plain(app, "#mlp-pass-text")
        await pilot.press("v")  # back to training, in English after a switch
        await pilot.press("e")
        await pilot.pause()
        assert "Ready" in plain(app, "#mlp-status")


async def test_training_asked_for_while_torch_loads(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        await pilot.press("l")
        await pilot.pause()
        lab = app.screen.query_one(MLPLab)
        lab.steps = 5
        await pilot.press("t")  # before the dataset (and torch) finished loading
        await settle(pilot)
        assert lab.state.status == "done"
        last = mlp.run_to_end(mlp.MLPConfig(steps=5))
        assert "step 5/5" in plain(app, "#mlp-info") and num(last.loss) in plain(app, "#mlp-info")
