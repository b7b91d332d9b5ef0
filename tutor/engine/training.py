"""Training a GPT: token ids -> train/validation split -> batches -> AdamW, step by step.

The loop is the one every LLM uses, at toy scale:
  take a batch of random windows of the training tokens; targets = the same windows shifted
  by one token; forward -> cross-entropy loss; backward; clip the gradient; AdamW step with a
  learning rate that warms up linearly and then decays along a cosine.
Every `eval_interval` steps it measures the loss on held-out validation tokens (is it learning,
or memorising?), and every `sample_interval` steps it writes a short sample.

`Trainer.run()` is a generator of TrainEvent, one per step, so a UI can draw a live curve from
a worker thread and stop it between steps (cancel: a threading.Event or a callable).
"""

from __future__ import annotations

import io
import json
import math
import os
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from tutor.engine.model import GPT, GPTConfig, config_from_dict, config_to_dict
from tutor.engine.sampling import Cancel, generate_ids, is_cancelled
from tutor.i18n import Said


class TrainingError(Said, ValueError):
    """Training cannot go on (too little text, not a checkpoint): the catalogue's `key` with `values`
    (str() in the learner's language)."""

    def __init__(self, key: str, **values: object) -> None:
        self.said(key, **values)
        super().__init__(self.text("en"))

CHECKPOINT_FORMAT = "tutor-gpt-1"


@dataclass
class TrainConfig:
    max_steps: int = 1000
    batch_size: int = 16
    learning_rate: float = 3e-3  # peak; tiny models tolerate (and need) a high one
    min_lr: float = 3e-4  # the cosine ends here
    warmup_steps: int = 50
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.99
    grad_clip: float = 1.0  # max global gradient norm (0 = off)
    eval_interval: int = 100  # measure validation loss every N steps (and at the last step)
    eval_iters: int = 10  # batches per validation estimate
    sample_interval: int = 0  # write a sample every N steps (0 = never)
    sample_tokens: int = 40
    sample_prompt: str = ""  # "" starts from <|endoftext|>
    seed: int = 1337
    val_fraction: float = 0.3  # the lessons' 70/30 split


@dataclass
class TrainEvent:
    step: int  # 1-based: the number of optimiser steps done
    max_steps: int
    train_loss: float
    val_loss: float | None  # measured this step, else None
    lr: float
    tokens_per_s: float
    sample: str | None
    elapsed: float  # seconds since the start of run()
    done: bool = False  # the last event (finished or cancelled)
    cancelled: bool = False


# ----------------------------------------------------------------------------- data


def split_ids(ids: Sequence[int], val_fraction: float = 0.3) -> tuple[list[int], list[int]]:
    """First (1 - val_fraction) of the tokens for training, the rest held out for validation."""
    if not 0 <= val_fraction < 1:
        raise TrainingError("engine.training.val_fraction")
    cut = len(ids) - round(len(ids) * val_fraction)
    return list(ids[:cut]), list(ids[cut:])


def split_documents(
    docs: Sequence[Sequence[int]], val_fraction: float = 0.3, separator: int | None = None
) -> tuple[list[int], list[int]]:
    """Split every document the same way (its tail held out), then join them.

    Holding out the tail of each document, rather than the last documents, makes validation
    text of the same kind as training text (every lesson, both languages, the quizzes...).
    `separator` (usually <|endoftext|>) goes between documents.
    """
    train: list[int] = []
    val: list[int] = []
    for doc in docs:
        a, b = split_ids(doc, val_fraction)
        for part, out in ((a, train), (b, val)):
            if part:
                out.extend(part)
                if separator is not None:
                    out.append(separator)
    return train, val


