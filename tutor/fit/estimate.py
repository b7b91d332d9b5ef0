"""Reproduce the memory Ollama will use for a model, and where it will put it.

`estimate()` answers what `/api/ps` would report (`size`, `size_vram`) for a model, a server
version, a context and a machine, plus the verdict: all on GPU, partial (with the CPU/GPU split
that `ollama ps` prints), CPU only, or will not load. The arithmetic follows Ollama's own rules for
that version (see versions.py and docs/FIT.md); where Ollama measures instead of estimating, the
result is an approximation and carries a safety margin so that "fits" is never said wrongly.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Mapping

from tutor.fit.graph import graph_size, vision_graph
from tutor.fit.hardware import GPU, Hardware
from tutor.fit.model import ModelFacts
from tutor.fit.units import GIB, MIB, human_bytes2, processor_split
from tutor.i18n import say
from tutor.fit.versions import (
    FLASH_ATTENTION_DEFAULT_ARCHS,
    Rules,
    Version,
    default_context,
    measures_memory,
    parse_version,
    rules_for,
)

VERDICT_GPU = "gpu"
VERDICT_PARTIAL = "partial"
VERDICT_CPU = "cpu"
VERDICT_NO = "will_not_load"
VERDICT_UNKNOWN = "unknown"


@dataclass
class Settings:
    """Server-side settings that change the estimate (read from the environment by default)."""

    context_length: int | None = None  # OLLAMA_CONTEXT_LENGTH
    num_parallel: int | None = None  # OLLAMA_NUM_PARALLEL (None/0 = the version's default)
    flash_attention: bool | None = None  # OLLAMA_FLASH_ATTENTION (None = the version's default)
    kv_cache_type: str = ""  # OLLAMA_KV_CACHE_TYPE
    gpu_overhead: int = 0  # OLLAMA_GPU_OVERHEAD (bytes reserved per GPU)
    sched_spread: bool = False  # OLLAMA_SCHED_SPREAD
    new_estimates: bool = False  # OLLAMA_NEW_ESTIMATES (0.11.5 .. 0.11.10)
    new_engine: bool = False  # OLLAMA_NEW_ENGINE
    num_batch: int = 512
    num_gpu: int = -1  # layers requested on GPU; -1 = as many as fit

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env

        def num(name: str) -> int | None:
            try:
                v = int(str(env.get(name, "")).strip())
            except ValueError:
                return None
            return v if v > 0 else None

        def flag(name: str) -> bool | None:
            v = str(env.get(name, "")).strip().lower()
            if v in ("1", "true", "yes", "on"):
                return True
            if v in ("0", "false", "no", "off"):
                return False
            return None

        return cls(
            context_length=num("OLLAMA_CONTEXT_LENGTH"),
            num_parallel=num("OLLAMA_NUM_PARALLEL"),
            flash_attention=flag("OLLAMA_FLASH_ATTENTION"),
            kv_cache_type=str(env.get("OLLAMA_KV_CACHE_TYPE", "")).strip().lower(),
            gpu_overhead=num("OLLAMA_GPU_OVERHEAD") or 0,
            sched_spread=bool(flag("OLLAMA_SCHED_SPREAD")),
            new_estimates=bool(flag("OLLAMA_NEW_ESTIMATES")),
            new_engine=bool(flag("OLLAMA_NEW_ENGINE")),
        )


@dataclass
class Estimate:
    model: str
    total_bytes: int  # what /api/ps "size" would say
    vram_bytes: int  # what /api/ps "size_vram" would say
    weights_bytes: int
    kv_bytes: int
    graph_bytes: int
    overhead_bytes: int  # GPU minimum + one-layer buffer + projector, where the version counts them
    context: int  # per request
    parallel: int
    gpu_layers: int
    total_layers: int  # blocks + the output layer
    verdict: str
    verdict_text: str
    processor: str  # like `ollama ps`
    rules: str
    exact: bool  # True when the version's arithmetic is reproduced, False for measured versions
    margin_bytes: int = 0  # added before deciding "fits" when not exact
    kv_cache_type: str = "f16"
    flash_attention: bool = False
    gpus_used: list[str] = field(default_factory=list)
    per_gpu_bytes: list[int] = field(default_factory=list)
    cpu_bytes: int = 0
    needs_bytes: int | None = None  # for will_not_load
    has_bytes: int | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)

    @property
    def estimate_json(self) -> dict:
        return {
            "total_bytes": self.total_bytes,
            "vram_bytes": self.vram_bytes,
            "weights_bytes": self.weights_bytes,
            "kv_bytes": self.kv_bytes,
            "graph_bytes": self.graph_bytes,
            "overhead_bytes": self.overhead_bytes,
        }


# ------------------------------------------------------------------------------------ context

def plan_context(
    facts: ModelFacts,
    rules: Rules,
    hardware: Hardware,
    settings: Settings,
    request_ctx: int | None = None,
    modelfile_ctx: int | None = None,
) -> tuple[int, list[str]]:
    """The per-request context Ollama would use: request > Modelfile > OLLAMA_CONTEXT_LENGTH >
    the version's default, then the version's adjustments and the trained-context cap."""
    notes = []
    if request_ctx:
        ctx, why = int(request_ctx), say("fit.note.why.requested")
    elif modelfile_ctx:
        ctx, why = int(modelfile_ctx), say("fit.note.why.modelfile")
    elif settings.context_length and rules.version >= (0, 5, 13):
        ctx, why = settings.context_length, say("fit.note.why.env")
    else:
        ctx = default_context(rules, hardware.total_vram)
        why = say("fit.note.why.default" if rules.default_ctx else "fit.note.why.default_vram")
    arch = facts.architecture
    if rules.gptoss_min_ctx and arch in ("gptoss", "gpt-oss", "qwen3vl", "qwen3vlmoe") and not request_ctx \
            and not modelfile_ctx:
        if hardware.total_vram >= rules.low_vram_threshold:
            ctx = max(ctx, 8192)
    if (facts.has_vision and rules.version >= (0, 6, 0)) or facts.has_projector:
        ctx = max(ctx, 2048)  # multimodal models need at least 2048 (a separate projector: every version)
    ctx = max(ctx, 4)
    trained = facts.context_length
    if rules.caps_train_ctx and trained and ctx > trained:
        notes.append(say("fit.note.capped", ctx=ctx, trained=trained))
        ctx = trained
    notes.insert(0, say("fit.note.context", ctx=ctx, why=why))
    return ctx, notes


def _flash_attention(facts: ModelFacts, rules: Rules, settings: Settings, gpus: list[GPU]) -> bool:
    if settings.flash_attention is not None:
        want = settings.flash_attention
    else:
        want = rules.version >= (0, 11, 8) and facts.architecture in FLASH_ATTENTION_DEFAULT_ARCHS
    if not want:
        return False
    if gpus and not all(g.flash_attention_ok for g in gpus):
        return False
    if facts.is_embedding or facts.architecture == "gemma2":
        return False
    return facts.key_length == facts.value_length and facts.key_length > 0


# ------------------------------------------------------------------------------------ helpers

@dataclass
class _Parts:
    blocks: list[int]  # weights per block
    kv: list[int]
    output: int  # output_norm + output (or tied embedding)
    graph_partial: int
    graph_full: int
    vision_weights: int
    vision_graph: int
    input_weights: int  # token_embd when the engine keeps it apart (measured regimes)
    other: int  # tensors no rule counts (measured regimes only)
    projector: int = 0  # weights of a separate projector file (llava's CLIP), loaded on the first GPU


def _parts(f: ModelFacts, rules: Rules, ctx: int, parallel: int, cache: str, fa: bool, measured: bool) -> _Parts:
    batch = min(ctx, 512)
    total_ctx = ctx * parallel
    if measured:
        # The Ollama engine pads the cache to 256 cells with flash attention and 32 without.
        pad = 256 if fa else 32
        total_ctx = -(-total_ctx // pad) * pad
    g = graph_size(f, total_ctx, batch, parallel, cache, rules, fa)
    n = f.block_count
    blocks = []
    for i in range(n):
        b = f.block_bytes(i)
        blocks.append(b if b is not None else (blocks[-1] if blocks else 0))
    vw, vg = vision_graph(f)
    if rules.regime == "sum":
        vw, vg = 0, 0
    out = f.output_bytes()
    input_w = other = 0
    if measured:
        counted = sum(blocks) + out + vw
        input_w = f.layer_bytes("token_embd") if "output" in f.layers else 0
        other = max(0, f.total_tensor_bytes - counted - input_w)
    return _Parts(blocks, g.kv, out, g.partial, g.full, vw, vg, input_w, other, f.projector_bytes())


def _verdict_cpu(hw: Hardware, cpu_bytes: int, total: int, vram: int, margin: int) -> tuple[str, str, int | None, int | None]:
    avail = hw.memory_for_cpu
    if hw.os == "darwin" and hw.ram_total is not None:
        avail = hw.ram_total  # macOS swaps dynamically; Ollama only refuses beyond total memory
    if avail is not None and cpu_bytes + margin > avail:
        return (VERDICT_NO, say("fit.verdict.no_memory", needs=human_bytes2(cpu_bytes + margin), has=human_bytes2(avail)),
                cpu_bytes + margin, avail)
    return "", "", None, None


# ------------------------------------------------------------------------------------ regimes

def _legacy(f: ModelFacts, p: _Parts, gpus: list[GPU], rules: Rules, s: Settings, cpu_free: int | None) -> dict:
    """llm/memory.go as it stood from 0.1.45 to 0.12.10 (EstimateGPULayers / estimateGPULayers)."""
    n = len(p.blocks)
    overhead = s.gpu_overhead
    metal = bool(gpus) and gpus[0].kind == "metal"
    partial, full = p.graph_partial, p.graph_full
    if metal:
        partial = full
    elif len(gpus) > 1:
        full = partial
    devices = list(gpus)
    cpu_mode = not devices
    if cpu_mode and rules.cpu_as_device:
        free = cpu_free if cpu_free is not None else 1 << 62
        devices = [GPU("cpu", "cpu", free, free)]
    buffer = (p.blocks[0] if p.blocks else 0) + (p.kv[0] if (p.kv and rules.buffer_includes_kv) else 0)
    # the vision tower: with the GPU minimum before 0.7.1, with the output layer after; a separate
    # projector file always with the GPU minimum (memory.go's llamaEngineProjectorWeights)
    gzo = p.projector + (p.vision_weights + p.vision_graph if rules.legacy_forward else 0)
    last = p.output + (0 if rules.legacy_forward else p.vision_weights + p.vision_graph)
    alloc = [0] * len(devices)
    split = [0] * len(devices)
    with_space: list[int] = []

    def minimum(g: GPU) -> int:
        return 0 if g.kind == "cpu" else g.minimum_bytes

    for i, g in enumerate(devices):
        z = gzo if not with_space else 0
        if g.usable_bytes < overhead + z + max(partial, full) + minimum(g) + 2 * buffer:
            continue
        with_space.append(i)
        alloc[i] += minimum(g) + buffer
    overflow = 0
    if with_space:
        alloc[with_space[0]] += gzo
    elif not rules.legacy_forward:
        overflow += gzo
    count = 0
    order = range(n) if rules.legacy_forward else range(n - 1, -1, -1)
    size = 0
    for i in order:
        size = p.blocks[i] + p.kv[i]
        if s.num_gpu >= 0 and count >= s.num_gpu:
            if not rules.legacy_forward:
                overflow += size
            continue
        placed = False
        j = len(with_space)
        while j > 0:
            k = i % j
            gi = with_space[k]
            if devices[gi].usable_bytes > overhead + alloc[gi] + max(partial, full) + size:
                alloc[gi] += size
                split[gi] += 1
                count += 1
                placed = True
                break
            with_space.pop(k)
            j -= 1
        if not placed and not rules.legacy_forward:
            overflow += size
    fully = count >= n
    if rules.legacy_forward and not fully:
        overflow += (n - count) * size  # every missing layer at the size of the last block
    if last > 0:
        if s.num_gpu < 0 or count < s.num_gpu:
            j = len(with_space)
            while j > 0:
                gi = with_space[count % j]
                if devices[gi].usable_bytes > overhead + alloc[gi] + max(partial, full) + last:
                    alloc[gi] += last
                    split[gi] += 1
                    count += 1
                    break
                j -= 1  # Ollama tries the next GPU without dropping this one
        if count < n + 1:
            fully = False
            overflow += last
    graph = full if fully else partial
    graph_total = 0
    for i in range(len(devices)):
        if split[i] > 0:
            alloc[i] += graph
            graph_total += graph
    vram_sum = sum(alloc)
    total = vram_sum + overflow
    used = [i for i in range(len(devices)) if split[i] > 0]
    # whatever is neither weights, cache nor graph: GPU minimums, one-layer buffers, quirks
    counted = sum(p.blocks) + sum(p.kv) + p.output + p.vision_weights + p.projector
    gpu_layers = 0 if (cpu_mode or count == 0) else count
    return {
        "total": total,
        "vram": 0 if gpu_layers == 0 else vram_sum,
        "graph": graph_total + p.vision_graph,
        "overhead": total - counted - graph_total - p.vision_graph,
        "gpu_layers": gpu_layers,
        "per_gpu": [] if cpu_mode else alloc,
        "used": [] if cpu_mode else used,
    }


def _sum(f: ModelFacts, p: _Parts, gpus: list[GPU], rules: Rules, s: Settings) -> dict:
    """The first estimator (before 0.1.45): one running sum, graph times the number of GPUs."""
    n = len(p.blocks)
    avail = sum(g.usable_bytes for g in gpus)
    metal = bool(gpus) and gpus[0].kind == "metal"
    minimum = gpus[0].minimum_bytes if gpus else 0
    minimum += (p.blocks[0] if p.blocks else 0) + p.projector  # the projector counted with the minimum
    kv_total = sum(p.kv)
    partial, full = p.graph_partial * max(len(gpus), 1), p.graph_full * max(len(gpus), 1)
    if metal:
        partial = full
    total = minimum + full
    part = minimum + partial
    if metal:
        total += p.output
        part += p.output
    count = 0
    for i in range(n):
        layer = p.blocks[i] + kv_total // n
        total += layer
        if (s.num_gpu >= 0 and count + 1 <= s.num_gpu) or (s.num_gpu < 0 and avail > part + layer):
            part += layer
            count += 1
    if not metal:
        total += p.output
    if (s.num_gpu >= 0 and count + 1 <= s.num_gpu) or (s.num_gpu < 0 and avail > total):
        count = n + 1
        part = total
    if not gpus or part > avail:
        count, part = 0, 0
    weights = sum(p.blocks) + p.output + p.projector
    return {
        "total": total,
        "vram": part,
        "graph": full,
        "overhead": total - weights - kv_total - full,
        "gpu_layers": count,
        "per_gpu": [part] if gpus else [],
        "used": [0] if count else [],
    }


def _layout(f: ModelFacts, p: _Parts, gpus: list[GPU], rules: Rules, s: Settings, measured: bool) -> dict:
    """The layout code of 0.12.11+ (and, measured, the Ollama engine): layers from the last one
    backwards onto the GPUs with the most free memory, each GPU keeping its minimum, the overhead
    and the compute graph free. Reported size: weights + cache + graphs; no buffer, no minimum."""
    n = len(p.blocks)
    layers = [p.blocks[i] + p.kv[i] for i in range(n)] + [p.output + p.vision_weights + p.vision_graph]
    metal = bool(gpus) and gpus[0].kind == "metal"
    partial, full = p.graph_partial, p.graph_full
    if metal:
        partial = full
    graph_reserve = max(partial, full)
    order = sorted(range(len(gpus)), key=lambda i: -gpus[i].usable_bytes)
    buffer = 0 if measured else (p.blocks[0] + p.kv[0] if p.blocks else 0)

    def fit(num_gpus: int, with_output: bool) -> list[list[int]]:
        assign: list[list[int]] = [[] for _ in gpus]
        idx = list(range(len(layers) if with_output else n))
        devs = order[:num_gpus]
        free = {d: max(0, gpus[d].usable_bytes - buffer - gpus[d].minimum_bytes - s.gpu_overhead - graph_reserve)
                for d in devs}
        if 0 in free:  # llama.cpp puts a separate projector on the first GPU, outside the layout
            free[0] = max(0, free[0] - p.projector)
        d_i = 0
        for li in reversed(idx):
            if s.num_gpu >= 0 and sum(len(a) for a in assign) >= s.num_gpu:
                break
            while d_i < len(devs) and layers[li] > free[devs[d_i]]:
                d_i += 1
            if d_i >= len(devs):
                break
            free[devs[d_i]] -= layers[li]
            assign[devs[d_i]].append(li)
        return assign

    best: list[list[int]] = [[] for _ in gpus]
    if gpus:
        for k in range(1, len(order) + 1):
            for with_output in (True, False):
                a = fit(k, with_output)
                if sum(map(len, a)) > sum(map(len, best)):
                    best = a
                if sum(map(len, a)) == len(layers):
                    break
            if sum(map(len, best)) == len(layers) and not s.sched_spread:
                break
    on_gpu = sum(map(len, best))
    graph = full if on_gpu >= len(layers) else partial
    used = [i for i in range(len(gpus)) if best[i]]
    per_gpu = [sum(layers[li] for li in best[i]) + (graph if best[i] else 0) for i in range(len(gpus))]
    cpu_layers = sum(layers) - sum(sum(layers[li] for li in best[i]) for i in range(len(gpus)))
    cpu_graph = 0
    if measured and on_gpu < len(layers):
        cpu_graph = partial if not used else 0  # the CPU runs its own graph when it holds layers
        if not used:
            cpu_graph = full
    if p.projector and used:
        # Ollama's layout code forgets it in the size it reports (it sums the LoRA paths), but
        # llama.cpp loads it on the first GPU, so the fit check counts it there.
        per_gpu[0] += p.projector
        if 0 not in used:
            used = sorted(used + [0])
    total = sum(per_gpu) + cpu_layers + cpu_graph + p.input_weights + p.other + (0 if used else p.projector)
    vram = sum(per_gpu)
    if on_gpu >= len(layers):
        vram += p.input_weights + p.other + cpu_graph
    weights = sum(p.blocks) + p.output + p.vision_weights + p.input_weights + p.other + p.projector
    return {
        "total": total,
        "vram": vram if on_gpu else 0,
        "graph": graph * len(used) + cpu_graph + p.vision_graph,
        "overhead": 0,
        "gpu_layers": on_gpu,
        "per_gpu": per_gpu,
        "used": used,
        "weights": weights,
    }


# ------------------------------------------------------------------------------------ public

def estimate(
    model_info: Mapping[str, Any] | ModelFacts,
    tensors: Iterable[Any] | None,
    hardware: Hardware,
    ctx: int | None = None,
    version: str | Version | None = None,
    *,
    model: str = "",
    modelfile_ctx: int | None = None,
    settings: Settings | None = None,
    parallel: int | None = None,
) -> Estimate:
    """Estimate what Ollama `version` will load for this model on `hardware`.

    `ctx` is the context of the request (None: Modelfile, then OLLAMA_CONTEXT_LENGTH, then the
    version's default). `parallel` forces OLLAMA_NUM_PARALLEL. Returns an `Estimate`.
    """
    f = model_info if isinstance(model_info, ModelFacts) else ModelFacts.from_show(model_info, tensors or [])
    v = version if isinstance(version, tuple) else parse_version(version)
    rules = rules_for(v)
    s = settings or Settings.from_env()
    if parallel:
        s = Settings(**{**asdict(s), "num_parallel": parallel})
    context, notes = plan_context(f, rules, hardware, s, ctx, modelfile_ctx)
    gpus = [g for g in hardware.gpus if not g.integrated]
    if gpus:
        libs: dict[str, list[GPU]] = {}
        for g in gpus:
            libs.setdefault(g.kind, []).append(g)
        gpus = max(libs.values(), key=lambda gl: sum(x.usable_bytes for x in gl))
        if len(libs) > 1:
            notes.append(say("fit.note.kinds", kind=gpus[0].kind))
    measured = rules.llama_server or measures_memory(f.architecture, rules.version, s.new_estimates, s.new_engine)
    fa = _flash_attention(f, rules, s, gpus)
    cache = s.kv_cache_type if (fa and s.kv_cache_type in ("q8_0", "q4_0", "f16")) else "f16"
    if s.kv_cache_type and cache != s.kv_cache_type:
        notes.append(say("fit.note.kv_ignored", kind=s.kv_cache_type))
    one_seq = f.is_embedding or f.architecture == "mllama"

    def run(par: int, gl: list[GPU]) -> dict:
        p = _parts(f, rules, context, par, cache, fa, measured)
        if rules.regime == "sum":
            r = _sum(f, p, gl, rules, s)
        elif rules.regime == "legacy" and not measured:
            r = _legacy(f, p, gl, rules, s, hardware.memory_for_cpu)
        else:
            r = _layout(f, p, gl, rules, s, measured)
        r["parts"] = p
        r["parallel"] = par
        return r

    total_layers = f.block_count + 1
    if s.num_parallel:
        par = 1 if one_seq else s.num_parallel
        result = run(par, gpus)
    elif not gpus:
        result = run(1 if one_seq else rules.cpu_parallel, gpus)
    else:
        result = None
        tries = [1] if (one_seq or rules.parallel_auto == 1) else [rules.parallel_auto, 1]
        # the scheduler looks for a full fit: one GPU at a time, then all of them
        for par in tries:
            for g in sorted(gpus, key=lambda x: -x.usable_bytes) if len(gpus) > 1 and not s.sched_spread else []:
                r = run(par, [g])
                if r["gpu_layers"] >= total_layers:
                    result = r
                    break
            if result is None:
                r = run(par, gpus)
                if r["gpu_layers"] >= total_layers:
                    result = r
            if result is not None:
                break
        if result is None:  # partial load (or none at all), with the last parallel tried
            # When no layer fits Ollama runs on the CPU but keeps reporting this GPU estimate.
            result = run(tries[-1], gpus)
    p: _Parts = result["parts"]
    par = result["parallel"]
    total, vram = int(result["total"]), int(result["vram"])
    gpu_layers = int(result["gpu_layers"])
    kv_total = sum(p.kv)
    weights = result.get("weights", sum(p.blocks) + p.output + p.vision_weights + p.projector)
    if p.projector:
        notes.append(say("fit.note.projector", size=human_bytes2(p.projector)))
    margin = 0
    if measured:
        margin = max(256 * MIB, total // 20)
        notes.append(say("fit.note.measured", margin=human_bytes2(margin)))
    cpu_bytes = total - vram
    # the verdict
    verdict, text, needs, has = _verdict_cpu(hardware, cpu_bytes, total, vram, margin if gpu_layers == 0 else 0)
    metal = bool(gpus) and gpus[0].kind == "metal"
    if not verdict and metal and hardware.ram_total is not None and vram > hardware.ram_total:
        verdict, text = VERDICT_NO, say("fit.verdict.no_mac")
        needs, has = vram, hardware.ram_total
    if not verdict:
        if gpu_layers >= total_layers and vram > 0:
            free = sum(g.usable_bytes for g in gpus)
            if measured and vram + margin > free:
                verdict = VERDICT_PARTIAL
                text = say("fit.verdict.borderline", needs=human_bytes2(vram), has=human_bytes2(free))
            else:
                verdict, text = VERDICT_GPU, say("fit.verdict.gpu", size=human_bytes2(vram))
        elif gpu_layers > 0:
            verdict = VERDICT_PARTIAL
            text = say("fit.verdict.partial", layers=gpu_layers, total=total_layers, split=processor_split(total, vram))
        else:
            verdict = VERDICT_CPU
            if hardware.memory_for_cpu is None:
                text = say("fit.verdict.cpu_unknown", size=human_bytes2(total))
            else:
                text = say("fit.verdict.cpu", size=human_bytes2(total))
            if gpus:
                text += say("fit.verdict.no_layer")
    if hardware.memory_for_cpu is None and verdict == VERDICT_CPU:
        verdict_unknown_note = say("fit.note.no_memory")
        notes.append(verdict_unknown_note)
    used = [f"{gpus[i].kind}:{gpus[i].id or i}" for i in result["used"]] if gpus else []
    return Estimate(
        model=model,
        total_bytes=total,
        vram_bytes=vram,
        weights_bytes=int(weights),
        kv_bytes=int(kv_total),
        graph_bytes=int(result["graph"]),
        overhead_bytes=int(result["overhead"]),
        context=context,
        parallel=par,
        gpu_layers=gpu_layers,
        total_layers=total_layers,
        verdict=verdict,
        verdict_text=text,
        processor=processor_split(total, vram),
        rules=rules.label + (" · measured by the server, approximated" if measured else ""),
        exact=not measured,
        margin_bytes=margin,
        kv_cache_type=cache,
        flash_attention=fa,
        gpus_used=used,
        per_gpu_bytes=[int(x) for x in result["per_gpu"]],
        cpu_bytes=cpu_bytes,
        needs_bytes=needs,
        has_bytes=has,
        notes=notes,
    )


def max_full_gpu_context(
    model_info: Mapping[str, Any] | ModelFacts,
    tensors: Iterable[Any] | None,
    hardware: Hardware,
    version: str | Version | None = None,
    *,
    settings: Settings | None = None,
    parallel: int | None = None,
) -> int:
    """The largest context (per request) that still runs 100% on the GPU; 0 if none does."""
    f = model_info if isinstance(model_info, ModelFacts) else ModelFacts.from_show(model_info, tensors or [])
    if not [g for g in hardware.gpus if not g.integrated]:
        return 0
    s = settings or Settings.from_env()
    if not parallel and not s.num_parallel:
        parallel = 1
    hi = f.context_length or 131072

    def ok(c: int) -> bool:
        e = estimate(f, None, hardware, c, version, settings=s, parallel=parallel)
        # the server may raise a small context (vision models need 2048) but must not cap it
        return e.verdict == VERDICT_GPU and e.context >= c

    lo = 256 if f.context_length == 0 or f.context_length >= 256 else f.context_length
    if not ok(lo):
        return 0
    if ok(hi):
        return hi
    # binary search on multiples of 256 (contexts people set are round numbers anyway)
    lo_k, hi_k = lo // 256, hi // 256
    while hi_k - lo_k > 1:
        mid = (lo_k + hi_k) // 2
        if ok(mid * 256):
            lo_k = mid
        else:
            hi_k = mid
    return lo_k * 256


def naive_bytes(facts: ModelFacts, bits: float | None = None) -> int:
    """What the popular rule says: parameters x bits / 8 + 0.5 GB."""
    b = bits if bits is not None else facts.weights_bits_estimate()
    return int(facts.parameter_count * b / 8 + 0.5e9)


__all__ = [
    "Estimate",
    "Settings",
    "estimate",
    "max_full_gpu_context",
    "naive_bytes",
    "plan_context",
    "VERDICT_GPU",
    "VERDICT_PARTIAL",
    "VERDICT_CPU",
    "VERDICT_NO",
    "GIB",
]
