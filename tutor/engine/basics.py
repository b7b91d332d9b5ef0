"""PyTorch basics as functions that return real values (lesson 7's lab).

The learner changes a number in the lab and reruns: each function builds the tensors from its
parameters, runs real PyTorch and returns a result dataclass with plain Python values plus `code`,
the equivalent PyTorch source to display (for reading only; it is never executed, and no user
text is ever executed either).

torch is imported inside each function, so importing this module is instant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

DTYPES = ("float32", "float64", "float16", "bfloat16", "int64", "int32", "bool")


def _torch_dtype(name: str) -> Any:
    import torch

    if name not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}")
    return getattr(torch, name)


def _fmt(x: float) -> str:
    """A number as Python source: 2.0 -> '2.0', 0.1 -> '0.1'."""
    return repr(float(x))


# --- tensors -------------------------------------------------------------------------------------


@dataclass
class TensorResult:
    shape: list[int]
    ndim: int
    numel: int
    dtype: str
    values: Any  # a number for 0-D, else nested lists
    name_es: str  # "escalar", "vector", "matriz", "tensor 3D"
    name_en: str
    code: str


_KIND = {0: ("escalar", "scalar"), 1: ("vector", "vector"), 2: ("matriz", "matrix"), 3: ("tensor 3D", "3-D tensor")}


def make_tensor(shape: Sequence[int] = (2, 3), start: float = 1.0, step: float = 1.0,
                dtype: str = "float32") -> TensorResult:
    """A tensor of 0 to 3 dimensions filled with start, start+step, ... in row-major order.

    shape=() gives a scalar (0-D tensor), (4,) a vector, (2, 3) a matrix, (2, 2, 2) a 3-D tensor.
    """
    import torch

    shape = [int(s) for s in shape]
    if len(shape) > 3:
        raise ValueError("at most 3 dimensions in this lab")
    if any(s < 1 or s > 8 for s in shape):
        raise ValueError("each size must be between 1 and 8")
    numel = 1
    for s in shape:
        numel *= s
    dt = _torch_dtype(dtype)
    flat = torch.arange(numel, dtype=torch.float64) * step + start
    t = flat.reshape(shape).to(dt)
    values = t.item() if t.ndim == 0 else t.tolist()
    kind_es, kind_en = _KIND[len(shape)]
    if not shape:
        code = f"t = torch.tensor({_fmt(start)}, dtype=torch.{dtype})"
    else:
        code = (
            f"t = (torch.arange({numel}) * {_fmt(step)} + {_fmt(start)}).reshape({tuple(shape)}).to(torch.{dtype})"
        )
    code += "\nprint(t.shape, t.ndim, t.dtype)\nprint(t)"
    return TensorResult(list(t.shape), t.ndim, t.numel(), dtype, values, kind_es, kind_en, "import torch\n" + code)


# --- autograd ------------------------------------------------------------------------------------


@dataclass
class AutogradResult:
    x: float
    y: float
    grad: float  # dy/dx computed by autograd (x.grad)
    expected_grad: float  # the same derivative written by hand
    formula: str  # y as a function of x
    derivative: str  # dy/dx by hand
    steps: list[tuple[str, float]] = field(default_factory=list)  # intermediate values
    code: str = ""


def grad_square(x: float = 2.0) -> AutogradResult:
    """y = x², dy/dx = 2x (at x = 2: y = 4, dy/dx = 4)."""
    import torch

    xt = torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
    y = xt**2
    y.backward()
    code = (
        "import torch\n"
        f"x = torch.tensor({_fmt(x)}, requires_grad=True)\n"
        "y = x ** 2\n"
        "y.backward()      # dy/dx = 2x\n"
        "print(y.item(), x.grad.item())"
    )
    return AutogradResult(float(x), y.item(), xt.grad.item(), 2 * float(x), "y = x²", "dy/dx = 2x",
                          [("y", y.item())], code)


def grad_chain(x: float = 1.0, a: float = 3.0, b: float = 1.0) -> AutogradResult:
    """y = (a·x + b)²: the chain rule. u = a·x + b, y = u², dy/dx = dy/du · du/dx = 2u · a.

    At x = 1 with a = 3, b = 1: u = 4, y = 16, dy/dx = 2·4·3 = 24.
    """
    import torch

    xt = torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
    u = a * xt + b
    y = u**2
    y.backward()
    u_val = u.item()
    code = (
        "import torch\n"
        f"x = torch.tensor({_fmt(x)}, requires_grad=True)\n"
        f"u = {_fmt(a)} * x + {_fmt(b)}\n"
        "y = u ** 2\n"
        f"y.backward()      # dy/dx = 2u * {_fmt(a)}\n"
        "print(y.item(), x.grad.item())"
    )
    return AutogradResult(
        float(x), y.item(), xt.grad.item(), 2 * u_val * a,
        f"y = ({_fmt(a)}·x + {_fmt(b)})²", f"dy/dx = 2·({_fmt(a)}·x + {_fmt(b)})·{_fmt(a)}",
        [("u", u_val), ("dy/du", 2 * u_val), ("du/dx", float(a)), ("y", y.item())], code,
    )


# --- matrix multiplication -----------------------------------------------------------------------


@dataclass
class MatmulResult:
    a_shape: list[int]
    b_shape: list[int]
    ok: bool
    result_shape: list[int] | None
    a: Any  # the operands' values (small), for display
    b: Any
    result: Any  # None when the shapes do not match
    multiply_adds: int  # scalar multiply-adds performed (0 on error)
    error: str | None
    rule_es: str
    rule_en: str
    code: str


def matmul_shapes(a_shape: Sequence[int] = (2, 3), b_shape: Sequence[int] = (3, 4)) -> MatmulResult:
    """A @ B with A = 1, 2, 3, ... and B = 1, 2, 3, ... in the given shapes (1 to 3 dims each).

    (m, k) @ (k, n) -> (m, n); leading batch dimensions broadcast. When the inner sizes differ
    PyTorch raises an error: its message is returned, not raised.
    """
    import torch

    a_shape, b_shape = [int(s) for s in a_shape], [int(s) for s in b_shape]
    for shp in (a_shape, b_shape):
        if not 1 <= len(shp) <= 3 or any(s < 1 or s > 8 for s in shp):
            raise ValueError("shapes need 1 to 3 dimensions of size 1 to 8")
    a = torch.arange(1, 1 + _prod(a_shape), dtype=torch.float32).reshape(a_shape)
    b = torch.arange(1, 1 + _prod(b_shape), dtype=torch.float32).reshape(b_shape)
    code = (
        "import torch\n"
        f"A = torch.arange(1, {1 + _prod(a_shape)}, dtype=torch.float32).reshape({tuple(a_shape)})\n"
        f"B = torch.arange(1, {1 + _prod(b_shape)}, dtype=torch.float32).reshape({tuple(b_shape)})\n"
        "C = A @ B\n"
        "print(C.shape)"
    )
    rule_es = "(m, k) @ (k, n) → (m, n): las columnas de A deben ser tantas como las filas de B"
    rule_en = "(m, k) @ (k, n) → (m, n): A needs as many columns as B has rows"
    try:
        c = a @ b
    except RuntimeError as exc:
        return MatmulResult(a_shape, b_shape, False, None, a.tolist(), b.tolist(), None, 0,
                            str(exc).splitlines()[0], rule_es, rule_en, code)
    k = a_shape[-1]
    # Each output element is a dot product of length k (vectors count as (1, k) or (k, 1)).
    mult_adds = c.numel() * k if c.ndim > 0 else k
    return MatmulResult(a_shape, b_shape, True, list(c.shape), a.tolist(), b.tolist(),
                        c.item() if c.ndim == 0 else c.tolist(), mult_adds, None, rule_es, rule_en, code)


def _prod(shape: Sequence[int]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


# --- a tiny training loop ------------------------------------------------------------------------


@dataclass
class FitResult:
    true_weight: float
    true_bias: float
    weight: float  # learned
    bias: float
    initial_weight: float
    initial_bias: float
    losses: list[float]  # MSE of each epoch, computed before that epoch's update
    epochs: int
    lr: float
    x: list[float]
    y: list[float]
    code: str


def fit_line(
    true_weight: float = 2.0,
    true_bias: float = 1.0,
    epochs: int = 100,
    lr: float = 0.1,
    n_points: int = 20,
    noise: float = 0.0,
    seed: int = 0,
) -> FitResult:
    """Fit y = w·x + b with nn.Linear(1, 1), MSE loss and SGD, full batch.

    The data: n_points x values evenly spaced in [-1, 1], y = true_weight·x + true_bias (+ Gaussian
    noise of std `noise`). `losses[e]` is the loss computed in epoch e, before that epoch's update
    (as the printed loss in a usual training loop). Deterministic for a given seed.
    """
    import torch
    from torch import nn

    from tutor.engine.mlp import tiny_torch_threads

    if epochs < 1 or epochs > 5000:
        raise ValueError("epochs must be between 1 and 5000")
    # Same order of random draws as the displayed code (seed, noise, then the layer's initial
    # weights), inside fork_rng so the caller's global random state is left untouched.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        x = torch.linspace(-1.0, 1.0, n_points).unsqueeze(1)
        y = true_weight * x + true_bias
        if noise:
            y = y + noise * torch.randn(x.shape)
        model = nn.Linear(1, 1)
    w0, b0 = model.weight.item(), model.bias.item()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    with tiny_torch_threads():  # 20 points: one thread is fastest (see mlp.tiny_torch_threads)
        for _ in range(epochs):
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    code = (
        "import torch\nfrom torch import nn\n\n"
        f"torch.manual_seed({seed})\n"
        f"x = torch.linspace(-1.0, 1.0, {n_points}).unsqueeze(1)\n"
        f"y = {_fmt(true_weight)} * x + {_fmt(true_bias)}"
        + (f" + {_fmt(noise)} * torch.randn(x.shape)" if noise else "")
        + "\n\n"
        "model = nn.Linear(1, 1)\n"
        f"optimizer = torch.optim.SGD(model.parameters(), lr={_fmt(lr)})\n"
        "loss_fn = nn.MSELoss()\n\n"
        f"for epoch in range({epochs}):\n"
        "    loss = loss_fn(model(x), y)   # forward\n"
        "    optimizer.zero_grad()\n"
        "    loss.backward()               # gradients\n"
        "    optimizer.step()              # update w and b\n\n"
        "print(model.weight.item(), model.bias.item())"
    )
    return FitResult(float(true_weight), float(true_bias), model.weight.item(), model.bias.item(), w0, b0,
                     losses, epochs, float(lr), x.squeeze(1).tolist(), y.squeeze(1).tolist(), code)