def get_batch(
    data: torch.Tensor, batch_size: int, block_size: int, generator: torch.Generator, device: str | torch.device = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """batch_size random windows x and their targets y (x shifted left by one token)."""
    T = min(block_size, len(data) - 1)
    if T < 1:
        raise TrainingError("engine.training.no_batch")
    starts = torch.randint(len(data) - T, (batch_size,), generator=generator)
    x = torch.stack([data[s : s + T] for s in starts.tolist()])
    y = torch.stack([data[s + 1 : s + 1 + T] for s in starts.tolist()])
    return x.to(device), y.to(device)


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warm-up to learning_rate, then a cosine down to min_lr at max_steps (0-based step)."""
    if step < cfg.warmup_steps:
        return cfg.learning_rate * (step + 1) / cfg.warmup_steps
    if step >= cfg.max_steps:
        return cfg.min_lr
    progress = (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps)
    return cfg.min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)


def make_optimizer(model: GPT, cfg: TrainConfig, device: str) -> torch.optim.AdamW:
    # Weight decay pulls matrices (and embeddings) towards zero; biases and LayerNorm gains are
    # left alone, as in GPT-2 and nanoGPT.
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [
        {"params": decay, "weight_decay": cfg.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    fused = device.startswith("cuda")  # one kernel for the whole update on GPUs
    return torch.optim.AdamW(groups, lr=cfg.learning_rate, betas=(cfg.beta1, cfg.beta2), fused=fused or None)


def _cross_entropy(model: GPT, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Summed next-token cross-entropy (the MoE balance term left out: it is not about text)."""
    logits, _ = model(x)
    return F.cross_entropy(logits.view(-1, logits.size(-1)), y.reshape(-1), reduction="sum")


@torch.no_grad()
def estimate_loss(model: GPT, data: torch.Tensor, batch_size: int, iters: int, seed: int, device: str) -> float:
    """Mean loss over `iters` random batches; the same batches every call (seeded)."""
    was_training = model.training
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    total, count = 0.0, 0
    for _ in range(iters):
        x, y = get_batch(data, batch_size, model.config.block_size, gen, device)
        total += float(_cross_entropy(model, x, y))
        count += y.numel()
    model.train(was_training)
    return total / count


@torch.no_grad()
def evaluate_loss(model: GPT, ids: Sequence[int], batch_size: int = 16) -> float:
    """Exact mean cross-entropy (nats per token) over all of `ids`, in consecutive windows.

    Every token except the first is predicted once, from the tokens before it in its window.
    """
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    data = torch.tensor(list(ids), dtype=torch.long)
    if len(data) < 2:
        raise TrainingError("engine.training.no_eval")
    T = model.config.block_size
    starts = list(range(0, len(data) - 1, T))
    full = [s for s in starts if s + T < len(data)]
    total, count = 0.0, 0
    for i in range(0, len(full), batch_size):
        chunk = full[i : i + batch_size]
        x = torch.stack([data[s : s + T] for s in chunk]).to(device)
        y = torch.stack([data[s + 1 : s + 1 + T] for s in chunk]).to(device)
        total += float(_cross_entropy(model, x, y))
        count += y.numel()
    for s in starts[len(full) :]:  # the shorter last window
        x, y = data[s:-1][None].to(device), data[s + 1 :][None].to(device)
        total += float(_cross_entropy(model, x, y))
        count += y.numel()
    model.train(was_training)
    return total / count


def unigram_loss(train_ids: Sequence[int], eval_ids: Sequence[int], vocab_size: int, alpha: float = 1.0) -> float:
    """Cross-entropy of a unigram model (token frequencies, add-alpha smoothing) on eval_ids.

    The baseline a language model must beat: it knows how common each token is, but nothing
    about context.
    """
    counts = Counter(train_ids)
    denom = len(train_ids) + alpha * vocab_size
    total = 0.0
    for t in eval_ids:
        total -= math.log((counts.get(t, 0) + alpha) / denom)
    return total / max(1, len(eval_ids))


# ----------------------------------------------------------------------------- the loop


class Trainer:
    """Owns a model, its optimiser and its data; `run()` trains it, yielding TrainEvents.

        trainer = Trainer(GPTConfig(...), train_ids, val_ids, TrainConfig(max_steps=500))
        for event in trainer.run(cancel=stop_event):
            draw(event)
        trainer.save("model.pt")
    """

    def __init__(
        self,
        model_config: GPTConfig,
        train_ids: Sequence[int],
        val_ids: Sequence[int],
        config: TrainConfig | None = None,
        *,
        tokenizer=None,
        device: str | None = None,
    ) -> None:
        from tutor.engine.device import pick_device

        self.config = config or TrainConfig()
        self.device = pick_device(device)
        self.tokenizer = tokenizer
        # Seed before building the model: the initial weights, the dropout masks and the
        # batches all follow from config.seed, so a run can be reproduced exactly.
        torch.manual_seed(self.config.seed)
        self.model = GPT(model_config).to(self.device)
        self.optimizer = make_optimizer(self.model, self.config, self.device)
        self.train_data = torch.tensor(list(train_ids), dtype=torch.long)
        self.val_data = torch.tensor(list(val_ids), dtype=torch.long) if len(val_ids) > 1 else None
        if len(self.train_data) < 2:
            raise TrainingError("engine.training.too_few")
        self.step = 0
        self.last_val_loss: float | None = None
        self.last_train_loss: float | None = None

    def run(self, cancel: Cancel = None) -> Iterator[TrainEvent]:
        cfg, model = self.config, self.model
        batch_gen = torch.Generator().manual_seed(cfg.seed)
        tokens_per_step = cfg.batch_size * min(model.config.block_size, len(self.train_data) - 1)
        start = time.perf_counter()
        model.train()
        while self.step < cfg.max_steps:
            if is_cancelled(cancel):
                yield self._event(self.last_train_loss or float("nan"), None, None, 0.0, start, done=True, cancelled=True)
                return
            t0 = time.perf_counter()
            lr = lr_at(self.step, cfg)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            x, y = get_batch(self.train_data, cfg.batch_size, model.config.block_size, batch_gen, self.device)
            _, loss = model(x, y)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            self.optimizer.step()
            train_loss = loss.detach().item()  # .item() also waits for the GPU, so the timing is real
            if model.last_balance_loss is not None:  # report the text loss; MoE's balance term aside
                train_loss -= model.config.moe_loss_weight * model.last_balance_loss
            tokens_per_s = tokens_per_step / max(time.perf_counter() - t0, 1e-9)
            self.step += 1
            self.last_train_loss = train_loss

            last = self.step == cfg.max_steps
            val_loss = None
            if self.val_data is not None and cfg.eval_interval > 0 and (self.step % cfg.eval_interval == 0 or last):
                val_loss = estimate_loss(model, self.val_data, cfg.batch_size, cfg.eval_iters, cfg.seed + 1, self.device)
                self.last_val_loss = val_loss
            sample = None
            if cfg.sample_interval > 0 and self.tokenizer is not None and (self.step % cfg.sample_interval == 0 or last):
                sample = self.sample()
            yield self._event(train_loss, val_loss, sample, tokens_per_s, start, lr=lr, done=last)

    def _event(self, train_loss, val_loss, sample, tokens_per_s, start, lr=None, done=False, cancelled=False) -> TrainEvent:
        return TrainEvent(
            step=self.step,
            max_steps=self.config.max_steps,
            train_loss=train_loss,
            val_loss=val_loss,
            lr=lr if lr is not None else lr_at(self.step, self.config),
            tokens_per_s=tokens_per_s,
            sample=sample,
            elapsed=time.perf_counter() - start,
            done=done,
            cancelled=cancelled,
        )

    def sample(self, max_new_tokens: int | None = None, seed: int | None = None) -> str:
        """A short continuation of sample_prompt (fixed seed, so samples compare across steps)."""
        tok = self.tokenizer
        prompt = tok.encode(self.config.sample_prompt) if self.config.sample_prompt else [tok.eot_id]
        was_training = self.model.training
        ids = [
            t
            for t, _ in generate_ids(
                self.model, prompt, max_new_tokens or self.config.sample_tokens,
                temperature=0.8, top_k=40, seed=self.config.seed if seed is None else seed, end_token=tok.eot_id,
            )
        ]
        self.model.train(was_training)
        if ids and ids[-1] == tok.eot_id:
            ids = ids[:-1]
        return self.config.sample_prompt + tok.decode(ids)

    def save(self, path: str | Path, meta: dict | None = None, half: bool = False) -> Path:
        info = {"train_config": asdict(self.config), "steps_done": self.step}
        if self.last_val_loss is not None:
            info["val_loss"] = self.last_val_loss
        if self.last_train_loss is not None:
            info["train_loss"] = self.last_train_loss
        info.update(meta or {})
        return save_checkpoint(path, self.model, meta=info, half=half)


# ----------------------------------------------------------------------------- checkpoints


def save_checkpoint(path: str | Path, model: GPT, *, meta: dict | None = None, half: bool = False) -> Path:
    """Save weights + config (a plain dict) + meta (plain data), loadable with weights_only=True.

    The output matrix is tied to the token embedding, so it is stored once. `half` stores
    float16 (half the file; the model is converted back to float32 on load).
    """
    path = Path(path)
    state = {}
    for k, v in model.state_dict().items():
        if k == "lm_head.weight":  # the same tensor as transformer.wte.weight
            continue
        v = v.detach().to("cpu")
        state[k] = v.half() if half and v.is_floating_point() else v.clone()
    payload = {
        "format": CHECKPOINT_FORMAT,
        "config": config_to_dict(model.config),
        "model": state,
        # Through JSON: only plain data goes in (weights_only loading accepts nothing else).
        "meta": json.loads(json.dumps(meta or {})),
    }
    # Serialised in memory first: torch.save names the archive after the file, so this way the
    # same weights give the same bytes whatever the path (a retrain can be compared by sha256).
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buffer.getvalue())
    os.replace(tmp, path)  # never leave a half-written checkpoint behind
    return path


