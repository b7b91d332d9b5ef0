"""A GPT, written from scratch: the GPT-2 architecture plus two switches the course teaches.

    idx -> token embedding (+ learned position embedding) -> n_layer x Block -> LayerNorm -> logits
    Block: x + attention(LayerNorm(x)), then x + feed-forward(LayerNorm(x))     (pre-norm)

Switches in GPTConfig:
  positions = "learned" (GPT-2's wpe table) | "rope" (rotary embeddings on q and k)
  ffn       = "dense"   (GPT-2's MLP)       | "moe"  (mixture of experts, top-k router)

GPT-2 small (GPTConfig.gpt2_small()) has exactly 124,439,808 parameters, like OpenAI's "124M".
The layout follows nanoGPT's model.py so the parameter names match OpenAI's checkpoints
(wte, wpe, h.N.attn.c_attn, ...), but it is written anew for the course.

Attention has two paths that agree to 1e-5: the fast one (PyTorch's fused
scaled_dot_product_attention) used for training and generation, and an explicit one that
keeps every head's attention weights so the labs can draw them (`GPT.inspect`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import torch
import torch.nn.functional as F
from torch import nn

from tutor.i18n import say


@dataclass
class GPTConfig:
    vocab_size: int = 50257
    block_size: int = 1024  # longest context, in tokens
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768
    dropout: float = 0.0
    bias: bool = True  # biases in Linear layers and LayerNorms, as GPT-2
    positions: str = "learned"  # "learned" (GPT-2) | "rope"
    ffn: str = "dense"  # "dense" (GPT-2) | "moe"
    n_experts: int = 4  # used when ffn == "moe"
    top_k: int = 2  # experts per token when ffn == "moe"
    moe_loss_weight: float = 0.01  # weight of the load-balancing loss in the total loss
    rope_base: float = 10000.0
    layer_norm_eps: float = 1e-5  # GPT-2's value; a Hugging Face config may name another

    def __post_init__(self) -> None:
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")
        if self.positions not in ("learned", "rope"):
            raise ValueError(f"positions must be 'learned' or 'rope', not {self.positions!r}")
        if self.ffn not in ("dense", "moe"):
            raise ValueError(f"ffn must be 'dense' or 'moe', not {self.ffn!r}")
        if self.positions == "rope" and (self.n_embd // self.n_head) % 2:
            raise ValueError("RoPE rotates pairs of dimensions: the head size must be even")
        if self.ffn == "moe" and not 1 <= self.top_k <= self.n_experts:
            raise ValueError(f"top_k must be between 1 and n_experts ({self.n_experts})")

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    @classmethod
    def gpt2_small(cls) -> GPTConfig:
        """OpenAI's GPT-2 124M: 12 layers, 12 heads, 768 wide, 50,257 tokens, 1,024 context."""
        return cls(vocab_size=50257, block_size=1024, n_layer=12, n_head=12, n_embd=768, bias=True)


# ----------------------------------------------------------------------------- building blocks


class LayerNorm(nn.Module):
    """LayerNorm with an optional bias (PyTorch's own cannot drop just the bias)."""

    def __init__(self, ndim: int, bias: bool, eps: float = 1e-5) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, self.eps)


class RotaryEmbedding(nn.Module):
    """RoPE (Su et al. 2021): rotate each (even, odd) pair of q/k dimensions by position x angle.

    Pair i turns at frequency theta_i = base^(-2i/d); a token at position m turns it by m*theta_i.
    Rotating both q (at m) and k (at n) makes their dot product depend only on m - n, so
    attention sees relative distance with no position table. The pairs are neighbours (0, 1),
    (2, 3), ... as in the paper and the course's lesson.
    """

    def __init__(self, head_dim: int, max_len: int, base: float = 10000.0) -> None:
        super().__init__()
        inv_freq = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)
        angles = torch.outer(torch.arange(max_len, dtype=torch.float32), inv_freq)  # (max_len, head_dim/2)
        # Buffers follow .to(device) but are not trained and not saved in checkpoints.
        self.register_buffer("cos", angles.cos(), persistent=False)
        self.register_buffer("sin", angles.sin(), persistent=False)

    def forward(self, x: torch.Tensor, start: int = 0) -> torch.Tensor:
        # x: (B, n_head, T, head_dim); positions start..start+T-1 (start > 0 with a KV cache)
        T = x.size(-2)
        cos = self.cos[start : start + T].to(x.dtype)
        sin = self.sin[start : start + T].to(x.dtype)
        x1, x2 = x[..., 0::2], x[..., 1::2]
        rotated = torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1)
        return rotated.flatten(-2)


