"""Creating a model in Ollama from an exported GGUF, over real HTTP against the 127.0.0.1 stand-in."""

from __future__ import annotations

import hashlib

import pytest

from tests.servers.ollama_server import OllamaStub
from tutor.chat.backends import BackendUnreachable
from tutor.chat.create import BlobRejected, CreateFailed, CreateNotSupported, create_model, file_digest, plain
from tutor.engine.export import ModelfileSpec

SPEC = ModelfileSpec("./tiny.gguf", "{{ .Prompt }}", {"num_ctx": 128, "stop": ["<|endoftext|>"], "temperature": 0.8, "top_k": 40})


@pytest.fixture
def weights(tmp_path):
    path = tmp_path / "tiny.gguf"
    path.write_bytes(b"GGUF" + bytes(range(256)) * 9000)  # ~2.3 MB: several upload chunks
    return path


@pytest.fixture
def stub():
    with OllamaStub() as s:
        yield s


def test_upload_then_create_installs_a_completion_model(stub, weights):
    steps = list(create_model("tutor-course", weights, SPEC, host=stub.url))
    digest = "sha256:" + hashlib.sha256(weights.read_bytes()).hexdigest()
    assert file_digest(weights) == digest
    assert stub.blobs[digest] == weights.read_bytes()  # the server checked the digest and kept it
    methods = [(m, p) for m, p, _ in stub.requests]
    assert methods[:3] == [("HEAD", "/api/blobs"), ("POST", "/api/blobs"), ("POST", "/api/create")]
    create = next(b for m, p, b in stub.requests if p == "/api/create")
    assert create["files"] == {"tiny.gguf": digest}
    assert create["template"] == "{{ .Prompt }}"
    assert create["parameters"] == {"num_ctx": 128, "stop": ["<|endoftext|>"], "temperature": 0.8, "top_k": 40}
    uploads = [s for s in steps if s.stage == "upload"]
    assert uploads[0].completed == 0 and uploads[-1].completed == uploads[-1].total == weights.stat().st_size
    statuses = [s.status for s in steps if s.stage == "create"]
    assert statuses[0] == "parsing GGUF" and statuses[-1] == "success"
    assert steps[-1].stage == "done"
    model = stub.models["tutor-course:latest"]
    assert model["capabilities"] == ["completion"] and model["details"]["family"] == "gpt2"


def test_a_blob_the_server_has_is_not_sent_again(stub, weights):
    list(create_model("a", weights, SPEC, host=stub.url))
    stub.requests.clear()
    steps = list(create_model("b", weights, SPEC, host=stub.url))
    assert [(m, p) for m, p, _ in stub.requests] == [("HEAD", "/api/blobs"), ("POST", "/api/create")]
    assert steps[0].reused and steps[-1].stage == "done"


def test_a_digest_mismatch_is_a_clear_error(stub, weights):
    # The server computes the digest of what arrived; a file that changes under the upload fails.
    from tutor.chat import create as create_module

    real = create_module.file_digest
    create_module.file_digest = lambda path: "sha256:" + "0" * 64
    try:
        with pytest.raises(BlobRejected, match="digest mismatch"):
            list(create_model("x", weights, SPEC, host=stub.url))
    finally:
        create_module.file_digest = real
    assert not stub.blobs and "x:latest" not in stub.models


def test_an_error_midway_says_what_the_server_said(stub, weights):
    stub.create_mode = "error_midway"
    seen = []
    with pytest.raises(CreateFailed) as info:
        for step in create_model("tutor-course", weights, SPEC, host=stub.url):
            seen.append(step.status)
    assert "parsing GGUF" in seen
    assert "unsupported architecture" in info.value.text("en")
    assert "tutor-course" in info.value.text("es")
    assert "tutor-course:latest" not in stub.models


def test_a_server_too_old_for_files_is_told_so(stub, weights):
    stub.version = "0.5.1"
    stub.create_mode = "old_server"
    with pytest.raises(CreateNotSupported) as info:
        list(create_model("tutor-course", weights, SPEC, host=stub.url, modelfile_path="/data/course.Modelfile"))
    text = info.value.text("en")
    assert "0.5.5" in text and "ollama create tutor-course -f /data/course.Modelfile" in text
    assert "0.5.5" in info.value.text("es")


def test_no_server_is_unreachable_not_a_traceback(weights):
    with OllamaStub() as s:
        url = s.url
    with pytest.raises(BackendUnreachable):
        list(create_model("x", weights, SPEC, host=url))


def test_server_text_is_cleaned():
    assert plain("bad\x1b[31m red\x07 \n line") == "bad red line"  # the escape sequence goes whole
    assert len(plain("x" * 1000, 50)) == 50
