"""The shipped catalogue: every entry cited, rebuildable, and ranked sensibly."""

from __future__ import annotations

from tutor.fit.catalogue import load_catalogue
from tutor.fit.estimate import Settings
from tutor.fit.hardware import GPU, Hardware
from tutor.fit.report import verdict_for_catalogue
from tutor.fit.synth import file_bytes_estimate
from tutor.fit.units import GIB

WANTED = {"llama3.2:1b", "llama3.2:3b", "llama3.1:8b", "qwen3:0.6b", "qwen3:32b", "gemma3:1b", "gemma3:27b",
          "phi4-mini", "mistral:7b", "deepseek-r1:7b", "granite3.3:8b", "smollm2:135m"}


def test_entries_are_cited_and_consistent():
    cat = load_catalogue()
    names = {e.model for e in cat}
    assert WANTED <= names
    for e in cat:
        assert e.source.startswith("https://huggingface.co/") and e.source.endswith("config.json")
        assert "ollama.com/library/" in e.file_bytes_source
        assert e.checked.startswith("Architecture"), e.model  # every entry says how it was checked
        f = e.facts()
        assert f.block_count == e.arch["layers"] and f.context_length == e.arch["context"]
        # weights never below the published download (gaps are added back, never subtracted)
        assert f.total_tensor_bytes >= e.file_bytes * 0.97, e.model


def test_rebuild_agrees_with_published_size_for_llama_cpp_quantized_models():
    for e in load_catalogue():
        if e.model.startswith(("llama3", "mistral", "deepseek-r1", "phi4", "smollm2")):
            f = e.facts()
            own = [t for t in f.tensors if "unlisted" not in t.name]
            assert abs(file_bytes_estimate(own, f.vocab_size) - e.file_bytes) / e.file_bytes < 0.02, e.model


def test_ranking_on_a_24_gib_gpu():
    hw = Hardware(os="linux", ram_total=64 * GIB, ram_available=60 * GIB, swap_free=0,
                  gpus=[GPU("cuda", "24", 24 * GIB, 23 * GIB, compute="8.9")])
    recs = verdict_for_catalogue(hw, "0.12.10", ctx=4096, settings=Settings())
    verdicts = [m["verdict"] for m in recs]
    assert verdicts == sorted(verdicts, key=["gpu", "partial", "cpu", "will_not_load"].index)
    on_gpu = [m for m in recs if m["verdict"] == "gpu"]
    assert on_gpu[0]["file_bytes"] == max(m["file_bytes"] for m in on_gpu)
    assert {m["model"] for m in on_gpu} >= {"llama3.1:8b", "qwen3:14b", "gemma3:12b"}


def test_cpu_only_machine():
    hw = Hardware(os="linux", ram_total=8 * GIB, ram_available=6 * GIB, swap_free=0)
    recs = verdict_for_catalogue(hw, "0.12.10", settings=Settings())
    by = {m["model"]: m for m in recs}
    assert by["llama3.2:1b"]["verdict"] == "cpu"
    assert by["qwen3:32b"]["verdict"] == "will_not_load"
    assert by["qwen3:32b"]["needs_bytes"] > by["qwen3:32b"]["has_bytes"]
