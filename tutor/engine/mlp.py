"""Multilayer perceptrons on 2-D toy data, and one tiny network's forward and backward pass in numbers.

For lesson 5 ("Redes neuronales multicapa"):

* `make_dataset` draws a seeded toy dataset: "xor", "circles" or "spiral" (2 or 3 arms).
* `train_mlp(config, cancel)` is a generator: it trains an MLP step by step and yields an
  `MLPEvent` per step (loss, accuracy) and, every `grid_every` steps, the decision boundary as a
  grid of predicted classes, so a UI can draw the loss curve and the boundary while it learns.
* `tiny_net_pass(x, target, seed, lr)` runs lesson 5's 2-1-1 ReLU network once, forward and backward,
  and returns every number: weights, pre-activations, activations, loss, every gradient (from
  autograd) and the weights after one SGD step. The tests check the gradients against the chain
  rule written by hand.

torch is imported inside the functions that need it.
"""

from __future__ import annotations

import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

DATASETS = ("xor", "circles", "spiral")
ACTIVATIONS = ("relu", "tanh", "sigmoid")

# Default Gaussian noise (standard deviation, in data units; the data spans about [-1, 1]).
DEFAULT_NOISE = {"xor": 0.05, "circles": 0.05, "spiral": 0.04}


@dataclass
class MLPConfig:
    dataset: str = "xor"  # one of DATASETS
    n_points: int = 200  # in total (spiral: split evenly between the arms)
    n_classes: int = 2  # spiral: 2 or 3; xor and circles are always 2
    noise: float | None = None  # None: DEFAULT_NOISE[dataset]
    hidden: tuple[int, ...] = (16, 16)  # hidden layer sizes, 1 to 4 layers
    activation: str = "tanh"  # one of ACTIVATIONS
    optimizer: str = "adam"  # "adam" or "sgd"
    lr: float = 0.03
    steps: int = 400
    batch_size: int | None = None  # None: the whole dataset each step
    grid_every: int = 25  # a decision-boundary grid every K steps (and at step 0 and the end)
    grid_width: int = 40
    grid_height: int = 20
    seed: int = 0


@dataclass
class Dataset:
    points: list[tuple[float, float]]
    labels: list[int]
    n_classes: int
    # The square the UI should draw, symmetric around 0, a little wider than the data.
    x_min: float
    x_max: float
    y_min: float
    y_max: float


@dataclass
class BoundaryGrid:
    """Predictions over a width x height grid covering the data.

    Row 0 is the *top* row (largest y), so a terminal can print rows in order. Cell (r, c) is
    centred at x = x_min + (c + 0.5) * (x_max - x_min) / width,
                y = y_max - (r + 0.5) * (y_max - y_min) / height.
    """

    width: int
    height: int
    x_min: float
    x_max: float
    y_min: float
    y_max: float
    classes: list[list[int]]  # predicted class per cell
    confidence: list[list[float]]  # probability of that predicted class


@dataclass
class MLPEvent:
    step: int  # 0 = before training
    total_steps: int
    loss: float  # cross-entropy on the whole dataset at this step
    accuracy: float  # fraction of the dataset classified correctly, 0..1
    grid: BoundaryGrid | None = None
    done: bool = False


@contextmanager
def tiny_torch_threads() -> Iterator[None]:
    """Run the torch work of this block on a single intra-op thread, then restore the setting.

    Why: the lessons' models are tiny (a few hundred rows, tens of units). Splitting such small
    operations across threads costs more than it saves, and on a busy CPU (the UI, other jobs) the
    threads waiting for each other made one 0.5 s training take about 10 s in our measurements.
    With PyTorch's OpenMP backend the setting belongs to the calling thread (a lab's worker
    thread), and it is restored right after the block, so nothing else in the app is affected.
    Keep `yield` statements of generators outside this block.
    """
    import torch

    before = torch.get_num_threads()
    if before == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# --- data ----------------------------------------------------------------------------------------


