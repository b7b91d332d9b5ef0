"""Lesson 11 lab: a compute-budget calculator on Chinchilla's fit, and a tiny live scaling experiment.

Calculator: the learner types a budget C in FLOPs (or steps it x10 with the arrows) and sees the
compute-optimal N and D from the fit (`scaling.compute_optimal`) beside the 20-tokens-per-parameter
rule (`scaling.rule_of_20`), with the L(N) curves (`scaling.loss_curve_fixed_tokens`) for three
dataset sizes. `scaling` does not import torch, so this part is instant.

Experiment: `scaling.scaling_experiment` trains three tiny language models of different widths
on the same batches, in a thread worker; their loss curves and the final loss against size (log
scale) are redrawn while they learn. torch is loaded then, with a visible loading state.
"""

from __future__ import annotations

import inspect
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from tutor.app.labs.base import FittedStatic, Lab
from tutor.app.labs.charts import (
    REDRAWS_PER_SECOND,
    SERIES_COLORS,
    chart_with_axes,
    num,
    plot_lines,
    sci,
)
from tutor.engine import scaling

DEFAULT_BUDGET = 1e21  # the calculator's starting budget in FLOPs (the learner changes it)
CURVE_FACTORS = (0.1, 1.0, 10.0)  # L(N) curves for D_opt/10, D_opt and 10 x D_opt
SPAN = 1e3  # the curves run from N_opt / SPAN to N_opt x SPAN


def _default(fn, name):
    return inspect.signature(fn).parameters[name].default


@dataclass
class Budget:
    compute: float
    fit: scaling.Allocation
    rule: scaling.Allocation
    curves: list[tuple[float, list[tuple[float, float]]]]  # (D, [(N, loss)])


def budget_report(compute: float) -> Budget:
    fit = scaling.compute_optimal(compute)
    rule = scaling.rule_of_20(compute)
    curves = [
        (fit.n_tokens * f, scaling.loss_curve_fixed_tokens(fit.n_tokens * f, fit.n_params / SPAN, fit.n_params * SPAN, 60))
        for f in CURVE_FACTORS
    ]
    return Budget(compute, fit, rule, curves)


@dataclass
class ModelRun:
    size: int
    n_params: int = 0
    eval_points: list[tuple[int, float]] = field(default_factory=list)  # (step, eval loss)
    train_loss: float | None = None
    step: int = 0
    done: bool = False


@dataclass
class Experiment:
    steps: int
    runs: dict[int, ModelRun]


def experiment_events(sizes: tuple[int, ...], steps: int, cancel: threading.Event) -> Iterator[Experiment]:
    """Snapshots of the three runs, at most REDRAWS_PER_SECOND a second, and the final one."""
    runs = {size: ModelRun(size) for size in sizes}
    last_sent = 0.0
    for event in scaling.scaling_experiment(sizes, steps, cancel):
        run = runs[event.size]
        run.n_params, run.step, run.train_loss, run.done = event.n_params, event.step, event.loss, event.done
        if event.eval_loss is not None:
            run.eval_points.append((event.step, event.eval_loss))
        now = time.monotonic()
        finished = all(r.done for r in runs.values())
        if finished or now - last_sent >= 1.0 / REDRAWS_PER_SECOND:
            last_sent = now
            yield Experiment(steps, {s: _copy(r) for s, r in runs.items()})


def _copy(run: ModelRun) -> ModelRun:
    return ModelRun(run.size, run.n_params, list(run.eval_points), run.train_loss, run.step, run.done)


# Each curve's own character, at its end on the chart and before its line in the legend: the
# curves keep their names in 16 colours and with NO_COLOR.
CURVE_LABELS = ("1", "2", "3", "4", "5")

