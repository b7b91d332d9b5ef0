"""Lesson 9's lab, driven by keys at 80x24: the rotated pair is `rope_demo.rotate_query_pair`'s and
the relative-position check is `rope_demo.relative_position_check`'s, for the keys pressed."""

from __future__ import annotations

import math
import subprocess
import sys

from labkit import open_lab, plain

from tutor.engine import rope_demo

LESSON = "m2-l09-rope"
START = {"screen": "lesson", "lesson_id": LESSON}


def test_the_lab_needs_no_torch():
    code = "import sys, tutor.app.labs.l09_rope; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


async def test_the_pair_turns_by_the_same_angle_each_position(run_app):
    async with run_app(lang="en", start=START) as (app, pilot):
        await open_lab(pilot)
        await pilot.press("plus", "plus")  # position 1 -> 3
        await pilot.pause()
        now = rope_demo.rotate_query_pair(positions=3)[-1]
        side = plain(app, "#rope-side")
        assert "m = 3" in side
        assert f"m·θ = {now.angle:.4g} rad ({now.angle_degrees:.1f}° around)" in side
        assert f"(x, y) = ({now.x:.3f}, {now.y:.3f})" in side
        assert f"length {math.hypot(now.x, now.y):.3f}" in side
        await pilot.press("i")  # the next, slower pair
        await pilot.pause()
        theta = rope_demo.rope_thetas(8)[1]
        now = rope_demo.rotate_query_pair(i=1, positions=3)[-1]
        side = plain(app, "#rope-side")
        assert f"Pair i=1 of d=8: θ = {theta:.4g} rad" in side
        assert f"(x, y) = ({now.x:.3f}, {now.y:.3f})" in side
        assert "●" in plain(app, "#rope-plane")


async def test_scores_depend_only_on_the_distance(run_app):
    async with run_app(lang="es", start=START) as (app, pilot):
        await open_lab(pilot)
        check = rope_demo.relative_position_check()
        side = plain(app, "#rope-side")
        for (m, n), score in zip(check.position_pairs, check.scores):
            assert f"({m},{n}) {score:.6f}" in side
        assert f"diferencia máx. {check.max_abs_diff:.1e}" in side and "✓ misma puntuación" in side
        assert f"q·k = {check.plain_score:.3f}" in side
        await pilot.press("t", "s")  # distance 3 -> 4, other q and k (seed 1)
        await pilot.pause()
        check = rope_demo.relative_position_check(distance=4, seed=1)
        side = plain(app, "#rope-side")
        assert "distancia m − n = 4" in side
        for (m, n), score in zip(check.position_pairs, check.scores):
            assert f"({m},{n}) {score:.6f}" in side
        for dist, score in check.by_distance.items():
            assert f"{dist}: {score:.2f}" in side
        await pilot.press("e")
        await pilot.pause()
        assert "same score" in plain(app, "#rope-side")
