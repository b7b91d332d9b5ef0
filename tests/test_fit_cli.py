"""`tutor fit` through its own argparse parser (the lead wires it into tutor/cli.py)."""

from __future__ import annotations

import argparse
import io
import json
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fit_cases import load_cases  # noqa: E402
from servers.ollama_server import OllamaStub  # noqa: E402

from tutor.fit import cli  # noqa: E402


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tutor")
    sub = p.add_subparsers(dest="command")
    cli.register(sub)
    return p


def run(*argv: str) -> tuple[int, str, str]:
    args = parser().parse_args(["fit", *argv])
    out, err = io.StringIO(), io.StringIO()
    rc = args.func(args, out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture
def dead_host() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return f"http://127.0.0.1:{port}"


@pytest.fixture(autouse=True)
def quiet_env(monkeypatch):
    for k in ("OLLAMA_CONTEXT_LENGTH", "OLLAMA_NUM_PARALLEL", "OLLAMA_KV_CACHE_TYPE", "OLLAMA_FLASH_ATTENTION"):
        monkeypatch.delenv(k, raising=False)


def test_json_shape_without_ollama(dead_host):
    rc, out, err = run("--json", "--host", dead_host, "--gpu", "none", "--ram", "16GiB")
    assert rc == 0 and err == ""
    doc = json.loads(out)
    assert set(doc) == {"hardware", "ollama", "models", "recommendations"}
    assert doc["ollama"]["reachable"] is False and "nothing answers" in doc["ollama"]["reason"]
    assert doc["ollama"]["host"] == dead_host
    assert doc["models"] == []
    rec = doc["recommendations"]
    assert len(rec) >= 15
    first = rec[0]
    for key in ("model", "file_bytes", "context", "parallel", "estimate", "verdict", "gpu_layers",
                "total_layers", "max_full_gpu_context"):
        assert key in first
    assert set(first["estimate"]) == {"total_bytes", "vram_bytes", "weights_bytes", "kv_bytes", "graph_bytes",
                                      "overhead_bytes"}
    assert {m["verdict"] for m in rec} <= {"cpu", "will_not_load"}
    assert any(m["verdict"] == "will_not_load" for m in rec)  # 16 GiB cannot hold qwen3:32b


def test_table_says_why_no_models(dead_host):
    rc, out, _ = run("--host", dead_host, "--gpu", "cuda:24GiB", "--ram", "64GiB")
    assert rc == 0
    assert "not reachable" in out and "installed models are not listed" in out
    assert "fits on GPU" in out and "(what-if)" in out


def test_bad_values_exit_2(dead_host):
    for argv in (["--gpu", "tpu:8GB"], ["--gpu", "cuda:lots"], ["--ram=-1GB"], ["--ctx", "zero"],
                 ["--model", "no-such-model:1b"]):
        rc, out, err = run("--host", dead_host, *argv)
        assert rc == 2 and out == "" and err.startswith("tutor fit: "), argv


def test_against_fake_ollama_with_real_model_data():
    case = next(c for c in load_cases() if c["id"] == "llama3-8b-q4_0-issue-7622")
    m = case["model"]
    with OllamaStub(models={m["name"]: {"model_info": m["model_info"], "tensors": m["tensors"],
                                        "details": m["details"], "size": 4_661_211_808}},
                    version="0.4.1") as stub:
        url = stub.url
        rc, out, _ = run("--json", "--host", stub.url, "--gpu", "cuda:20GiB", "--ram", "50GiB")
        rc2, table, _ = run("--host", stub.url, "--gpu", "cuda:20GiB", "--ram", "50GiB", "--model", "llama3:8b")
    assert rc == 0 and rc2 == 0
    doc = json.loads(out)
    assert doc["ollama"] == {"host": url, "reachable": True, "version": "0.4.1", "rules_version": "0.4.1"}
    (model,) = doc["models"]
    assert model["model"] == "llama3:8b" and model["installed"] and model["verdict"] == "gpu"
    assert round(model["estimate"]["total_bytes"] / 1024**3, 1) == 6.2  # the log's memory.required.full
    assert model["max_full_gpu_context"] == 8192  # Llama 3 was trained on 8192: it all fits
    assert "llama3:8b" in table and "Ollama 0.4.1" in table and "100% GPU" in table


def test_model_from_catalogue_when_not_installed(dead_host):
    rc, out, _ = run("--json", "--host", dead_host, "--model", "llama3.2:3b", "--gpu", "cuda:4GiB", "--ram", "8GiB")
    doc = json.loads(out)
    (m,) = doc["models"]
    assert rc == 0 and m["installed"] is False and m["source"].startswith("https://huggingface.co/")
    assert doc["recommendations"] == []