def make_dataset(
    name: str = "xor", n_points: int = 200, n_classes: int = 2, noise: float | None = None, seed: int = 0
) -> Dataset:
    """A seeded 2-D toy dataset.

    xor:     points uniform in the square, pushed 0.1 away from the axes; class 1 where x and y have
             different signs (the problem a single perceptron cannot solve).
    circles: class 0 in a disc of radius 0.5, class 1 in a ring between radii 0.7 and 1.0.
    spiral:  `n_classes` (2 or 3) interleaved spiral arms, each turning about 0.64 of a circle.
    Labels are decided before the noise is added, so large noise can make points cross sides.
    """
    import torch

    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS)}")
    if n_points < 4:
        raise ValueError("n_points must be at least 4")
    if name != "spiral":
        n_classes = 2
    elif n_classes not in (2, 3):
        raise ValueError("spiral has 2 or 3 classes")
    sigma = DEFAULT_NOISE[name] if noise is None else float(noise)
    gen = torch.Generator().manual_seed(seed)

    if name == "xor":
        xy = torch.rand(n_points, 2, generator=gen, dtype=torch.float64) * 1.8 - 0.9
        xy = xy + 0.1 * torch.sign(xy)  # keep a small gap around the axes
        labels = ((xy[:, 0] > 0) != (xy[:, 1] > 0)).long()
    elif name == "circles":
        labels = torch.arange(n_points) % 2
        radius = torch.where(
            labels == 0,
            0.5 * torch.sqrt(torch.rand(n_points, generator=gen, dtype=torch.float64)),  # uniform in the disc
            0.7 + 0.3 * torch.rand(n_points, generator=gen, dtype=torch.float64),
        )
        angle = 2 * math.pi * torch.rand(n_points, generator=gen, dtype=torch.float64)
        xy = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)
    else:  # spiral
        labels = torch.arange(n_points) % n_classes
        # t in (0, 1]: distance along the arm; radius grows with t, the angle turns 4 radians.
        t = torch.rand(n_points, generator=gen, dtype=torch.float64) * 0.95 + 0.05
        angle = 4.0 * t + labels.double() * (2 * math.pi / n_classes)
        xy = torch.stack([t * torch.cos(angle), t * torch.sin(angle)], dim=1)

    xy = xy + sigma * torch.randn(n_points, 2, generator=gen, dtype=torch.float64)
    r = float(xy.abs().max()) * 1.1
    return Dataset([(float(a), float(b)) for a, b in xy.tolist()], labels.tolist(), n_classes, -r, r, -r, r)


def dataset_for(config: MLPConfig) -> Dataset:
    """The dataset `train_mlp(config)` trains on (same seed, same points)."""
    return make_dataset(config.dataset, config.n_points, config.n_classes, config.noise, config.seed)


# --- the trainer ---------------------------------------------------------------------------------


def build_mlp(n_in: int, hidden: Sequence[int], n_out: int, activation: str) -> Any:
    """nn.Sequential: Linear -> activation for each hidden size, then a Linear to the logits."""
    from torch import nn

    acts = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
    if activation not in acts:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}")
    if not 1 <= len(hidden) <= 4 or any(h < 1 or h > 256 for h in hidden):
        raise ValueError("hidden: 1 to 4 layers of 1 to 256 units")
    layers: list[Any] = []
    width = n_in
    for h in hidden:
        layers += [nn.Linear(width, int(h)), acts[activation]()]
        width = int(h)
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


def _grid(model: Any, data: Dataset, width: int, height: int) -> BoundaryGrid:
    import torch

    xs = [data.x_min + (c + 0.5) * (data.x_max - data.x_min) / width for c in range(width)]
    ys = [data.y_max - (r + 0.5) * (data.y_max - data.y_min) / height for r in range(height)]
    pts = torch.tensor([[x, y] for y in ys for x in xs], dtype=torch.float32)
    with torch.no_grad():
        probs = torch.softmax(model(pts), dim=1)
    conf, cls = probs.max(dim=1)
    cls_rows = cls.reshape(height, width).tolist()
    conf_rows = conf.reshape(height, width).tolist()
    return BoundaryGrid(width, height, data.x_min, data.x_max, data.y_min, data.y_max, cls_rows, conf_rows)


