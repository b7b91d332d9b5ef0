"""Lesson 5 lab: train an MLP live on XOR / circles / spiral, and one forward + backward pass in numbers.

Two views:
- training: the decision boundary (coloured by the class the network predicts, the data points
  on top) and the loss curve, redrawn while `tutor.engine.mlp.train_mlp` learns in a thread;
- one pass: the 2-1-1 network of the lesson's worked example (`tiny_net_pass`), stage by stage.

It never imports torch: the engine does, inside its functions, which run in thread workers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from tutor.app.labs.base import Lab
from tutor.app.labs.charts import (
    REDRAWS_PER_SECOND,
    SERIES_COLORS,
    chart_columns,
    chart_with_axes,
    mat,
    num,
    plot_lines,
    vec,
)
from tutor.engine import mlp

# --- the MLP lab ---------------------------------------------------------------------------------

CLASS_COLORS = ((79, 157, 255), (255, 166, 64), (76, 217, 100))
# Each class has its own glyph for its points and its own faint mark for the region the network
# gives it (where it is fairly sure): in 16 colours or with NO_COLOR the classes and the decision
# regions still read apart. The legend under the map names them.
CLASS_GLYPHS = ("●", "×", "▲")
REGION_MARKS = ("·", "-", "'")
SURE = 0.5  # how sure (0 unsure .. 1 certain) the network must be before a cell shows its mark
HIDDEN_CHOICES: tuple[tuple[int, ...], ...] = ((2,), (4,), (8,), (4, 4), (16, 16), (32, 32), (8, 8, 8))
ACCURACY_MARK = 0.95  # the lab reports the first step that reaches this accuracy
MAP_WIDTH, MAP_HEIGHT = 26, 11  # boundary grid cells, one character each (about square)
N_STAGES = 6  # stages of the one-pass view


def _mix(rgb: tuple[int, int, int], amount: float) -> str:
    """The colour `rgb` mixed with a dark background: amount 0 = background, 1 = the colour."""
    base = (24, 24, 28)
    r, g, b = (int(base[i] + (rgb[i] - base[i]) * amount) for i in range(3))
    return f"#{r:02x}{g:02x}{b:02x}"


@dataclass
class Progress:
    """What the training view shows: the latest event, the curves so far, the latest grid."""

    event: mlp.MLPEvent
    losses: list[float]
    accuracies: list[float]
    grid: mlp.BoundaryGrid | None
    reached_at: int | None = None  # first step with accuracy >= ACCURACY_MARK


@dataclass
class TrainState:
    data: mlp.Dataset | None = None
    progress: Progress | None = None
    status: str = "loading"  # loading | ready | training | stopped | done
    history: list[float] = field(default_factory=list)


def training_events(config: mlp.MLPConfig, cancel: threading.Event) -> Iterator[object]:
    """The dataset, then Progress snapshots at most REDRAWS_PER_SECOND times a second (and the last)."""
    yield mlp.dataset_for(config)
    losses: list[float] = []
    accuracies: list[float] = []
    grid = None
    reached = None
    last_sent = 0.0
    for event in mlp.train_mlp(config, cancel):
        losses.append(event.loss)
        accuracies.append(event.accuracy)
        if event.grid is not None:
            grid = event.grid
        if reached is None and event.accuracy >= ACCURACY_MARK:
            reached = event.step
        now = time.monotonic()
        if event.step == 0 or event.done or now - last_sent >= 1.0 / REDRAWS_PER_SECOND:
            last_sent = now
            yield Progress(event, list(losses), list(accuracies), grid, reached)


class MLPLab(Lab):
    REDRAW_ON_WIDTH = True  # the loss chart is as wide as its column
    LESSON_ID = "m1-l05-neural-networks"
    TRAIN_KEYS = [
        ("t,space", "train", "key.train"),
        ("x", "dataset", "key.dataset"),
        ("w", "network", "key.network"),
        ("a", "activation", "key.activation"),
        ("v", "view", "key.pass_view"),
    ]
    PASS_KEYS = [
        ("space,j", "next_stage", "key.next_stage"),
        ("b", "previous_stage", "key.previous_stage"),
        ("g", "new_weights", "key.new_weights"),
        ("v", "view", "key.train_view"),
    ]
    KEYS = TRAIN_KEYS

    DEFAULT_CSS = """
    MLPLab #mlp-train { height: 1fr; }
    MLPLab #mlp-map { width: 28; }
    MLPLab #mlp-side { width: 1fr; padding-left: 1; }
    MLPLab #mlp-chart { height: auto; }
    MLPLab #mlp-pass { height: 1fr; display: none; }
    MLPLab.pass-view #mlp-pass { display: block; }
    MLPLab.pass-view #mlp-train { display: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        defaults = mlp.MLPConfig()
        # every engine dataset with its default classes, then the spiral with three arms
        self.datasets: list[tuple[str, int]] = [(name, defaults.n_classes) for name in mlp.DATASETS]
        self.datasets.append(("spiral", 3))
        self.dataset_index = self.datasets.index((defaults.dataset, defaults.n_classes))
        self.hidden_choices = list(HIDDEN_CHOICES)
        if defaults.hidden not in self.hidden_choices:
            self.hidden_choices.append(defaults.hidden)
        self.hidden_index = self.hidden_choices.index(defaults.hidden)
        self.activation_index = mlp.ACTIVATIONS.index(defaults.activation)
        self.steps = defaults.steps  # tests may shorten it
        self.state = TrainState()
        self.view = "train"
        self.stage = 0
        self.seed = 0
        self.tiny: mlp.TinyNetPass | None = None
        self.tiny_loading = False

    # -- the configuration the learner picked --------------------------------------------------

    def config(self) -> mlp.MLPConfig:
        return mlp.MLPConfig(
            dataset=self.datasets[self.dataset_index][0],
            n_classes=self.datasets[self.dataset_index][1],
            hidden=self.hidden_choices[self.hidden_index],
            activation=mlp.ACTIVATIONS[self.activation_index],
            steps=self.steps,
            grid_width=MAP_WIDTH,
            grid_height=MAP_HEIGHT,
        )

    def compose(self) -> ComposeResult:
        yield self.title_widget()
        with Horizontal(id="mlp-train"):
            yield Static(id="mlp-map")
            with Vertical(id="mlp-side"):
                yield Static(id="mlp-info")
                yield Static(id="mlp-chart")
                yield Static(id="mlp-status", classes="lab-status")
        with VerticalScroll(id="mlp-pass", can_focus=False):
            yield Static(id="mlp-pass-text")

    def on_mount(self) -> None:
        super().on_mount()
        self.load_dataset()

    # -- training view --------------------------------------------------------------------------

    def load_dataset(self) -> None:
        """Show the chosen dataset, untrained (the first call also loads PyTorch)."""
        self.stop_streams()
        config = self.config()
        self.state = TrainState(status="loading")
        self.refresh_lab()
        self.run_engine(lambda: mlp.dataset_for(config), self._got_dataset, group="mlp-data")

    def _got_dataset(self, data: mlp.Dataset) -> None:
        self.state.data = data
        self.state.status = "ready"
        self.refresh_lab()

    def action_train(self) -> None:
        if self.view != "train":
            return
        if self.state.status == "training":
            self.stop_streams()
            self.state.status = "stopped"
            self.refresh_lab()
            return
        config = self.config()
        self.workers.cancel_group(self, "mlp-data")  # the stream sends the dataset itself
        self.state = TrainState(data=self.state.data, status="training" if self.state.data else "loading")
        self.refresh_lab()
        self.stream_engine(lambda cancel: training_events(config, cancel), self._on_training, finished=self._trained)

    def _on_training(self, item: object) -> None:
        if isinstance(item, mlp.Dataset):
            self.state.data = item
            self.state.status = "training"
        elif isinstance(item, Progress):
            self.state.progress = item
        self.refresh_lab()

    def _trained(self) -> None:
        if self.state.status == "training":
            self.state.status = "done"
        self.refresh_lab()

    def action_dataset(self) -> None:
        self.dataset_index = (self.dataset_index + 1) % len(self.datasets)
        self.load_dataset()

    def action_network(self) -> None:
        self.hidden_index = (self.hidden_index + 1) % len(self.hidden_choices)
        self.load_dataset()

    def action_activation(self) -> None:
        self.activation_index = (self.activation_index + 1) % len(mlp.ACTIVATIONS)
        self.load_dataset()

    # -- one-pass view --------------------------------------------------------------------------

    def action_view(self) -> None:
        if self.view == "train":
            self.stop_streams()
            if self.state.status == "training":
                self.state.status = "stopped"
            self.view = "pass"
            self.KEYS = self.PASS_KEYS
            if self.tiny is None:
                self.load_tiny()
        else:
            self.view = "train"
            self.KEYS = self.TRAIN_KEYS
        self.set_class(self.view == "pass", "pass-view")
        self.bind_keys()
        self.refresh_lab()

    def load_tiny(self) -> None:
        seed = self.seed
        self.tiny_loading = True
        self.run_engine(lambda: mlp.tiny_net_pass(seed=seed), self._got_tiny, group="mlp-tiny")

    def _got_tiny(self, result: mlp.TinyNetPass) -> None:
        self.tiny = result
        self.tiny_loading = False
        self.refresh_lab()

    def action_next_stage(self) -> None:
        self.stage = min(N_STAGES - 1, self.stage + 1)
        self.refresh_lab()

    def action_previous_stage(self) -> None:
        self.stage = max(0, self.stage - 1)
        self.refresh_lab()

    def action_new_weights(self) -> None:
        self.seed += 1
        self.stage = 0
        self.load_tiny()
        self.refresh_lab()

    # -- drawing --------------------------------------------------------------------------------

    def refresh_lab(self) -> None:
        title = self.s("title") if self.view == "train" else self.s("pass_heading", stage=self.stage + 1, total=N_STAGES)
        self.query_one(".lab-title", Static).update(title)
        if self.view == "train":
            self.draw_training()
        else:
            self.draw_pass()

    def network_label(self) -> str:
        config = self.config()
        n_out = self.state.data.n_classes if self.state.data else 2
        return "→".join(str(n) for n in (2, *config.hidden, n_out))

    def draw_training(self) -> None:
        state = self.state
        config = self.config()
        info = Text(no_wrap=True, overflow="ellipsis")
        info.append(self.s("data_label") + " ", "dim")
        name = config.dataset if config.n_classes == 2 else f"{config.dataset}{config.n_classes}"
        info.append(self.s("ds." + name), "bold")
        info.append("  " + self.s("net_label") + " ", "dim")
        info.append(self.network_label(), "bold")
        info.append("  " + config.activation + "\n")
        progress = state.progress
        if progress is None:
            info.append(self.s("step_line_idle", steps=config.steps))
        else:
            ev = progress.event
            info.append(self.s("step", step=ev.step, total=ev.total_steps) + "  ")
            info.append(self.s("loss") + " ", "dim")
            info.append(num(ev.loss), "bold")
            info.append("  " + self.s("accuracy") + " ", "dim")
            info.append(f"{ev.accuracy:.1%}", "bold")
            info.append("\n")
            if progress.reached_at is not None:
                info.append(self.s("reached", mark=f"{ACCURACY_MARK:.0%}", step=progress.reached_at), "green")
            else:
                info.append(self.s("not_reached", mark=f"{ACCURACY_MARK:.0%}"), "dim")
        self.query_one("#mlp-info", Static).update(info)
        self.query_one("#mlp-chart", Static).update(self.loss_chart())
        self.query_one("#mlp-map", Static).update(self.boundary_map())
        status = {
            "loading": self.s("loading"),
            "ready": self.s("ready"),
            "training": self.s("training"),
            "stopped": self.s("stopped"),
            "done": self.s("done"),
        }[state.status]
        self.query_one("#mlp-status", Static).update(status)

    def loss_chart(self) -> Group | Text:
        progress = self.state.progress
        if progress is None or not progress.losses:
            return Text("")
        losses = progress.losses
        points = [(float(i), max(v, 1e-7)) for i, v in enumerate(losses)]
        total = progress.event.total_steps
        # As wide as the chart's column allows: at 60 columns a 40-column chart wrapped into noise.
        label_width = max(len(num(max(v, 1e-7), 2)) for v in (max(losses), min(losses))) + 1
        cols = chart_columns(self.query_one("#mlp-chart", Static).content_size.width, label_width, 40)
        canvas, _, y_range = plot_lines(
            [(points, SERIES_COLORS[0])], cols, 5, x_range=(0.0, float(total)), log_y=True
        )
        heading = Text(self.s("loss_curve"), "dim")  # wraps; the chart below never does
        chart = chart_with_axes(canvas, num(y_range[1], 2), num(y_range[0], 2), "0", self.s("steps_axis", n=total))
        return Group(heading, chart)

    def boundary_map(self) -> Text:
        data = self.state.data
        if data is None:
            return Text(self.s("loading"), "dim")
        progress = self.state.progress
        grid = progress.grid if progress is not None else None
        width, height = MAP_WIDTH, MAP_HEIGHT
        # Which labels fall in each cell: the majority is drawn on top of the prediction.
        cells: dict[tuple[int, int], list[int]] = {}
        for (x, y), label in zip(data.points, data.labels):
            c = int((x - data.x_min) / (data.x_max - data.x_min) * width)
            r = int((data.y_max - y) / (data.y_max - data.y_min) * height)
            cells.setdefault((min(height - 1, max(0, r)), min(width - 1, max(0, c))), []).append(label)
        out = Text(no_wrap=True, overflow="crop")
        for r in range(height):
            for c in range(width):
                if grid is not None:
                    cls = grid.classes[r][c]
                    conf = grid.confidence[r][c]
                    # confidence runs from 1/n_classes (unsure) to 1 (sure)
                    low = 1.0 / data.n_classes
                    strength = (conf - low) / (1.0 - low) if conf > low else 0.0
                    background = _mix(CLASS_COLORS[cls % len(CLASS_COLORS)], 0.12 + 0.38 * strength)
                    region = REGION_MARKS[cls % len(REGION_MARKS)] if strength >= SURE else " "
                else:
                    background = _mix((90, 90, 100), 0.3)
                    region = " "
                labels = cells.get((r, c))
                if labels:
                    label = max(set(labels), key=labels.count)
                    color = _mix(CLASS_COLORS[label % len(CLASS_COLORS)], 1.0)
                    out.append(CLASS_GLYPHS[label % len(CLASS_GLYPHS)], f"bold {color} on {background}")
                else:
                    out.append(region, f"grey50 on {background}")
            if r < height - 1:
                out.append("\n")
        out.append("\n")
        n = data.n_classes
        out.append(self.s("legend", points=" ".join(CLASS_GLYPHS[:n]), regions=" ".join(REGION_MARKS[:n])), "dim")
        return out

    def draw_pass(self) -> None:
        target = self.query_one("#mlp-pass-text", Static)
        p = self.tiny
        if p is None:
            target.update(Text(self.s("loading"), "dim"))
            return
        f = p.formulas
        stages: list[tuple[str, list[str]]] = [
            (
                self.s("stage.setup"),
                [
                    f"x = {vec(p.x)}   t = {num(p.target)}   lr = {num(p.lr)}",
                    f"W1 = {mat(p.w1)}   b1 = {vec(p.b1)}",
                    f"w2 = {vec(p.w2)}   b2 = {num(p.b2)}",
                ],
            ),
            (
                self.s("stage.hidden"),
                [f"{f[0]} = {vec(p.z1)}", f"{f[1]} = {vec(p.h)}"],
            ),
            (
                self.s("stage.output"),
                [f"{f[2]} = {num(p.z2)}   {f[3]} = {num(p.y_hat)}", f"{f[4]} = {num(p.loss)}"],
            ),
            (
                self.s("stage.back_output"),
                [
                    f"{f[5]} = {num(p.grad_y_hat)}",
                    f"{f[6]} = {num(p.grad_z2)}",
                    f"{f[7]}",
                    f"    = {vec(p.grad_w2)},   {num(p.grad_b2)}",
                ],
            ),
            (
                self.s("stage.back_hidden"),
                [
                    f"{f[8]} = {vec(p.grad_h)}",
                    f"{f[9]} = {vec(p.grad_z1)}",
                    f"{f[10]}",
                    f"    = {mat(p.grad_w1)},   {vec(p.grad_b1)}",
                ],
            ),
            (
                self.s("stage.update"),
                [
                    f"{f[11]}",
                    f"W1 → {mat(p.new_w1)}   b1 → {vec(p.new_b1)}",
                    f"w2 → {vec(p.new_w2)}   b2 → {num(p.new_b2)}",
                    self.s("loss_change", before=num(p.loss), after=num(p.loss_after)),
                ],
            ),
        ]
        out = Text()
        for i, (heading, lines) in enumerate(stages[: self.stage + 1]):
            current = i == self.stage
            out.append(f"{i + 1}. {heading}\n", "bold cyan" if current else "cyan")
            for line in lines:
                out.append("  " + line + "\n", "" if current else "dim")
        if self.stage < len(stages) - 1:
            out.append(self.s("pass_more"), "dim italic")
        else:
            out.rstrip()
        target.update(out)
        scroll = self.query_one("#mlp-pass", VerticalScroll)
        scroll.call_after_refresh(scroll.scroll_end, animate=False)
