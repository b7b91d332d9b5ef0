"""Sizes, hosts, GPU specs and Ollama's version rules."""

from __future__ import annotations

import pytest

from tutor.fit.hardware import SpecError, parse_gpu_spec
from tutor.fit.ollama_api import parse_host
from tutor.fit.units import (
    GIB,
    MIB,
    SizeError,
    human_bytes,
    human_bytes2,
    parse_size,
    processor_split,
)
from tutor.fit.versions import (
    default_context,
    measures_memory,
    parse_version,
    rules_for,
)


@pytest.mark.parametrize("text,n", [
    ("24GiB", 24 * GIB), ("10.67GiB", int(10.67 * GIB)), ("8GB", 8 * 10**9), ("512 MiB", 512 * MIB),
    ("1024", 1024), ("2g", 2 * 10**9), ("1.5tib", int(1.5 * 1024**4)),
])
def test_parse_size(text, n):
    assert parse_size(text) == n


@pytest.mark.parametrize("text", ["", "lots", "-3GiB", "0", "12 parsecs", "GiB"])
def test_parse_size_rejects(text):
    with pytest.raises(SizeError):
        parse_size(text)


def test_human_bytes_like_ollama():
    assert human_bytes(5137025024) == "5.1 GB"
    assert human_bytes(42 * 10**9 + 7) == "42 GB"
    assert human_bytes(2 * 10**9) == "2 GB"
    assert human_bytes2(int(6.2 * GIB)) == "6.2 GiB"
    assert human_bytes2(int(560 * MIB)) == "560.0 MiB"


def test_processor_split_like_ollama_ps():
    assert processor_split(100, 100) == "100% GPU"
    assert processor_split(100, 0) == "100% CPU"
    assert processor_split(100, 52) == "48%/52% CPU/GPU"
    assert processor_split(200, 101) == "50%/50% CPU/GPU"  # 49.5 rounds half away from zero


@pytest.mark.parametrize("value,url", [
    ("", "http://127.0.0.1:11434"),
    ("0.0.0.0", "http://127.0.0.1:11434"),
    ("0.0.0.0:8080", "http://127.0.0.1:8080"),
    ("[::]:11434", "http://[::1]:11434"),
    ("localhost", "http://localhost:11434"),
    ("example.com:1234", "http://example.com:1234"),
    ("https://example.com", "https://example.com:443"),
    ("http://example.com", "http://example.com:80"),
    ("http://10.0.0.2:11434/ollama", "http://10.0.0.2:11434/ollama"),
    ("127.0.0.1:99999", "http://127.0.0.1:11434"),
])
def test_parse_host_like_ollama(value, url):
    assert parse_host(value) == url


def test_parse_host_reads_env(monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", "0.0.0.0:9999")
    assert parse_host() == "http://127.0.0.1:9999"
    monkeypatch.delenv("OLLAMA_HOST")
    assert parse_host() == "http://127.0.0.1:11434"


def test_gpu_spec():
    gpus = parse_gpu_spec("cuda:24GiB,cuda:12GiB")
    assert [g.usable_bytes for g in gpus] == [24 * GIB, 12 * GIB]
    assert parse_gpu_spec("none") == []
    assert parse_gpu_spec("metal:10.67GiB")[0].minimum_bytes == 512 * MIB
    for bad in ("tpu:8GB", "cuda", "cuda:big", "metal:8GiB,metal:8GiB", ""):
        with pytest.raises(SpecError):
            parse_gpu_spec(bad)


def test_versions_and_their_rules():
    assert parse_version("0.12.11-rc1") == (0, 12, 11)
    assert parse_version("v0.3.0") == (0, 3, 0)
    assert parse_version("garbage") is None
    assert rules_for(parse_version("0.1.41")).regime == "sum"
    assert rules_for(parse_version("0.6.8")).regime == "legacy"
    assert rules_for(parse_version("0.12.11")).regime == "layout"
    assert rules_for(parse_version("0.30.0")).regime == "measured"
    # default context: 2048 -> 4096 at 0.6.7 -> VRAM tiers at 0.15.5
    assert rules_for((0, 6, 6)).default_ctx == 2048
    assert rules_for((0, 6, 7)).default_ctx == 4096
    r = rules_for((0, 15, 5))
    assert default_context(r, 8 * GIB) == 4096
    assert default_context(r, 24 * GIB) == 32768
    assert default_context(r, 80 * GIB) == 262144
    # parallel: 1, then auto 4, auto 2, then 1
    assert [rules_for(v).parallel_auto for v in ((0, 1, 41), (0, 3, 0), (0, 7, 0), (0, 9, 7))] == [1, 4, 2, 1]
    # who measures instead of estimating
    assert not measures_memory("gemma3", (0, 11, 6))
    assert measures_memory("gemma3", (0, 11, 6), new_estimates_env=True)
    assert measures_memory("gemma3", (0, 11, 11))
    assert not measures_memory("llama", (0, 20, 0))
    assert measures_memory("llama", (0, 30, 0))
