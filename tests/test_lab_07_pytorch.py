"""Lesson 7's lab, driven by keys at 80x24: each example's output is what `tutor.engine.basics`
returns for the values the learner set with the keys, and its code is the engine's code."""

from __future__ import annotations

import subprocess
import sys

from labkit import open_lab, plain, press

from tutor.app.labs.charts import num
from tutor.app.labs.l07_pytorch import grid_lines, value_text
from tutor.engine import basics

LESSON = "m1-l07-pytorch"
START = {"screen": "lesson", "lesson_id": LESSON}


def test_importing_the_lab_does_not_load_torch():
    code = "import sys, tutor.app.labs.l07_pytorch; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


async def test_tensor_example_shows_the_real_tensor(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        await open_lab(pilot)
        r = basics.make_tensor()
        out = plain(app, "#py-out-text")
        assert "t.shape (2, 3)" in out and f"{r.numel} elements" in out
        for line in grid_lines(r.values, value_text):
            assert line in out
        assert plain(app, "#py-code-text") == r.code
        await press(pilot, "plus")  # shape (2, 3) -> (3, 2)
        r = basics.make_tensor((3, 2))
        out = plain(app, "#py-out-text")
        assert "t.shape (3, 2)" in out
        assert all(line in out for line in grid_lines(r.values, value_text))
        await press(pilot, "down", "down", "down", "plus")  # dtype float32 -> float64
        assert "t.dtype float64" in plain(app, "#py-out-text")


async def test_autograd_gradient_changes_with_x(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        await press(pilot, "2", "down", "plus")  # x = 2.0 -> 2.5
        r = basics.grad_square(2.5)
        out = plain(app, "#py-out-text")
        assert f"x.grad = {num(r.grad)}" in out
        assert f"= {num(r.expected_grad)}" in out and "a mano ✓" in out
        await press(pilot, "up", "plus")  # y = x² -> y = (a·x + b)²
        r = basics.grad_chain(2.5, 3.0, 1.0)
        out = plain(app, "#py-out-text")
        assert r.formula in out and f"x.grad = {num(r.grad)}" in out
        assert plain(app, "#py-code-text") == r.code


async def test_matmul_shows_the_product_or_pytorchs_error(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        await open_lab(pilot)
        await press(pilot, "3")
        r = basics.matmul_shapes()
        out = plain(app, "#py-out-text")
        assert "→ C (2, 4)" in out and f"{r.multiply_adds:,}" in out
        assert all(line in out for line in grid_lines(r.result, value_text))
        await press(pilot, "down", "minus")  # A columns 3 -> 2: no longer fits B's 3 rows
        r = basics.matmul_shapes((2, 2), (3, 4))
        out = plain(app, "#py-out-text")
        assert not r.ok and r.error in out and r.rule_en in out


async def test_training_loop_with_another_learning_rate(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        await open_lab(pilot)
        await press(pilot, "4", "down", "minus")  # lr 0.1 -> 0.05
        r = basics.fit_line(lr=0.05)
        out = plain(app, "#py-out-text")
        assert f"w = {num(r.weight)}  b = {num(r.bias)}" in out
        assert f"{num(r.losses[0])} → {num(r.losses[-1])}" in out
        await press(pilot, "up", "minus")  # 100 -> 50 epochs
        r = basics.fit_line(lr=0.05, epochs=50)
        assert f"w = {num(r.weight)}  b = {num(r.bias)}" in plain(app, "#py-out-text")
        assert "range(50)" in plain(app, "#py-code-text")