class ScalingLab(Lab):
    LESSON_ID = "m2-l11-scaling-multimodal"
    KEYS = [
        ("up", "budget(1)", "key.more"),
        ("down", "budget(-1)", "key.less"),
        ("t", "train", "key.train"),
        ("v", "view", "key.view"),
        ("tab", "toggle_focus", "key.keys"),
    ]

    DEFAULT_CSS = """
    ScalingLab #sc-calc, ScalingLab #sc-exp { height: 1fr; }
    ScalingLab #sc-exp { display: none; }
    ScalingLab.experiment #sc-exp { display: block; }
    ScalingLab.experiment #sc-calc { display: none; }
    ScalingLab #sc-input-row { height: auto; }  /* the hint wraps under itself at 60 columns */
    ScalingLab #sc-label { width: auto; }
    ScalingLab #sc-budget { width: 14; height: 1; border: none; padding: 0 1; }
    ScalingLab #sc-hint { width: 1fr; height: auto; color: $text-muted; padding-left: 1; }
    ScalingLab #sc-body, ScalingLab #sc-exp-body { height: 1fr; }
    ScalingLab #sc-table { width: 37; }
    ScalingLab #sc-chart { width: 1fr; }
    ScalingLab #sc-curves { width: 1fr; }
    ScalingLab #sc-sizes { width: 34; padding-left: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.compute = DEFAULT_BUDGET
        self.budget: Budget | None = None
        self.sizes = tuple(_default(scaling.scaling_experiment, "sizes"))
        self.steps = _default(scaling.scaling_experiment, "steps")  # tests may shorten it
        self.view = "calc"
        self.experiment: Experiment | None = None
        self.status = "idle"  # idle | loading | training | stopped | done
        self.input_error = False

    def compose(self) -> ComposeResult:
        yield self.title_widget()
        with Vertical(id="sc-calc"):
            with Horizontal(id="sc-input-row"):
                yield Static(id="sc-label")
                yield Input(sci_plain(self.compute), id="sc-budget", type="number")
                yield Static(id="sc-hint")
            with Horizontal(id="sc-body"):
                yield Static(id="sc-table")
                yield FittedStatic(id="sc-chart")
        with Vertical(id="sc-exp"):
            with Horizontal(id="sc-exp-body"):
                yield FittedStatic(id="sc-curves")
                yield Static(id="sc-sizes")
            yield Static(id="sc-status", classes="lab-status")

    def on_mount(self) -> None:
        super().on_mount()
        self.calculate()

    # -- calculator -----------------------------------------------------------------------------

    def calculate(self) -> None:
        self.budget = budget_report(self.compute)
        self.refresh_lab()

    @on(Input.Changed, "#sc-budget")
    def _typed(self, event: Input.Changed) -> None:
        try:
            value = float(event.value)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value <= 0:
            self.input_error = bool(event.value.strip())
            self.refresh_lab()
            return
        self.input_error = False
        if value != self.compute:
            self.compute = value
            self.calculate()

    @on(Input.Submitted, "#sc-budget")
    def _submitted(self, event: Input.Submitted) -> None:
        self.query_one("#sc-budget", Input).value = sci_plain(self.compute)

    def action_budget(self, direction: int) -> None:
        if self.view != "calc":
            return
        self.compute = self.compute * (10.0 if direction > 0 else 0.1)
        self.compute = float(f"{self.compute:.6g}")
        self.input_error = False
        with self.prevent(Input.Changed):
            self.query_one("#sc-budget", Input).value = sci_plain(self.compute)
        self.calculate()

    def action_toggle_focus(self) -> None:
        box = self.query_one("#sc-budget", Input)
        if self.view == "calc" and not box.has_focus:
            box.focus()
        else:
            self.focus()

    # -- experiment -----------------------------------------------------------------------------

    def action_view(self) -> None:
        self.view = "experiment" if self.view == "calc" else "calc"
        self.set_class(self.view == "experiment", "experiment")
        if self.view == "experiment":
            self.focus()
        else:
            self.query_one("#sc-budget", Input).focus()
        self.refresh_lab()

    def action_train(self) -> None:
        if self.status in ("loading", "training"):
            self.stop_streams()
            self.status = "stopped"
            self.refresh_lab()
            return
        if self.view != "experiment":
            self.action_view()
        sizes, steps = self.sizes, self.steps
        self.experiment = None
        self.status = "loading"
        self.refresh_lab()
        self.stream_engine(lambda cancel: experiment_events(sizes, steps, cancel), self._on_experiment, finished=self._finished)

    def _on_experiment(self, snapshot: Experiment) -> None:
        self.experiment = snapshot
        if self.status == "loading":
            self.status = "training"
        self.refresh_lab()

    def _finished(self) -> None:
        if self.status in ("training", "loading"):
            self.status = "done"
        self.refresh_lab()

    # -- drawing --------------------------------------------------------------------------------

    def refresh_lab(self) -> None:
        self.query_one(".lab-title", Static).update(self.s("title"))
        if self.view == "calc":
            self.draw_calculator()
        else:
            self.draw_experiment()

    def draw_calculator(self) -> None:
        self.query_one("#sc-label", Static).update(Text(self.s("budget_label"), "bold"))
        hint = self.s("bad_number") if self.input_error else self.s("hint")
        self.query_one("#sc-hint", Static).update(Text(hint, "red" if self.input_error else ""))
        b = self.budget
        if b is None:
            return
        table = Text(no_wrap=True, overflow="ellipsis")
        table.append(f"{'':<13}{self.s('fit'):>11} {self.s('rule'):>11}\n", "bold")
        rows = [
            (self.s("n"), sci(b.fit.n_params), sci(b.rule.n_params)),
            (self.s("d"), sci(b.fit.n_tokens), sci(b.rule.n_tokens)),
            (self.s("ratio"), f"{b.fit.tokens_per_param:.1f}", f"{b.rule.tokens_per_param:.1f}"),
            (self.s("loss"), f"{b.fit.loss:.3f}", f"{b.rule.loss:.3f}"),
        ]
        for label, a, r in rows:
            table.append(f"{label:<13}", "dim")
            table.append(f"{a:>11} {r:>11}\n")
        table.append(self.s("formula", C=sci(b.compute)) + "\n", "dim")
        table.append(self.s("floor", E=f"{scaling.E:.2f}") + "\n", "dim")
        for (d, _), color, label in zip(b.curves, SERIES_COLORS, CURVE_LABELS):
            table.append(f"━{label} ", f"bold {color}")  # the label also ends its curve on the chart
            table.append(self.s("legend", D=sci(d)) + "\n")
        table.rstrip()
        self.query_one("#sc-table", Static).update(table)
        self.query_one("#sc-chart", Static).update(self.curves_chart(b))

    def curves_chart(self, b: Budget) -> Group:
        series = [(points, color) for (_, points), color in zip(b.curves, SERIES_COLORS)]
        n_lo, n_hi = b.fit.n_params / SPAN, b.fit.n_params * SPAN
        all_losses = [loss for _, pts in b.curves for _, loss in pts]
        y_range = (scaling.E, max(all_losses))
        floor = [(n_lo, scaling.E), (n_hi, scaling.E)]
        dashes = [([p], "grey50") for p in _dashes(floor)]
        # As wide as the chart's column allows (at most 30): a wider line would wrap into false curves.
        label_width = max(len(f"{y_range[1]:.2f}"), len(f"{y_range[0]:.2f}")) + 1
        room = self.query_one("#sc-chart", Static).size.width - label_width
        cols = 30 if room <= 0 else max(12, min(30, room))
        canvas, _, _ = plot_lines(
            dashes + series, cols, 8, x_range=(n_lo, n_hi), y_range=y_range, log_x=True,
            end_labels={len(dashes) + i: label for i, label in enumerate(CURVE_LABELS[: len(series)])},
        )
        # the fit's optimum, on the middle curve
        fx = 0.5 * (canvas.dots_x - 1)
        fy = (1 - (b.fit.loss - y_range[0]) / (y_range[1] - y_range[0])) * (canvas.dots_y - 1)
        canvas.put(int(fx // 2), int(fy // 4), "●", f"bold {SERIES_COLORS[1]}")
        heading = Text(self.s("curves_heading"), "bold")  # wraps; the chart below never does
        return Group(heading, chart_with_axes(canvas, f"{y_range[1]:.2f}", f"{y_range[0]:.2f}", sci(n_lo, 2), sci(n_hi, 2)))

    def draw_experiment(self) -> None:
        status = {
            "idle": self.s("exp_idle", steps=self.steps),
            "loading": self.s("loading"),
            "training": self.s("training"),
            "stopped": self.s("stopped"),
            "done": self.s("exp_done"),
        }[self.status]
        self.query_one("#sc-status", Static).update(status)
        exp = self.experiment
        curves = self.query_one("#sc-curves", Static)
        sizes = self.query_one("#sc-sizes", Static)
        if exp is None:
            curves.update(Text(self.s("exp_intro"), "dim"))
            sizes.update("")
            return
        runs = [exp.runs[s] for s in self.sizes]
        series = [([(float(st), v) for st, v in r.eval_points], c) for r, c in zip(runs, SERIES_COLORS)]
        room = curves.size.width - 7  # the y labels (3 significant digits) and the axis
        cols = 30 if room <= 0 else max(12, min(30, room))
        canvas, _, y_range = plot_lines(series, cols, 7, x_range=(1.0, float(exp.steps)), log_y=True,
                                        end_labels=dict(enumerate(CURVE_LABELS[: len(series)])))
        step = max(r.step for r in runs)
        head = Text(self.s("curves_exp", step=step, steps=exp.steps), "bold")
        curves.update(Group(head, chart_with_axes(canvas, num(y_range[1], 3), num(y_range[0], 3), "1", str(exp.steps))))

        table = Text(no_wrap=True, overflow="ellipsis")
        table.append(f"{self.s('width'):<8}{self.s('params'):>9}{self.s('eval_loss'):>11}\n", "bold")
        for r, color, label in zip(runs, SERIES_COLORS, CURVE_LABELS):
            loss = r.eval_points[-1][1] if r.eval_points else None
            table.append(f"{label} ", f"bold {color}")
            table.append(f"{r.size:<6}{r.n_params:>9,}{(num(loss, 4) if loss is not None else '…'):>11}\n")
        finals = [(float(r.n_params), r.eval_points[-1][1]) for r in runs if r.eval_points and r.n_params]
        if len(finals) >= 2:
            table.append(self.s("loss_vs_size") + "\n", "dim")
            ys = [v for _, v in finals]
            xs = [n for n, _ in finals]
            canvas2, _, yr = plot_lines(
                [(finals, "white")], 24, 4, x_range=(min(xs) / 2, max(xs) * 2), y_range=(min(ys), max(ys)),
                log_x=True, log_y=True,
            )
            table.append_text(chart_with_axes(canvas2, num(yr[1], 2), num(yr[0], 2), sci(min(xs) / 2, 1), sci(max(xs) * 2, 1)))
        sizes.update(table)


def _dashes(points: list[tuple[float, float]], pieces: int = 24) -> list[tuple[float, float]]:
    """Points along a horizontal log-x segment, drawn one by one as a dotted line."""
    (x0, y), (x1, _) = points
    l0, l1 = math.log10(x0), math.log10(x1)
    return [(10 ** (l0 + (l1 - l0) * i / pieces), y) for i in range(pieces + 1)]


def sci_plain(value: float) -> str:
    """A budget as the learner would type it: 1e+21 -> '1e21', 3.2e+19 -> '3.2e19'."""
    exponent = math.floor(math.log10(value))
    mantissa = round(value / 10**exponent, 5)
    if mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:g}e{exponent}"
