"""The estimator's rules, one at a time, on rebuilt models."""

from __future__ import annotations

import pytest

from tutor.fit.catalogue import entry
from tutor.fit.estimate import (
    VERDICT_CPU,
    VERDICT_GPU,
    VERDICT_NO,
    VERDICT_PARTIAL,
    Settings,
    estimate,
    max_full_gpu_context,
    naive_bytes,
)
from tutor.fit.graph import graph_size
from tutor.fit.hardware import GPU, Hardware
from tutor.fit.model import ModelDataError, ModelFacts, Tensor, layer_key
from tutor.fit.synth import Arch, build_tensors
from tutor.fit.units import GIB, MIB
from tutor.fit.versions import rules_for

LLAMA8 = Arch("llama", 32, 4096, 32, 8, 128, 14336, 128256, 131072, rope_freqs=True)


def facts(arch: Arch = LLAMA8, quant: str = "Q4_K_M") -> ModelFacts:
    return ModelFacts.from_show(arch.model_info(), build_tensors(arch, quant))


def gpu_box(free_gib: float, kind: str = "cuda", ram_gib: float = 32) -> Hardware:
    return Hardware(os="darwin" if kind == "metal" else "linux", ram_total=int(ram_gib * GIB),
                    ram_available=int(ram_gib * GIB), swap_free=0,
                    gpus=[GPU(kind, "test", int(free_gib * GIB), int(free_gib * GIB), compute="8.6")])


def cpu_box(ram_gib: float) -> Hardware:
    return Hardware(os="linux", ram_total=int(ram_gib * GIB), ram_available=int(ram_gib * GIB), swap_free=0)


S = Settings()


def test_tensor_sizes_and_grouping():
    assert Tensor("x", "Q4_K", (4096, 4096)).nbytes == 4096 * 4096 * 144 // 256
    assert Tensor("x", "Q4_0", (4096, 32)).nbytes == 4096 * 18
    assert Tensor("x", "MXFP4", (64,)).nbytes == 34
    assert layer_key("blk.3.attn_q.weight") == ("blk.3", "attn_q.weight")
    assert layer_key("v.blk.0.attn_q.weight") == ("v.blk.0", "attn_q.weight")
    assert layer_key("output.weight") == ("output", "weight")
    with pytest.raises(ModelDataError):
        ModelFacts.from_show({}, [])
    with pytest.raises(ModelDataError):
        ModelFacts.from_show({"general.architecture": "llama"}, [{"name": "a", "type": "Q9_X", "shape": [1]}])


def test_q4_k_m_rebuild_matches_llama_cpp_counts():
    f = facts()
    kinds = [t.type for t in f.tensors if len(t.shape) == 2]
    assert kinds.count("Q6_K") == 33 and kinds.count("Q4_K") == 193  # llama.cpp's counts for Llama 3.1 8B


def test_llama_graph_matches_the_issue_7622_log():
    f = facts(Arch("llama", 32, 4096, 32, 8, 128, 14336, 128256, 8192), "Q4_0")
    g = graph_size(f, 8192, 512, 4, "f16", rules_for((0, 4, 1)))
    assert round(g.full / MIB, 1) == 560.0
    assert round(g.partial / MIB, 1) == 677.5
    assert sum(g.kv) == GIB


def test_gemma3_sliding_window_cache():
    a = Arch("gemma3", 48, 3840, 16, 8, 256, 15360, 262144, 131072, tied=True, qk_norm=True, post_norms=True,
             sliding_window=1024)
    g = graph_size(facts(a), 8192, 512, 1, "f16", rules_for((0, 11, 6)))
    assert sum(g.kv) == 992 * MIB  # 8 global layers at 8192, 40 sliding at 1024 + 512
    old = graph_size(facts(a), 8192, 512, 1, "f16", rules_for((0, 6, 0)))
    assert sum(old.kv) == 48 * 8192 * 512 * 8 * 2  # before 0.6.3 every layer was counted in full


def test_kv_cache_quantization_needs_flash_attention():
    f = facts()
    hw = gpu_box(24)
    plain = estimate(f, None, hw, 8192, "0.12.10", settings=Settings(kv_cache_type="q8_0"))
    fa = estimate(f, None, hw, 8192, "0.12.10", settings=Settings(kv_cache_type="q8_0", flash_attention=True))
    assert plain.kv_cache_type == "f16" and fa.kv_cache_type == "q8_0"
    assert fa.kv_bytes * 2 == plain.kv_bytes
    assert any("ignored" in n for n in plain.notes)


def test_context_precedence_and_caps():
    f = facts()
    hw = gpu_box(24)
    assert estimate(f, None, hw, None, "0.6.6", settings=S).context == 2048
    assert estimate(f, None, hw, None, "0.6.7", settings=S).context == 4096
    assert estimate(f, None, hw, None, "0.16.0", settings=S).context == 32768  # 24 GiB tier
    assert estimate(f, None, gpu_box(12), None, "0.16.0", settings=S).context == 4096
    env = Settings(context_length=16384)
    assert estimate(f, None, hw, None, "0.9.0", settings=env).context == 16384
    assert estimate(f, None, hw, None, "0.9.0", settings=env, modelfile_ctx=6000).context == 6000
    assert estimate(f, None, hw, 3000, "0.9.0", settings=env, modelfile_ctx=6000).context == 3000
    # capped at the trained context from 0.9.3 on
    assert estimate(f, None, hw, 10**6, "0.9.3", settings=S).context == 131072
    assert estimate(f, None, hw, 10**6, "0.9.2", settings=S).context == 10**6


