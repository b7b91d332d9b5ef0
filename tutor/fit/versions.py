"""Which of Ollama's memory rules apply to which server version.

Every switch here was read in Ollama's own history (tags of github.com/ollama/ollama); the commit
that changed the rule is named beside it so a reader can check. See docs/FIT.md for the story.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The newest version whose rules we studied. An unknown/newer server gets these rules.
LATEST_KNOWN = (0, 33, 0)

Version = tuple[int, int, int]


def parse_version(text: str | None) -> Version | None:
    """'0.6.8' -> (0, 6, 8); '0.12.11-rc1' -> (0, 12, 11); 'v0.3.0' -> (0, 3, 0); junk -> None."""
    if not text:
        return None
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", str(text))
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def version_str(v: Version | None) -> str:
    return "unknown" if v is None else ".".join(str(x) for x in v)


# Architectures that Ollama runs on its own Go engine ("ollama engine"), with the first version
# that forces it (fs/ggml/ggml.go OllamaEngineRequired). Before 0.11.11 these still used the same
# upfront estimate as every other model; from 0.11.11 (eb10390de "Enable new memory estimates by
# default") the runner measures what it allocates instead.
OLLAMA_ENGINE_ARCHS: dict[str, Version] = {
    "gemma3": (0, 6, 0),
    "mistral3": (0, 7, 0),
    "llama4": (0, 7, 0),
    "mllama": (0, 7, 0),
    "qwen25vl": (0, 7, 0),
    "gemma3n": (0, 9, 3),
    "gptoss": (0, 11, 0),
    "gpt-oss": (0, 11, 0),
    "qwen3": (0, 12, 7),
    "qwen3moe": (0, 12, 7),
    "qwen3vl": (0, 12, 7),
    "qwen3vlmoe": (0, 12, 7),
    "deepseek2": (0, 13, 0),
    "deepseekocr": (0, 13, 0),
    "bert": (0, 15, 0),
    "nomic-bert": (0, 15, 0),
    "olmo3": (0, 15, 0),
    "glm4moelite": (0, 15, 0),
    "lfm2": (0, 15, 0),
    "gemma4": (0, 20, 0),
    "qwen35": (0, 20, 0),
    "qwen35moe": (0, 20, 0),
    "qwen3next": (0, 20, 0),
    "nemotron_h": (0, 20, 0),
    "nemotron_h_moe": (0, 20, 0),
    "lfm2moe": (0, 20, 0),
}

# Architectures whose flash attention Ollama turns on by default (ggml.go FlashAttention()).
FLASH_ATTENTION_DEFAULT_ARCHS = {"gemma3", "gptoss", "gpt-oss", "qwen3", "qwen3moe", "qwen3vl", "qwen3vlmoe"}


@dataclass(frozen=True)
class Rules:
    """The rules one server version follows. `regime` names how `size` in /api/ps is produced:

    - "sum"     (< 0.1.45): one running sum in llm/memory.go, graph times the GPU count.
    - "legacy"  (0.1.45 .. 0.12.10, and Ollama-engine models before 0.11.11): memory.go's
                per-GPU estimate with a one-layer buffer, the GPU minimum and the graph.
    - "layout"  (llama-engine models from 0.12.11): the same estimate of the parts, but laid out by
                the new layout code: no buffer layer and no GPU minimum in the reported size.
    - "measured" (Ollama-engine models from 0.11.11; every model from 0.30.0 on llama-server): the
                runner measures its allocations. We can only approximate these: see FIT.md.
    """

    version: Version
    regime: str
    default_ctx: int | None  # None: tiered by total VRAM (0.15.5+)
    parallel_auto: int  # parallel tried first when OLLAMA_NUM_PARALLEL is unset (1 = fixed)
    cpu_parallel: int  # what the CPU path uses when unset
    caps_train_ctx: bool
    cpu_as_device: bool  # before 0.12.4 the CPU is a pseudo-GPU that gets buffer + graph
    buffer_includes_kv: bool
    gptoss_min_ctx: bool  # 0.11.1 .. 0.15.4: gpt-oss/qwen3vl get at least 8192 unless low VRAM
    low_vram_threshold: int  # bytes of total VRAM below which gptoss_min_ctx does not apply
    llama_server: bool  # 0.30.0+: llama.cpp's llama-server runs every GGUF model
    legacy_forward: bool  # before 0.7.1 (a2cc8571c): layers placed first-to-last, the layers that
    #                       do not fit are all counted at the size of the *last* block, and a
    #                       vision tower is budgeted with the GPU minimum instead of the output

    @property
    def label(self) -> str:
        return f"Ollama {version_str(self.version)} ({self.regime} rules)"


def rules_for(version: Version | None) -> Rules:
    v = version or LATEST_KNOWN
    if v < (0, 1, 45):
        regime = "sum"
    elif v < (0, 12, 11):
        regime = "legacy"
    else:
        regime = "layout"
    if v >= (0, 30, 0):
        regime = "measured"
    # default context: 2048 until 0.6.7 (44b466eeb), 4096 until 0.15.5 (0334ffa62), then VRAM tiers
    if v < (0, 6, 7):
        default_ctx: int | None = 2048
    elif v < (0, 15, 5):
        default_ctx = 4096
    else:
        default_ctx = None
    # parallel: 1 before concurrency (0.2.0, 17b7186cd); auto 4-then-1 until 0.6.7 (fe5b9bb21),
    # auto 2-then-1 until 0.9.7 (20c3266e9), then 1
    if v < (0, 2, 0):
        auto, cpu_par = 1, 1
    elif v < (0, 6, 7):
        auto, cpu_par = 4, 4
    elif v < (0, 9, 7):
        auto, cpu_par = 2, 2
    else:
        auto, cpu_par = 1, 1
    return Rules(
        version=v,
        regime=regime,
        default_ctx=default_ctx,
        parallel_auto=auto,
        cpu_parallel=cpu_par,
        caps_train_ctx=v >= (0, 9, 3),  # 10a8e04a8 "avoid context overflow"
        cpu_as_device=v < (0, 12, 4),  # bc8909fb3 "Use runners for GPU discovery"
        buffer_includes_kv=v >= (0, 1, 45),
        gptoss_min_ctx=(0, 11, 1) <= v < (0, 15, 5),
        low_vram_threshold=(20 * 1024**3) if v >= (0, 11, 4) else 0,
        llama_server=v >= (0, 30, 0),
        legacy_forward=v < (0, 7, 1),
    )


def uses_ollama_engine(arch: str, version: Version | None, new_engine_env: bool = False) -> bool:
    v = version or LATEST_KNOWN
    if v >= (0, 30, 0):
        return False  # llama-server runs every GGUF model
    first = OLLAMA_ENGINE_ARCHS.get(arch)
    return (first is not None and v >= first) or (new_engine_env and v >= (0, 7, 0))


def measures_memory(arch: str, version: Version | None, new_estimates_env: bool = False,
                    new_engine_env: bool = False) -> bool:
    """True when the server measures instead of estimating for this model."""
    v = version or LATEST_KNOWN
    if v >= (0, 30, 0):
        return True
    if not uses_ollama_engine(arch, v, new_engine_env):
        return False
    return v >= (0, 11, 11) or (v >= (0, 11, 5) and new_estimates_env)


def default_context(rules: Rules, total_vram: int) -> int:
    """The context a request gets when nobody set one."""
    if rules.default_ctx is not None:
        return rules.default_ctx
    gib = 1024**3
    if total_vram >= 47 * gib:
        return 262144
    if total_vram >= 23 * gib:
        return 32768
    return 4096