def train_mlp(config: MLPConfig | None = None, cancel: threading.Event | None = None) -> Iterator[MLPEvent]:
    """Train an MLP on the config's dataset, yielding an MLPEvent per step.

    Events: step 0 (untrained, with a grid), then one per training step 1..steps; those at
    multiples of grid_every and the last one carry a BoundaryGrid; the last has done=True. Loss and
    accuracy are always measured on the whole dataset. If `cancel` is set, the generator stops
    between two steps without yielding more. Deterministic for a given config (seed included).
    """
    import torch
    from torch import nn

    cfg = config or MLPConfig()
    if cfg.optimizer not in ("adam", "sgd"):
        raise ValueError("optimizer must be 'adam' or 'sgd'")
    if cfg.steps < 1:
        raise ValueError("steps must be >= 1")
    data = dataset_for(cfg)
    x = torch.tensor(data.points, dtype=torch.float32)
    y = torch.tensor(data.labels, dtype=torch.long)

    # Seeded initial weights without disturbing the caller's global random state.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        model = build_mlp(2, cfg.hidden, data.n_classes, cfg.activation)
    gen = torch.Generator().manual_seed(cfg.seed + 1)  # for mini-batches
    if cfg.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=cfg.lr)
    loss_fn = nn.CrossEntropyLoss()
    every = max(1, cfg.grid_every)

    def measure() -> tuple[float, float]:
        with torch.no_grad():
            logits = model(x)
            return loss_fn(logits, y).item(), (logits.argmax(dim=1) == y).double().mean().item()

    with tiny_torch_threads():
        loss0, acc0 = measure()
        grid0 = _grid(model, data, cfg.grid_width, cfg.grid_height)
    yield MLPEvent(0, cfg.steps, loss0, acc0, grid0)

    for step in range(1, cfg.steps + 1):
        if cancel is not None and cancel.is_set():
            return
        last = step == cfg.steps
        with tiny_torch_threads():
            if cfg.batch_size and cfg.batch_size < len(x):
                idx = torch.randperm(len(x), generator=gen)[: cfg.batch_size]
                xb, yb = x[idx], y[idx]
            else:
                xb, yb = x, y
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            full_loss, acc = measure()
            grid = _grid(model, data, cfg.grid_width, cfg.grid_height) if (step % every == 0 or last) else None
        yield MLPEvent(step, cfg.steps, full_loss, acc, grid, last)


def run_to_end(config: MLPConfig | None = None, cancel: threading.Event | None = None) -> MLPEvent:
    """Train without watching: the last event of train_mlp (for tests and quick checks)."""
    last = None
    for event in train_mlp(config, cancel):
        last = event
    assert last is not None
    return last


# --- one tiny network, every number --------------------------------------------------------------


@dataclass
class TinyNetPass:
    """Lesson 5's worked-example network, 2-1-1: h = ReLU(W1·x + b1), ŷ = w2·h + b2 (linear),
    loss = (ŷ − target)².

    W1 is 1x2 (row j = the weights into hidden unit j), b1 and w2 have 1 entry each. All gradients
    come from autograd; `grad_*` are d(loss)/d(that value).
    """

    x: list[float]
    target: float
    lr: float
    # parameters
    w1: list[list[float]]
    b1: list[float]
    w2: list[float]
    b2: float
    # forward pass
    z1: list[float]  # pre-activations of the hidden layer
    h: list[float]  # ReLU(z1)
    z2: float  # pre-activation of the output
    y_hat: float  # = z2 (linear output)
    loss: float
    # backward pass
    grad_y_hat: float
    grad_z2: float
    grad_h: list[float]
    grad_z1: list[float]
    grad_w1: list[list[float]]
    grad_b1: list[float]
    grad_w2: list[float]
    grad_b2: float
    # after one SGD step: p <- p - lr * grad
    new_w1: list[list[float]]
    new_b1: list[float]
    new_w2: list[float]
    new_b2: float
    loss_after: float  # the loss on the same example with the new weights
    formulas: list[str] = field(default_factory=list)


# The worked example of lesson 5, number for number (seed 0 of the lab's "one pass").
LESSON_PASS_X = (1.0, 2.0)
LESSON_PASS_TARGET = 1.0
LESSON_PASS_LR = 0.1
LESSON_PASS_WEIGHTS = {"w1": [[0.5, 0.25]], "b1": [0.0], "w2": [0.4], "b2": 0.2}