def test_parallel_defaults():
    f = facts(Arch("llama", 16, 2048, 32, 8, 64, 8192, 128256, 131072, tied=True), "Q8_0")
    big, cpu = gpu_box(24), cpu_box(32)
    assert estimate(f, None, big, None, "0.5.0", settings=S).parallel == 4
    assert estimate(f, None, big, None, "0.7.0", settings=S).parallel == 2
    assert estimate(f, None, big, None, "0.10.0", settings=S).parallel == 1
    assert estimate(f, None, cpu, None, "0.5.0", settings=S).parallel == 4
    assert estimate(f, None, big, None, "0.10.0", settings=Settings(num_parallel=3)).parallel == 3
    # a model that fits only with one request falls back to 1 (auto mode)
    e = estimate(facts(), None, gpu_box(6.4), None, "0.5.0", settings=S)
    assert e.parallel == 1


def test_verdicts():
    f = facts()
    assert estimate(f, None, gpu_box(24), 4096, "0.12.11", settings=S).verdict == VERDICT_GPU
    part = estimate(f, None, gpu_box(3), 4096, "0.12.11", settings=S)
    assert part.verdict == VERDICT_PARTIAL and 0 < part.gpu_layers < part.total_layers
    assert part.processor.endswith("CPU/GPU")
    assert estimate(f, None, cpu_box(32), 4096, "0.12.11", settings=S).verdict == VERDICT_CPU
    no = estimate(f, None, cpu_box(2), 4096, "0.12.11", settings=S)
    assert no.verdict == VERDICT_NO and no.needs_bytes > no.has_bytes
    assert "needs" in no.verdict_text and "has" in no.verdict_text
    # a tiny GPU that takes no layer: CPU, and still a will-not-load check on RAM
    tiny = estimate(f, None, Hardware(os="linux", ram_total=GIB, ram_available=GIB, swap_free=0,
                                      gpus=[GPU("cuda", "t", GIB, GIB, compute="8.6")]), 4096, "0.6.0", settings=S)
    assert tiny.verdict == VERDICT_NO and tiny.gpu_layers == 0


def test_layout_reports_no_buffer_and_no_minimum():
    f = facts()
    legacy = estimate(f, None, gpu_box(24), 4096, "0.12.10", settings=S)
    layout = estimate(f, None, gpu_box(24), 4096, "0.12.11", settings=S)
    blk0 = f.block_bytes(0)
    assert legacy.total_bytes - layout.total_bytes == 457 * MIB + blk0 + layout.kv_bytes // 32
    assert layout.overhead_bytes == 0


def test_metal_refuses_more_than_total_memory():
    f = facts(Arch("qwen3", 64, 5120, 64, 8, 128, 25600, 151936, 40960, qk_norm=True))
    e = estimate(f, None, gpu_box(40, "metal", ram_gib=16), 4096, "0.12.11", settings=S)
    assert e.verdict == VERDICT_NO


def test_measured_versions_keep_a_margin():
    f = entry("gemma3:4b").facts()
    free = estimate(f, None, gpu_box(24), 4096, "0.12.11", settings=S)
    assert not free.exact and free.margin_bytes >= 256 * MIB and free.verdict == VERDICT_GPU
    # just enough for the estimate but not for the margin: never "fits"
    tight = gpu_box((free.vram_bytes + 457 * MIB + 100 * MIB) / GIB)
    e = estimate(f, None, tight, 4096, "0.12.11", settings=S)
    assert e.verdict != VERDICT_GPU


def test_max_full_gpu_context_is_the_edge():
    f = facts()
    hw = gpu_box(8)
    mx = max_full_gpu_context(f, None, hw, "0.12.11", settings=S)
    assert 4096 < mx < 131072
    assert estimate(f, None, hw, mx, "0.12.11", settings=S, parallel=1).verdict == VERDICT_GPU
    assert estimate(f, None, hw, mx + 256, "0.12.11", settings=S, parallel=1).verdict != VERDICT_GPU
    assert max_full_gpu_context(f, None, cpu_box(64), "0.12.11", settings=S) == 0


def test_multi_gpu_split():
    f = facts(Arch("qwen3", 64, 5120, 64, 8, 128, 25600, 151936, 40960, qk_norm=True))
    two = Hardware(os="linux", ram_total=64 * GIB, ram_available=64 * GIB, swap_free=0,
                   gpus=[GPU("cuda", "a", 12 * GIB, 12 * GIB, "0", "8.6"), GPU("cuda", "b", 12 * GIB, 12 * GIB, "1", "8.6")])
    for v in ("0.6.8", "0.12.11"):
        e = estimate(f, None, two, 4096, v, settings=S)
        assert e.verdict == VERDICT_GPU and len(e.gpus_used) == 2, v


def test_naive_rule_is_the_simple_one():
    f = facts()
    assert abs(naive_bytes(f, 4.5) - (f.parameter_count * 4.5 / 8 + 0.5e9)) < 2
