"""Lesson 9 lab: RoPE turns a query pair by its position; scores depend only on the distance.

Left, one pair of a query drawn in its plane for positions 0..m (`rope_demo.rotate_query_pair`):
it turns by the same angle theta_i at every step and its length never changes. Right, the live
check (`rope_demo.relative_position_check`): the same q and k placed at many positions with the
same distance give the same score, and other distances give other scores. The engine module is
plain Python, so everything here is instant and needs no torch.
"""

from __future__ import annotations

import inspect
import math

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from tutor.app.labs.base import FittedStatic, Lab
from tutor.app.labs.charts import SERIES_COLORS, Canvas, wrap_pieces
from tutor.engine import rope_demo

MAX_POSITION = 64
MAX_DISTANCE = 16
PLANE_WIDTH, PLANE_HEIGHT = 22, 11  # characters; braille dots are about square: 44 x 44 dots


def _default(fn, name):
    return inspect.signature(fn).parameters[name].default


class RoPELab(Lab):
    LESSON_ID = "m2-l09-rope"
    KEYS = [
        ("plus,equals_sign,up", "position(1)", "key.position"),
        ("minus,down", "position(-1)", ""),
        ("i", "pair", "key.pair"),
        ("t", "distance", "key.distance"),
        ("s", "new_vectors", "key.new_vectors"),
    ]

    DEFAULT_CSS = """
    RoPELab #rope-body { height: 1fr; }
    RoPELab #rope-plane { width: 24; }
    RoPELab #rope-side { width: 1fr; padding-left: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.d = _default(rope_demo.rotate_query_pair, "d")
        self.pair = tuple(_default(rope_demo.rotate_query_pair, "pair"))
        self.i = _default(rope_demo.rotate_query_pair, "i")
        self.position = 1
        self.check_d = _default(rope_demo.relative_position_check, "d")
        self.distance = _default(rope_demo.relative_position_check, "distance")
        self.seed = _default(rope_demo.relative_position_check, "seed")

    def compose(self) -> ComposeResult:
        yield self.title_widget()
        with Horizontal(id="rope-body"):
            yield Static(id="rope-plane")
            yield FittedStatic(id="rope-side")

    # -- actions --------------------------------------------------------------------------------

    def action_position(self, step: int) -> None:
        self.position = min(MAX_POSITION, max(0, self.position + step))
        self.refresh_lab()

    def action_pair(self) -> None:
        self.i = (self.i + 1) % (self.d // 2)
        self.refresh_lab()

    def action_distance(self) -> None:
        self.distance = (self.distance + 1) % (MAX_DISTANCE + 1)
        self.refresh_lab()

    def action_new_vectors(self) -> None:
        self.seed += 1
        self.refresh_lab()

    # -- drawing --------------------------------------------------------------------------------

    def rotation(self) -> list[rope_demo.RotatedPair]:
        return rope_demo.rotate_query_pair(self.pair, self.i, self.d, self.position)

    def check(self) -> rope_demo.RelativeCheck:
        return rope_demo.relative_position_check(self.check_d, self.distance, seed=self.seed)

    def refresh_lab(self) -> None:
        self.query_one(".lab-title", Static).update(self.s("title"))
        rotated = self.rotation()
        self.query_one("#rope-plane", Static).update(self.plane(rotated))
        side = self.rotation_text(rotated)
        side.append("\n\n")
        side.append_text(self.check_text(self.check(), self.query_one("#rope-side", Static).size.width))
        self.query_one("#rope-side", Static).update(side)

    def plane(self, rotated: list[rope_demo.RotatedPair]) -> Text:
        canvas = Canvas(PLANE_WIDTH, PLANE_HEIGHT)
        cx, cy = (canvas.dots_x - 1) / 2, (canvas.dots_y - 1) / 2
        radius = min(cx, cy) - 1
        scale = radius / max(1e-12, math.hypot(*self.pair))
        for x in range(canvas.dots_x):  # axes
            canvas.dot(x, cy, "grey30")
        for y in range(canvas.dots_y):
            canvas.dot(cx, y, "grey30")
        for k in range(96):  # the circle the pair stays on
            a = 2 * math.pi * k / 96
            canvas.dot(cx + radius * math.cos(a), cy - radius * math.sin(a), "grey42")
        for r in rotated[:-1]:  # earlier positions
            canvas.dot(cx + r.x * scale, cy - r.y * scale, SERIES_COLORS[1])
        now = rotated[-1]
        canvas.line(cx, cy, cx + now.x * scale, cy - now.y * scale, SERIES_COLORS[0])
        column = round((cx + now.x * scale * 1.15) / 2)
        row = round((cy - now.y * scale * 1.15) / 4)
        canvas.put(min(PLANE_WIDTH - 1, max(0, column)), min(PLANE_HEIGHT - 1, max(0, row)), "●", f"bold {SERIES_COLORS[0]}")
        return canvas.text()

    def rotation_text(self, rotated: list[rope_demo.RotatedPair]) -> Text:
        theta = rope_demo.rope_thetas(self.d)[self.i]
        now = rotated[-1]
        out = Text()
        out.append(self.s("pair_line", i=self.i, d=self.d, theta=f"{theta:.4g}", deg=f"{math.degrees(theta):.4g}") + "\n")
        out.append(self.s("position_line", m=now.position), "bold")
        out.append(self.s("angle_line", angle=f"{now.angle:.4g}", deg=f"{now.angle_degrees:.1f}") + "\n")
        out.append(f"(x, y) = ({now.x:.3f}, {now.y:.3f}) · ")
        out.append(self.s("length", length=f"{math.hypot(now.x, now.y):.3f}"), "dim")
        return out

    def check_text(self, check: rope_demo.RelativeCheck, width: int = 0) -> Text:
        """The relative-position check; lists break between items, never between a position pair
        (or a distance) and its score."""
        out = Text()
        out.append(self.s("check_heading", distance=check.distance, d=check.d) + "\n", "bold cyan")
        parts = [Text(f"({m},{n}) {score:.6f}") for (m, n), score in zip(check.position_pairs, check.scores)]
        out.append_text(wrap_pieces(parts, width, gap="  "))
        out.append("\n")
        verdict = self.s("same" if check.equal else "different")
        out.append(self.s("max_diff", diff=f"{check.max_abs_diff:.1e}") + " ")
        out.append(("✓ " if check.equal else "✗ ") + verdict + "\n", "green" if check.equal else "red")
        scores = [Text(f"{dist}: {score:.2f}") for dist, score in check.by_distance.items()]
        out.append_text(wrap_pieces(scores, width, gap="  ", start=Text(self.s("by_distance") + " ", "dim")))
        out.append("\n")
        out.append(self.s("plain", score=f"{check.plain_score:.3f}"), "dim")
        return out