def load_checkpoint(path, device: str | None = None) -> tuple[GPT, dict]:
    """-> (model in eval mode on `device`, meta dict). Uses torch.load(weights_only=True):
    a checkpoint can hold tensors and plain data only, never code."""
    from tutor.engine.device import pick_device

    if hasattr(path, "read_bytes") and not isinstance(path, (str, os.PathLike)):
        path = io.BytesIO(path.read_bytes())  # an importlib.resources Traversable
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise TrainingError("engine.training.not_checkpoint", format=payload.get("format") if isinstance(payload, dict) else "?")
    config = config_from_dict(payload["config"])
    model = GPT(config)
    state = {k: v.float() if v.is_floating_point() else v for k, v in payload["model"].items()}
    state["lm_head.weight"] = state["transformer.wte.weight"]
    model.load_state_dict(state, strict=True)
    model.eval()
    return model.to(pick_device(device)), dict(payload.get("meta", {}))


def train_config_from_dict(data: dict) -> TrainConfig:
    return TrainConfig(**{k: v for k, v in data.items() if k in TrainConfig.__dataclass_fields__})


__all__ = [
    "CHECKPOINT_FORMAT",
    "TrainConfig",
    "TrainEvent",
    "Trainer",
    "estimate_loss",
    "evaluate_loss",
    "get_batch",
    "load_checkpoint",
    "lr_at",
    "save_checkpoint",
    "split_documents",
    "split_ids",
    "train_config_from_dict",
    "unigram_loss",
]
