"""The published cases: real `ollama ps` / `/api/ps` / server-log figures, served by a fake Ollama
on 127.0.0.1 with the model's model_info and tensor list, estimated by tutor and compared."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fit_cases import load_cases  # noqa: E402
from servers.ollama_server import OllamaStub  # noqa: E402

from tutor.fit.estimate import Settings, estimate  # noqa: E402
from tutor.fit.hardware import GPU, Hardware  # noqa: E402
from tutor.fit.report import fit_report  # noqa: E402

CASES = load_cases()
IDS = [c["id"] for c in CASES]


def hardware_of(case: dict) -> Hardware:
    h = dict(case["hardware"])
    gpus = [GPU(**g) for g in h.pop("gpus", [])]
    return Hardware(**h, gpus=gpus)


def test_there_are_enough_published_cases():
    assert len(CASES) >= 5
    assert sum(1 for c in CASES if c["expect"].get("exact", True)) >= 5


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_published_case_through_fake_ollama(case):
    m = case["model"]
    stub = OllamaStub(models={m["name"]: {"model_info": m["model_info"], "tensors": m["tensors"],
                                          "projector_info": m.get("projector_info"),
                                          "details": m["details"], "size": 1}},
                      version=case["ollama_version"])
    with stub:
        report = fit_report(host=stub.url, ctx=case["request_ctx"], model=m["name"],
                            hardware=hardware_of(case), settings=Settings())
    assert report["ollama"]["reachable"] and report["ollama"]["version"] == case["ollama_version"]
    (got,) = report["models"]
    est = got["estimate"]
    exp = case["expect"]
    lo, hi = exp["total_bytes"]
    assert lo <= est["total_bytes"] <= hi, (est["total_bytes"], lo, hi)
    if "vram_bytes" in exp:
        lo, hi = exp["vram_bytes"]
        assert lo <= est["vram_bytes"] <= hi
    if "kv_bytes" in exp:
        lo, hi = exp["kv_bytes"]
        assert lo <= est["kv_bytes"] <= hi
    for key in ("verdict", "parallel", "context", "gpu_layers"):
        if key in exp:
            assert got[key] == exp[key], key
    assert got["exact"] == exp.get("exact", True)
    # the verbose /api/show request is what carried the tensors
    assert any(r[1] == "/api/show" and r[2].get("verbose") for r in stub.requests)


def test_exact_byte_cases():
    """The two /api/ps figures published in bytes: docs example exact, gemma3 within 1 MiB."""
    by_id = {c["id"]: c for c in CASES}
    for cid, tolerance in (("mistral-docs-api-ps", 0), ("gemma3-4b-api-ps", 1024**2)):
        c = by_id[cid]
        m = c["model"]
        e = estimate(m["model_info"], m["tensors"], hardware_of(c), c["request_ctx"], c["ollama_version"],
                     settings=Settings())
        assert abs(e.total_bytes - c["published"]["size"]) <= tolerance
        assert e.vram_bytes == e.total_bytes


def test_measured_case_errs_on_the_safe_side():
    c = next(c for c in CASES if not c["expect"].get("exact", True))
    m = c["model"]
    e = estimate(m["model_info"], m["tensors"], hardware_of(c), c["request_ctx"], c["ollama_version"],
                 settings=Settings())
    assert e.total_bytes >= 9.4e9  # `ollama ps` said 9.4 GB: never below
    assert e.margin_bytes > 0 and not e.exact


def test_separate_projector_is_counted():
    """llava:7b keeps its CLIP projector in a second file that /api/show describes only by
    projector_info. Without it the estimate was 5,558,069,248 bytes, 10% under the 6,182,481,920
    Ollama reported: a fit check must never err that way. With it, the gap closes exactly."""
    from tutor.fit.model import ModelFacts

    c = next(c for c in CASES if c["id"] == "llava-7b-projector-metal")
    m = c["model"]
    hw = hardware_of(c)
    without = estimate(m["model_info"], m["tensors"], hw, None, c["ollama_version"], settings=Settings())
    facts = ModelFacts.from_show(m["model_info"], m["tensors"], m["projector_info"])
    assert facts.projector_bytes() == 624_412_672
    with_projector = estimate(facts, None, hw, None, c["ollama_version"], settings=Settings())
    assert without.total_bytes == 5_558_069_248
    assert with_projector.total_bytes == c["published"]["size"] == 6_182_481_920
    assert with_projector.weights_bytes - without.weights_bytes == 624_412_672
    assert any("projector" in n for n in with_projector.notes)
    # the newer layout rules (0.12.11+) and the measured ones count it too, on the first GPU
    for version in ("0.13.0", "0.30.0"):
        a = estimate(m["model_info"], m["tensors"], hw, None, version, settings=Settings())
        b = estimate(facts, None, hw, None, version, settings=Settings())
        assert b.total_bytes - a.total_bytes == 624_412_672
        assert b.per_gpu_bytes[0] - a.per_gpu_bytes[0] == 624_412_672
    # a CPU-only machine carries it in system memory
    cpu = Hardware(os="linux", ram_total=32 * 1024**3, ram_available=30 * 1024**3)
    a = estimate(m["model_info"], m["tensors"], cpu, None, "0.12.5", settings=Settings())
    b = estimate(facts, None, cpu, None, "0.12.5", settings=Settings())
    assert b.total_bytes - a.total_bytes == 624_412_672 and b.verdict == a.verdict


def test_projector_without_a_known_layout_is_never_counted_low():
    """Keys that do not describe llava's CLIP: every parameter at the file type's size, plus 1%."""
    from tutor.fit.model import ModelFacts

    c = next(c for c in CASES if c["id"] == "llava-7b-projector-metal")
    m = c["model"]
    odd = {"general.architecture": "clip", "general.file_type": 1, "general.parameter_count": 400_000_000}
    f = ModelFacts.from_show(m["model_info"], m["tensors"], odd)
    assert f.projector_bytes() == 808_000_000
    # the llava keys with a parameter count that does not match the rebuilt layout: the fallback
    f = ModelFacts.from_show(m["model_info"], m["tensors"], {**m["projector_info"], "general.parameter_count": 311_900_000})
    assert f.projector_bytes() >= 624_412_672
    assert ModelFacts.from_show(m["model_info"], m["tensors"], {}).projector_bytes() == 0
    assert ModelFacts.from_show(m["model_info"], m["tensors"], {"general.parameter_count": "junk"}).projector_bytes() == 0