class KVCache:
    """Keys and values of the tokens already seen, per layer, so generation feeds one new token.

    Without it every new token recomputes attention inputs for the whole context; with it each
    step only computes the new token's q, k, v (and the cost per token stops growing ~T^2).
    """

    def __init__(self, config: GPTConfig, batch_size: int = 1, device=None, dtype=torch.float32) -> None:
        head_dim = config.n_embd // config.n_head
        shape = (config.n_layer, batch_size, config.n_head, config.block_size, head_dim)
        self.k = torch.zeros(shape, device=device, dtype=dtype)
        self.v = torch.zeros(shape, device=device, dtype=dtype)
        self.length = 0  # how many positions are filled (= position of the next token)
        self.capacity = config.block_size

    def store(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Append this step's k, v for `layer`; return all keys and values so far."""
        end = self.length + k.size(2)
        self.k[layer, :, :, self.length : end] = k
        self.v[layer, :, :, self.length : end] = v
        return self.k[layer, :, :, :end], self.v[layer, :, :, :end]

    def reset(self) -> None:
        self.length = 0


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig, layer: int) -> None:
        super().__init__()
        self.layer = layer
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.dropout = config.dropout
        # q, k and v for all heads in one matmul, then the heads' outputs mixed back together.
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.rope = (
            RotaryEmbedding(config.n_embd // config.n_head, config.block_size, config.rope_base)
            if config.positions == "rope"
            else None
        )

    def forward(
        self, x: torch.Tensor, cache: KVCache | None = None, need_weights: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """-> (output, weights, scores); weights (after softmax) and scores (before it, masked
        entries -inf) only on the explicit path (need_weights), for the labs to show."""
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        # (B, T, C) -> (B, n_head, T, head_dim): each head attends independently.
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        start = cache.length if cache is not None else 0
        if self.rope is not None:
            q, k = self.rope(q, start), self.rope(k, start)
        if cache is not None:
            k, v = cache.store(self.layer, k, v)
        T_k = k.size(2)  # keys: past (cached) + present

        # Causal mask: query i (at absolute position start+i) may look at keys 0..start+i.
        # Without a cache that is the usual lower triangle; a single new token sees everything.
        mask = None
        if T > 1 and T_k != T:
            mask = torch.ones(T, T_k, dtype=torch.bool, device=x.device).tril(diagonal=T_k - T)

        weights = scores = None
        if need_weights:
            # The explicit path: softmax(q k^T / sqrt(d)) with the mask, keeping the weights.
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            if T > 1:
                allowed = mask if mask is not None else torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
                att = att.masked_fill(~allowed, float("-inf"))
            scores = att
            weights = F.softmax(att, dim=-1)
            y = self.attn_dropout(weights) @ v
        else:
            # The fast path: a fused kernel that never materialises the T x T matrix.
            y = F.scaled_dot_product_attention(
                q,
                k,
                v,
                attn_mask=mask,
                dropout_p=self.dropout if self.training else 0.0,
                is_causal=mask is None and T > 1,
            )
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # heads side by side again
        return self.resid_dropout(self.c_proj(y)), weights, scores


class MLP(nn.Module):
    """GPT-2's feed-forward: widen 4x, GELU, project back. Each token is processed on its own."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU(approximate="tanh")  # the approximation GPT-2 was trained with
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class MoE(nn.Module):
    """Mixture of experts: n_experts MLPs, and a router that sends each token to top_k of them.

    Only top_k experts run per token, so parameters grow with n_experts while compute per token
    stays ~top_k MLPs. The chosen experts' outputs are mixed with the router's probabilities,
    renormalised over the chosen ones. A load-balancing loss (Switch Transformer, Fedus et al.
    2021) keeps the router from sending everything to one expert.
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.n_experts = config.n_experts
        self.top_k = config.top_k
        self.router = nn.Linear(config.n_embd, config.n_experts, bias=False)
        self.experts = nn.ModuleList(MLP(config) for _ in range(config.n_experts))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """-> (output, balance loss, chosen experts (B, T, k), their weights (B, T, k))."""
        B, T, C = x.size()
        flat = x.reshape(B * T, C)
        probs = F.softmax(self.router(flat), dim=-1)  # (N, n_experts)
        top_w, top_i = probs.topk(self.top_k, dim=-1)  # (N, k)
        top_w = top_w / top_w.sum(dim=-1, keepdim=True)

        out = torch.zeros_like(flat)
        for e, expert in enumerate(self.experts):
            token, slot = (top_i == e).nonzero(as_tuple=True)  # tokens that chose expert e
            if token.numel():
                out.index_add_(0, token, expert(flat[token]) * top_w[token, slot, None])

        # Switch loss: n_experts * sum_e (share of assignments to e) * (mean router prob of e).
        # It is 1.0 when both are uniform and grows as the load concentrates.
        share = F.one_hot(top_i, self.n_experts).sum(dim=1).float().mean(dim=0) / self.top_k
        balance = self.n_experts * (share * probs.mean(dim=0)).sum()
        return out.view(B, T, C), balance, top_i.view(B, T, -1), top_w.view(B, T, -1)


class Block(nn.Module):
    def __init__(self, config: GPTConfig, layer: int) -> None:
        super().__init__()
        self.ln_1 = LayerNorm(config.n_embd, bias=config.bias, eps=config.layer_norm_eps)
        self.attn = CausalSelfAttention(config, layer)
        self.ln_2 = LayerNorm(config.n_embd, bias=config.bias, eps=config.layer_norm_eps)
        self.mlp = MoE(config) if config.ffn == "moe" else MLP(config)

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, record: dict | None = None):
        # Pre-norm residual blocks: the residual stream x is only ever added to.
        a, weights, scores = self.attn(self.ln_1(x), cache, need_weights=record is not None)
        x = x + a
        balance = None
        if isinstance(self.mlp, MoE):
            m, balance, experts, expert_w = self.mlp(self.ln_2(x))
            if record is not None:
                record["experts"], record["expert_weights"] = experts, expert_w
        else:
            m = self.mlp(self.ln_2(x))
        if record is not None:
            record["attention"], record["scores"] = weights, scores
        return x + m, balance


# ----------------------------------------------------------------------------- the model


@dataclass
class Inspection:
    """What one forward pass did, as plain lists (batch element 0) for the labs to draw.

    attention[layer][head][query][key] = weight (each query row sums to 1, zeros above the
    diagonal); scores[...] = the same entry before softmax, q.k / sqrt(d) (None above the
    diagonal, where the causal mask hides the key). experts[layer][token] = [(expert, weight),
    ...] top_k pairs, or None (dense).
    """

    tokens: list[int]
    attention: list[list[list[list[float]]]]
    experts: list[list[list[tuple[int, float]]]] | None
    next_token_probs: list[float]
    scores: list[list[list[list[float | None]]]] | None = None


class GPT(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(
            {
                "wte": nn.Embedding(config.vocab_size, config.n_embd),
                "wpe": nn.Embedding(config.block_size, config.n_embd) if config.positions == "learned" else None,
                "drop": nn.Dropout(config.dropout),
                "h": nn.ModuleList(Block(config, i) for i in range(config.n_layer)),
                "ln_f": LayerNorm(config.n_embd, bias=config.bias, eps=config.layer_norm_eps),
            }
        )
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # Weight tying (Press & Wolf 2017): the output layer reuses the token embedding matrix,
        # so "which token is this vector" and "which vector is this token" share one table.
        self.transformer.wte.weight = self.lm_head.weight
        self.apply(self._init_weights)
        # GPT-2's scaled init: each residual branch's output projection is shrunk by
        # 1/sqrt(2 * n_layer) so the residual stream's variance does not grow with depth.
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))
        self.last_balance_loss: float | None = None

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_params(self) -> int:
        """Every parameter once (the tied embedding/output matrix counts once)."""
        return sum(p.numel() for p in self.parameters())

    def forward(
        self,
        idx: torch.Tensor,
        targets: torch.Tensor | None = None,
        *,
        cache: KVCache | None = None,
        last_only: bool = False,
        _records: list[dict] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """idx (B, T) token ids -> (logits (B, T, vocab), mean cross-entropy loss or None).

        `cache` feeds only new tokens during generation; `last_only` computes logits for the
        last position only (all generation needs, and vocab-size times cheaper).
        """
        _B, T = idx.size()
        start = cache.length if cache is not None else 0
        if start + T > self.config.block_size:
            raise ValueError(f"sequence of {start + T} tokens exceeds block_size {self.config.block_size}")
        x = self.transformer.wte(idx)  # (B, T, n_embd)
        if self.transformer.wpe is not None:
            pos = torch.arange(start, start + T, dtype=torch.long, device=idx.device)
            x = x + self.transformer.wpe(pos)  # (T, n_embd) broadcasts over the batch
        x = self.transformer.drop(x)
        balance = []
        for i, block in enumerate(self.transformer.h):
            x, b = block(x, cache, _records[i] if _records is not None else None)
            if b is not None:
                balance.append(b)
        x = self.transformer.ln_f(x)
        if cache is not None:
            cache.length += T

        if targets is not None:
            logits = self.lm_head(x)
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-1)
            if balance:
                mean_balance = torch.stack(balance).mean()
                self.last_balance_loss = float(mean_balance.detach())
                loss = loss + self.config.moe_loss_weight * mean_balance
            return logits, loss
        logits = self.lm_head(x[:, [-1], :] if last_only else x)
        return logits, None

    @torch.no_grad()
    def inspect(self, idx) -> Inspection:
        """One forward pass through the explicit attention path, recording what happened."""
        was_training = self.training
        self.eval()
        try:
            device = next(self.parameters()).device
            ids = torch.as_tensor(idx, dtype=torch.long, device=device)
            if ids.dim() == 1:
                ids = ids[None]
            ids = ids[:, -self.config.block_size :]
            records: list[dict] = [{} for _ in self.transformer.h]
            from tutor.engine.device import small_model_threads

            with small_model_threads(self):
                logits, _ = self(ids, _records=records)
        finally:
            self.train(was_training)
        attention = [r["attention"][0].float().cpu().tolist() for r in records]
        scores = [
            [[[None if v == float("-inf") else v for v in row] for row in head] for head in r["scores"][0].float().cpu().tolist()]
            for r in records
        ]
        experts = None
        if self.config.ffn == "moe":
            experts = [
                [list(zip(e, w)) for e, w in zip(r["experts"][0].tolist(), r["expert_weights"][0].float().tolist())]
                for r in records
            ]
        probs = F.softmax(logits[0, -1].float(), dim=-1).cpu().tolist()
        return Inspection(ids[0].tolist(), attention, experts, probs, scores)