def tiny_net_pass(
    x: Sequence[float] = LESSON_PASS_X, target: float = LESSON_PASS_TARGET, seed: int = 0, lr: float = LESSON_PASS_LR
) -> TinyNetPass:
    """Forward and backward pass of lesson 5's 2-1-1 network (ReLU hidden unit, linear output), with every number.

    Seed 0 uses the lesson's own weights, so the lab replays its worked example. Any other seed draws
    the weights uniformly in [-1, 1], rounded to 2 decimals so they are easy to recompute by hand
    (a negative pre-activation then shows ReLU blocking the gradient). Computed in float64.
    """
    import torch

    if len(x) != 2:
        raise ValueError("x must have 2 values")
    if seed == 0:
        w = LESSON_PASS_WEIGHTS
        w1, b1, w2 = (torch.tensor(w[k], dtype=torch.float64) for k in ("w1", "b1", "w2"))
        b2 = torch.tensor(w["b2"], dtype=torch.float64)
    else:
        gen = torch.Generator().manual_seed(seed)

        def draw(*shape: int) -> "torch.Tensor":
            t = torch.rand(*shape, generator=gen, dtype=torch.float64) * 2 - 1
            return torch.round(t * 100) / 100

        w1, b1, w2 = draw(1, 2), draw(1), draw(1)
        b2 = draw(1).squeeze(0)
    for p in (w1, b1, w2, b2):
        p.requires_grad_()
    xt = torch.tensor([float(v) for v in x], dtype=torch.float64)
    t = torch.tensor(float(target), dtype=torch.float64)

    z1 = w1 @ xt + b1
    h = torch.relu(z1)
    z2 = w2 @ h + b2
    y_hat = z2 * 1.0  # the output neuron is linear; a separate node so it gets its own gradient
    loss = (y_hat - t) ** 2
    for v in (z1, h, z2, y_hat):
        v.retain_grad()  # keep the gradients of the intermediate values too
    loss.backward()

    with torch.no_grad():
        new = [p - lr * p.grad for p in (w1, b1, w2, b2)]
        h_new = torch.relu(new[0] @ xt + new[1])
        loss_after = ((new[2] @ h_new + new[3] - t) ** 2).item()

    formulas = [
        "z1 = W1·x + b1",
        "h = ReLU(z1) = max(0, z1)",
        "z2 = w2·h + b2",
        "ŷ = z2 (linear output)",
        "L = (ŷ − t)²",
        "∂L/∂ŷ = 2(ŷ − t)",
        "∂L/∂z2 = ∂L/∂ŷ",
        "∂L/∂w2 = ∂L/∂z2 · h,   ∂L/∂b2 = ∂L/∂z2",
        "∂L/∂h = ∂L/∂z2 · w2",
        "∂L/∂z1 = ∂L/∂h · (1 if z1 > 0 else 0)",
        "∂L/∂W1 = ∂L/∂z1 ⊗ x,   ∂L/∂b1 = ∂L/∂z1",
        "p ← p − lr · ∂L/∂p",
    ]
    return TinyNetPass(
        x=xt.tolist(), target=float(target), lr=float(lr),
        w1=w1.detach().tolist(), b1=b1.detach().tolist(), w2=w2.detach().tolist(), b2=b2.item(),
        z1=z1.detach().tolist(), h=h.detach().tolist(), z2=z2.item(), y_hat=y_hat.item(), loss=loss.item(),
        grad_y_hat=y_hat.grad.item(), grad_z2=z2.grad.item(), grad_h=h.grad.tolist(), grad_z1=z1.grad.tolist(),
        grad_w1=w1.grad.tolist(), grad_b1=b1.grad.tolist(), grad_w2=w2.grad.tolist(), grad_b2=b2.grad.item(),
        new_w1=new[0].tolist(), new_b1=new[1].tolist(), new_w2=new[2].tolist(), new_b2=new[3].item(),
        loss_after=loss_after, formulas=formulas,
    )
