"""Lesson 8's lab, driven by keys at 80x24: totals, the breakdown and the shapes shown are
`count_parameters`, `parameter_breakdown` and `forward_shapes` for the configuration set by keys."""

from __future__ import annotations

import subprocess
import sys

from labkit import open_lab, plain, press

from tutor.app.labs.l08_gpt2 import compact
from tutor.engine.model import (
    GPTConfig,
    count_parameters,
    forward_shapes,
    parameter_breakdown,
)

LESSON = "m2-l08-gpt2-from-scratch"
START = {"screen": "lesson", "lesson_id": LESSON}


def test_importing_the_lab_does_not_load_torch():
    code = "import sys, tutor.app.labs.l08_gpt2; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


async def test_gpt2_small_is_reproduced_with_its_breakdown(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        await open_lab(pilot)
        config = GPTConfig.gpt2_small()
        fields = plain(app, "#gpt-fields")
        assert f"{count_parameters(config):,}" in fields
        assert f"head d = {config.n_embd}/{config.n_head} = {config.head_dim}" in fields
        panel = plain(app, "#gpt-panel-text")
        for name, count, _ in parameter_breakdown(config):
            line = next(line for line in panel.splitlines() if line.startswith(name + " "))
            assert f"{count:,}" in line


async def test_changing_heads_keeps_the_total_and_a_bad_split_is_explained(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        await press(pilot, "down", "plus")  # 12 -> 16 heads
        config = GPTConfig.gpt2_small()
        sixteen = GPTConfig(n_layer=12, n_head=16, n_embd=768, block_size=1024, vocab_size=config.vocab_size)
        fields = plain(app, "#gpt-fields")
        assert f"{count_parameters(sixteen):,}" in fields
        assert count_parameters(sixteen) == count_parameters(config)
        assert "cabeza d = 768/16 = 48" in fields
        await press(pilot, "minus", "down", "plus")  # back to 12 heads, width 768 -> 1024
        assert "no se divide entre 12 cabezas" in plain(app, "#gpt-panel-text")
        await press(pilot, "up", "plus")  # 16 heads divide 1024
        wide = GPTConfig(n_layer=12, n_head=16, n_embd=1024, block_size=1024, vocab_size=config.vocab_size)
        assert f"{count_parameters(wide):,}" in plain(app, "#gpt-fields")


async def test_mini_gpt_and_the_shapes_of_one_pass(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        lab = await open_lab(pilot)
        await press(pilot, "m")
        mini = lab.presets.mini
        assert mini is not None
        assert f"{count_parameters(mini):,}" in plain(app, "#gpt-fields")
        await press(pilot, "v")
        panel = plain(app, "#gpt-panel-text")
        assert f"block, repeated {mini.n_layer} times" in panel
        for _, shape in forward_shapes(mini):
            assert compact(shape) in panel
        await press(pilot, "g", "down", "down", "down", "down", "down", "plus")  # GPT-2 with RoPE
        rope = GPTConfig(**{**GPTConfig.gpt2_small().__dict__, "positions": "rope"})
        panel = plain(app, "#gpt-panel-text")
        assert "RoPE turns q and k" in panel
        assert f"{count_parameters(rope):,}" in plain(app, "#gpt-fields")
