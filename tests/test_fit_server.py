"""The reusable fake Ollama (tests/servers/ollama_server.py) and our HTTP client against it."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers.ollama_server import OllamaStub  # noqa: E402

from tutor.fit.ollama_api import OllamaAPI, OllamaUnavailable  # noqa: E402

MODEL = {
    "model_info": {"general.architecture": "llama", "llama.block_count": 1,
                   "tokenizer.ggml.tokens": [str(i) for i in range(2000)]},
    "tensors": [{"name": "blk.0.attn_q.weight", "type": "Q4_K", "shape": [256, 256]}],
    "parameters": "num_ctx                        8192\nstop                           \"<|eot_id|>\"",
    "details": {"family": "llama"},
    "size": 123,
}


def test_endpoints():
    with OllamaStub(models={"tiny:1b": MODEL}, version="0.9.0",
                    running=[{"name": "tiny:1b", "size": 10, "size_vram": 10}]) as stub:
        api = OllamaAPI(stub.url)
        assert api.version() == "0.9.0"
        assert [m["name"] for m in api.tags()] == ["tiny:1b"]
        assert api.ps()[0]["size_vram"] == 10
        sh = api.show("tiny:1b")
        assert sh.tensors[0]["type"] == "Q4_K" and sh.num_ctx == 8192
        assert len(sh.model_info["tokenizer.ggml.tokens"]) == 2000
        # without verbose Ollama leaves out the tensors and nulls big arrays
        plain = httpx.post(stub.url + "/api/show", json={"model": "tiny:1b"}).json()
        assert "tensors" not in plain and plain["model_info"]["tokenizer.ggml.tokens"] is None
        with pytest.raises(OllamaUnavailable, match="not found"):
            api.show("missing:7b")


def test_streaming_route_for_other_features():
    def chat(stub, body):
        return 200, iter([{"message": {"content": w}, "done": False} for w in ("hel", "lo")] + [{"done": True}])

    with OllamaStub() as stub:
        stub.route("POST", "/api/chat", chat)
        with httpx.stream("POST", stub.url + "/api/chat", json={"model": "x"}) as r:
            lines = [line for line in r.iter_lines() if line]
    assert len(lines) == 3 and '"done": true' in lines[-1]


def test_unreachable_and_not_ollama():
    stub = OllamaStub().start()
    url = stub.url
    stub.stop()
    with pytest.raises(OllamaUnavailable, match="nothing answers"):
        OllamaAPI(url).version()
    with OllamaStub() as other:
        other.route("GET", "/api/version", lambda s, b: (200, "hello"))
        with pytest.raises(OllamaUnavailable):
            OllamaAPI(other.url).version()
