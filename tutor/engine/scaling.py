"""Scaling laws: Chinchilla's fitted loss L(N, D), compute-optimal sizes, and a tiny live experiment.

Used by lesson 11. The module itself does not import torch (so the lesson's charts open instantly);
only `scaling_experiment` imports it, inside the function.

Symbols: N = parameters, D = training tokens, C = training compute in FLOPs.

The fit (Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", approach 3, eq. 10):

    L(N, D) = E + A / N**alpha + B / D**beta
    E = 1.69, A = 406.4, B = 410.7, alpha = 0.34, beta = 0.28

E is the irreducible loss of natural text; the other two terms are what a finite model and a finite
dataset add. Training compute is about C = 6 N D (2 FLOPs per parameter per token forward, 4 backward).
Minimising L under C = 6 N D gives the closed form used below:

    N_opt(C) = G * (C/6)**(beta/(alpha+beta)),   D_opt(C) = G**-1 * (C/6)**(alpha/(alpha+beta)),
    G = (alpha*A / (beta*B))**(1/(alpha+beta))

Honest caveat shown in the lesson: this parametric fit puts the optimum at *fewer* parameters and
more tokens than the paper's other two methods, whose result is the popular rule of thumb of about
20 tokens per parameter (Chinchilla itself: 70B parameters, 1.4T tokens). A later replication
(Besiroglu et al. 2024, "Chinchilla Scaling: A replication attempt") found the published fit
inconsistent with the paper's own data and that a corrected fit agrees with ~20 tokens/parameter.
So both are offered side by side: `compute_optimal` (the fit) and `rule_of_20` (the rule).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Iterator, Sequence

# Chinchilla approach-3 fit (Hoffmann et al. 2022, eq. 10).
E = 1.69
A = 406.4
B = 410.7
ALPHA = 0.34
BETA = 0.28

TOKENS_PER_PARAM = 20.0  # the Chinchilla rule of thumb


def chinchilla_loss(n_params: float, n_tokens: float) -> float:
    """Predicted pre-training loss (nats/token on the paper's data) for N parameters and D tokens."""
    if n_params <= 0 or n_tokens <= 0:
        raise ValueError("n_params and n_tokens must be > 0")
    return E + A / n_params**ALPHA + B / n_tokens**BETA


def training_flops(n_params: float, n_tokens: float) -> float:
    """C ≈ 6 N D FLOPs to train N parameters on D tokens."""
    return 6.0 * n_params * n_tokens


def _g() -> float:
    return (ALPHA * A / (BETA * B)) ** (1.0 / (ALPHA + BETA))


@dataclass(frozen=True)
class Allocation:
    """How to spend a compute budget: N parameters, D tokens, and the loss the fit predicts."""

    compute: float
    n_params: float
    n_tokens: float
    loss: float
    tokens_per_param: float


def compute_optimal(compute: float) -> Allocation:
    """The fit's compute-optimal N and D for `compute` FLOPs (closed form, see the module doc)."""
    if compute <= 0:
        raise ValueError("compute must be > 0")
    a = BETA / (ALPHA + BETA)
    b = ALPHA / (ALPHA + BETA)
    g = _g()
    n = g * (compute / 6.0) ** a
    d = (compute / 6.0) ** b / g
    return Allocation(compute, n, d, chinchilla_loss(n, d), d / n)


def rule_of_20(compute: float, tokens_per_param: float = TOKENS_PER_PARAM) -> Allocation:
    """The rule of thumb D = 20 N with C = 6 N D, so N = sqrt(C / (6*20)) and D = 20 N."""
    if compute <= 0:
        raise ValueError("compute must be > 0")
    n = math.sqrt(compute / (6.0 * tokens_per_param))
    d = tokens_per_param * n
    return Allocation(compute, n, d, chinchilla_loss(n, d), tokens_per_param)


def loss_curve_fixed_tokens(
    n_tokens: float, n_min: float = 1e7, n_max: float = 1e12, points: int = 40
) -> list[tuple[float, float]]:
    """L(N) for a fixed dataset of D tokens, N log-spaced in [n_min, n_max]: a list of (N, loss).

    Shows diminishing returns: past some size the B/D**beta term (too little data) dominates.
    """
    return [(n, chinchilla_loss(n, n_tokens)) for n in _logspace(n_min, n_max, points)]


def loss_curve_fixed_params(
    n_params: float, d_min: float = 1e8, d_max: float = 1e14, points: int = 40
) -> list[tuple[float, float]]:
    """L(D) for a fixed model of N parameters: a list of (D, loss)."""
    return [(d, chinchilla_loss(n_params, d)) for d in _logspace(d_min, d_max, points)]


def compute_frontier(
    c_min: float = 1e18, c_max: float = 1e26, points: int = 40, method: str = "fit"
) -> list[Allocation]:
    """The compute-optimal frontier: one Allocation per log-spaced budget C.

    method="fit" uses the closed form of the fit, "rule" the 20 tokens/parameter rule.
    """
    fn = {"fit": compute_optimal, "rule": rule_of_20}.get(method)
    if fn is None:
        raise ValueError("method must be 'fit' or 'rule'")
    return [fn(c) for c in _logspace(c_min, c_max, points)]


def _logspace(lo: float, hi: float, points: int) -> list[float]:
    if lo <= 0 or hi <= lo or points < 2:
        raise ValueError("need 0 < lo < hi and points >= 2")
    step = (math.log10(hi) - math.log10(lo)) / (points - 1)
    return [10 ** (math.log10(lo) + i * step) for i in range(points)]


@dataclass(frozen=True)
class ReferenceModel:
    name: str
    year: int
    n_params: float
    n_tokens: float
    source: str

    @property
    def tokens_per_param(self) -> float:
        return self.n_tokens / self.n_params

    @property
    def compute(self) -> float:
        return training_flops(self.n_params, self.n_tokens)

    @property
    def predicted_loss(self) -> float:
        """What the Chinchilla fit predicts (the fit was made on Chinchilla's data: a comparison
        between different datasets and tokenizers is only indicative)."""
        return chinchilla_loss(self.n_params, self.n_tokens)


# Published sizes and training tokens.
REFERENCE_MODELS: tuple[ReferenceModel, ...] = (
    # Brown et al. 2020, "Language Models are Few-Shot Learners", table 2.2: 300B training tokens.
    ReferenceModel("GPT-3", 2020, 175e9, 300e9, "Brown et al. 2020"),
    # Rae et al. 2021, "Scaling Language Models: Methods, Analysis & Insights from Training Gopher".
    ReferenceModel("Gopher", 2021, 280e9, 300e9, "Rae et al. 2021"),
    # Hoffmann et al. 2022: same compute as Gopher, 70B parameters on 1.4T tokens.
    ReferenceModel("Chinchilla", 2022, 70e9, 1.4e12, "Hoffmann et al. 2022"),
    # Touvron et al. 2023, "LLaMA: Open and Efficient Foundation Language Models": 65B on 1.4T tokens.
    ReferenceModel("LLaMA 65B", 2023, 65e9, 1.4e12, "Touvron et al. 2023a"),
    # Touvron et al. 2023, "Llama 2": every size trained on 2T tokens.
    ReferenceModel("Llama 2 70B", 2023, 70e9, 2e12, "Touvron et al. 2023b"),
    # Meta, April 2024 model card: Llama 3 pre-trained on "over 15T tokens" (15T used here).
    ReferenceModel("Llama 3 8B", 2024, 8e9, 15e12, "Meta Llama 3 model card, 2024"),
    ReferenceModel("Llama 3 70B", 2024, 70e9, 15e12, "Meta Llama 3 model card, 2024"),
)


# --- a tiny live scaling experiment --------------------------------------------------------------

# A short bilingual text used when no token ids are given (character level).
DEFAULT_TEXT = (
    "un modelo de lenguaje aprende a predecir el siguiente token. "
    "cuanto mas grande es el modelo y mas datos ve, menor es su perdida. "
    "a language model learns to predict the next token. "
    "the bigger the model and the more data it sees, the lower its loss. "
    "el gato come pescado y el perro come carne. the cat eats fish and the dog eats meat. "
) * 4


@dataclass(frozen=True)
class ScalingEvent:
    """One training step of one model in `scaling_experiment`.

    loss is the training loss of that step's batch; eval_loss (at step 1, every `eval_every` steps
    and at the last step, else None) is the loss on a fixed batch from the last 10% of the tokens,
    which gives smoother curves. (The built-in DEFAULT_TEXT repeats itself, so there that batch is
    not unseen text; pass a real corpus as `tokens` for a true held-out loss.)
    """

    size: int
    n_params: int
    step: int
    loss: float
    eval_loss: float | None = None
    done: bool = False


def text_to_ids(text: str) -> tuple[list[int], list[str]]:
    """Character-level ids for `text` and the vocabulary (sorted characters)."""
    vocab = sorted(set(text))
    index = {ch: i for i, ch in enumerate(vocab)}
    return [index[ch] for ch in text], vocab


def scaling_experiment(
    sizes: Sequence[int] = (4, 16, 64),
    steps: int = 300,
    cancel: threading.Event | None = None,
    *,
    tokens: Sequence[int] | None = None,
    vocab_size: int | None = None,
    context: int = 6,
    batch_size: int = 32,
    lr: float = 3e-3,
    eval_every: int = 25,
    seed: int = 0,
) -> Iterator[ScalingEvent]:
    """Train one tiny language model per width in `sizes`, all for the same steps on the same batches.

    The model is a small MLP language model (Bengio et al. 2003 style), self-contained here so this
    lesson does not depend on the course's GPT: the last `context` tokens are embedded (width
    `size`), concatenated, passed through a tanh hidden layer (4*size units) and projected to
    next-token logits. Bigger `size` = more parameters.

    The models train in lockstep (step 1 of each, then step 2 of each...), so a UI can draw the
    curves growing together. Yields a ScalingEvent per model per step; the last event of each model
    has done=True. Stops quietly between steps when `cancel` is set. `tokens` are token ids (any
    tokenizer); None uses DEFAULT_TEXT at character level. Deterministic for a given seed.
    """
    import torch  # lazy: only this function needs it
    from torch import nn

    from tutor.engine.mlp import tiny_torch_threads

    if tokens is None:
        tokens, vocab = text_to_ids(DEFAULT_TEXT)
        vocab_size = len(vocab)
    tokens = list(tokens)
    if vocab_size is None:
        vocab_size = max(tokens) + 1
    if len(tokens) < context + 2:
        raise ValueError("need more tokens than the context")
    if steps < 1 or not sizes:
        raise ValueError("need steps >= 1 and at least one size")

    data = torch.tensor(tokens, dtype=torch.long)
    # The last 10% of the tokens are held out for eval_loss.
    split = max(context + 1, int(len(data) * 0.9))
    train, held = data[:split], data[split - context:]
    if len(held) < context + 1:
        held = data

    gen = torch.Generator().manual_seed(seed)

    def windows(source: "torch.Tensor", starts: "torch.Tensor") -> tuple["torch.Tensor", "torch.Tensor"]:
        idx = starts[:, None] + torch.arange(context + 1)[None, :]
        chunk = source[idx]
        return chunk[:, :-1], chunk[:, -1]

    n_eval = min(256, len(held) - context)
    eval_x, eval_y = windows(held, torch.arange(n_eval))

    class MLPLanguageModel(nn.Module):
        def __init__(self, width: int) -> None:
            super().__init__()
            self.embed = nn.Embedding(vocab_size, width)
            self.hidden = nn.Linear(context * width, 4 * width)
            self.out = nn.Linear(4 * width, vocab_size)

        def forward(self, x: "torch.Tensor") -> "torch.Tensor":
            e = self.embed(x).flatten(1)
            return self.out(torch.tanh(self.hidden(e)))

    models, optimizers, counts = [], [], []
    for i, size in enumerate(sizes):
        torch.manual_seed(seed * 1000 + i)  # each model's init depends only on the seed and its slot
        model = MLPLanguageModel(int(size))
        models.append(model)
        optimizers.append(torch.optim.Adam(model.parameters(), lr=lr))
        counts.append(sum(p.numel() for p in model.parameters()))

    loss_fn = nn.CrossEntropyLoss()
    for step in range(1, steps + 1):
        if cancel is not None and cancel.is_set():
            return
        last = step == steps
        batch_events = []
        with tiny_torch_threads():
            # The same batch for every model: only the size differs.
            starts = torch.randint(0, len(train) - context, (batch_size,), generator=gen)
            x, y = windows(train, starts)
            for size, model, opt, count in zip(sizes, models, optimizers, counts):
                model.train()
                loss = loss_fn(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                eval_loss = None
                if step % eval_every == 0 or last or step == 1:
                    model.eval()
                    with torch.no_grad():
                        eval_loss = loss_fn(model(eval_x), eval_y).item()
                batch_events.append(ScalingEvent(int(size), int(count), step, loss.item(), eval_loss, last))
        yield from batch_events