# ----------------------------------------------------------------------------- checkpoints


def config_to_dict(config: GPTConfig) -> dict:
    return asdict(config)


def config_from_dict(data: dict) -> GPTConfig:
    known = {f.name for f in fields(GPTConfig)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown GPTConfig fields: {sorted(unknown)}")
    return GPTConfig(**data)


# ----------------------------------------------------------------------------- explaining the model


def _fmt(n: int) -> str:
    return f"{n:,}"


def _breakdown_rows(c: GPTConfig) -> list[tuple[str, int, str]]:
    """Where every parameter of a config lives, computed from the config alone."""
    C, V, L, E = c.n_embd, c.vocab_size, c.n_layer, c.n_experts
    b = 1 if c.bias else 0
    ln = C * (1 + b)  # scale (+ shift) per LayerNorm
    per = "" if L == 1 else say("engine.breakdown.per", L=L)
    shifts = say("engine.breakdown.shifts", n=C) if b else ""

    def biases(n: int) -> str:
        return say("engine.breakdown.biases", n=n) if b else ""

    # The explanations are in the message language (tutor.i18n.say): `tutor engine info` prints them.
    rows = [("wte", V * C, say("engine.breakdown.wte", V=_fmt(V), C=C))]
    if c.positions == "learned":
        rows.append(("wpe", c.block_size * C, say("engine.breakdown.wpe", T=_fmt(c.block_size), C=C)))
    rows += [
        ("h.*.ln_1", L * ln, say("engine.breakdown.ln_1", C=C, shifts=shifts, per=per)),
        ("h.*.attn.c_attn", L * (C * 3 * C + b * 3 * C), say("engine.breakdown.c_attn", C=C, C3=3 * C, biases=biases(3 * C), per=per)),
        ("h.*.attn.c_proj", L * (C * C + b * C), say("engine.breakdown.attn_proj", C=C, biases=biases(C), per=per)),
        ("h.*.ln_2", L * ln, say("engine.breakdown.ln_2", C=C, shifts=shifts, per=per)),
    ]
    fc, proj = C * 4 * C + b * 4 * C, 4 * C * C + b * C
    if c.ffn == "dense":
        rows += [
            ("h.*.mlp.c_fc", L * fc, say("engine.breakdown.c_fc", C=C, C4=4 * C, biases=biases(4 * C), per=per)),
            ("h.*.mlp.c_proj", L * proj, say("engine.breakdown.mlp_proj", C=C, C4=4 * C, biases=biases(C), per=per)),
        ]
    else:
        rows += [
            ("h.*.mlp.router", L * C * E, say("engine.breakdown.router", C=C, E=E, per=per)),
            ("h.*.mlp.experts.*.c_fc", L * E * fc, say("engine.breakdown.experts_fc", E=E, C=C, C4=4 * C, biases=biases(4 * C), per=per)),
            ("h.*.mlp.experts.*.c_proj", L * E * proj, say("engine.breakdown.experts_proj", E=E, C=C, C4=4 * C, biases=biases(C), per=per)),
        ]
    rows += [
        ("ln_f", ln, say("engine.breakdown.ln_f", C=C, shifts=shifts)),
        ("lm_head", 0, say("engine.breakdown.lm_head")),
    ]
    return rows


def _group(name: str) -> str:
    import re

    name = name.removeprefix("transformer.")
    name = re.sub(r"\.(weight|bias)$", "", name)
    name = re.sub(r"^h\.\d+\.", "h.*.", name)
    return re.sub(r"experts\.\d+\.", "experts.*.", name)


def parameter_breakdown(model_or_config: GPT | GPTConfig) -> list[tuple[str, int, str]]:
    """[(name, count, explanation)] covering every parameter; the counts sum to the total.

    Given a config it is pure arithmetic (instant even for GPT-2 small); given a model the
    counts are read from its real parameters.
    """
    if isinstance(model_or_config, GPT):
        rows = _breakdown_rows(model_or_config.config)
        counts: dict[str, int] = {}
        for name, p in model_or_config.named_parameters():  # tied tensors are listed once
            key = _group(name)
            counts[key] = counts.get(key, 0) + p.numel()
        explained = {name: text for name, _, text in rows}
        out = [(name, counts.get(name, 0), text) for name, _, text in rows]
        out += [(k, n, "") for k, n in counts.items() if k not in explained]
        return out
    return _breakdown_rows(model_or_config)


def count_parameters(config: GPTConfig) -> int:
    return sum(n for _, n, _ in _breakdown_rows(config))


def forward_shapes(config: GPTConfig, batch_size: int = 1, seq_len: int | None = None) -> list[tuple[str, tuple[int, ...]]]:
    """The tensor shapes through one forward pass, in order: [(stage, shape)] for the lab.

    B = batch, T = tokens, C = n_embd, H = heads, d = head size, V = vocabulary.
    """
    B, T = batch_size, seq_len or config.block_size
    C, H, V = config.n_embd, config.n_head, config.vocab_size
    d = C // H
    out: list[tuple[str, tuple[int, ...]]] = [("input ids (B, T)", (B, T)), ("token embedding wte[idx] (B, T, C)", (B, T, C))]
    if config.positions == "learned":
        out += [("position embedding wpe[0..T-1] (T, C)", (T, C)), ("sum: residual stream x (B, T, C)", (B, T, C))]
    out += [
        (f"block (x {config.n_layer}): LayerNorm ln_1(x) (B, T, C)", (B, T, C)),
        ("q, k, v = c_attn(x) (B, T, 3C)", (B, T, 3 * C)),
        ("split into heads: q, k, v each (B, H, T, d)", (B, H, T, d)),
    ]
    if config.positions == "rope":
        out.append(("RoPE rotates q and k, same shape (B, H, T, d)", (B, H, T, d)))
    out += [
        ("scores q @ k^T / sqrt(d), causal mask, softmax (B, H, T, T)", (B, H, T, T)),
        ("weights @ v (B, H, T, d)", (B, H, T, d)),
        ("heads joined, c_proj, added to x (B, T, C)", (B, T, C)),
        ("LayerNorm ln_2(x) (B, T, C)", (B, T, C)),
    ]
    if config.ffn == "moe":
        out += [
            ("router scores per token (B*T, n_experts)", (B * T, config.n_experts)),
            ("chosen experts per token (B*T, top_k)", (B * T, config.top_k)),
        ]
        out += [
            ("experts' hidden c_fc + GELU, every routed copy (B*T*top_k, 4C)", (B * T * config.top_k, 4 * C)),
            ("experts' outputs mixed by router weights, added to x (B, T, C)", (B, T, C)),
        ]
    else:
        out += [
            ("MLP hidden c_fc + GELU (B, T, 4C)", (B, T, 4 * C)),
            ("MLP c_proj, added to x (B, T, C)", (B, T, C)),
        ]
    out += [
        ("final LayerNorm ln_f (B, T, C)", (B, T, C)),
        ("logits = x @ wte^T (B, T, V)", (B, T, V)),
    ]
    return out
