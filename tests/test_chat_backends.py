"""The chat backends through the real clients over real HTTP: the official `ollama` client against
the fake Ollama (tests/servers/ollama_server.py), httpx against the fake OpenAI-compatible server."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers.chat_support import closed_port, hardware, install_catalogue_model  # noqa: E402
from servers.ollama_server import OllamaStub  # noqa: E402
from servers.openai_server import OpenAIServer  # noqa: E402

from tutor.chat.backends import (  # noqa: E402
    BackendUnreachable,
    CancelToken,
    ModelNotFound,
    ModelTooLarge,
    NotCompatible,
    OllamaBackend,
    OpenAIBackend,
    PullFailed,
    PullNotSupported,
    ServerError,
    Stats,
    StreamCut,
    StreamFailed,
    make_backend,
    normalize_base_url,
    resolve_ollama_host,
)
from tutor.chat.picker import best_model, fit_check  # noqa: E402

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is a token?"}]


@pytest.fixture
def stub():
    with OllamaStub(version="0.12.6") as server:
        server.add_model("llama3.2:1b")
        server.add_model("thinker:4b", capabilities=["completion", "thinking"], context_length=40960,
                         parameters="num_ctx                        8192")
        yield server


@pytest.fixture
def openai():
    with OpenAIServer() as server:
        yield server


# -- hosts ----------------------------------------------------------------------------------------


def test_host_precedence_and_zero_means_local():
    env = {"OLLAMA_HOST": "0.0.0.0:11500"}
    assert resolve_ollama_host(environ=env) == "http://127.0.0.1:11500"
    assert resolve_ollama_host(setting="gpu-box:11434", environ=env) == "http://gpu-box:11434"
    assert resolve_ollama_host("10.0.0.5", "gpu-box", environ=env) == "http://10.0.0.5:11434"
    assert resolve_ollama_host(environ={}) == "http://127.0.0.1:11434"
    assert resolve_ollama_host("https://ollama.example.com", environ={}) == "https://ollama.example.com:443"
    assert resolve_ollama_host("[::]:9000", environ={}) == "http://[::1]:9000"


def test_openai_base_url_normalised():
    assert normalize_base_url("gpu-box:52415") == "http://gpu-box:52415/v1"
    assert normalize_base_url("http://127.0.0.1:8080/v1/") == "http://127.0.0.1:8080/v1"
    assert normalize_base_url("http://0.0.0.0:1234") == "http://127.0.0.1:1234/v1"
    assert normalize_base_url("https://host/api/v1") == "https://host/api/v1"


# -- Ollama ---------------------------------------------------------------------------------------


def test_list_show_and_version(stub):
    backend = OllamaBackend(stub.host)
    assert backend.version() == "0.12.6"
    models = {m.name: m for m in backend.list_models()}
    assert models["llama3.2:1b"].size == 1_300_000_000
    assert models["llama3.2:1b"].quantization == "Q4_K_M"
    details = backend.show("thinker:4b")
    assert details.thinks and details.context_length == 40960 and details.num_ctx == 8192
    with pytest.raises(ModelNotFound) as info:
        backend.show("missing:7b")
    assert info.value.model == "missing:7b" and info.value.can_pull


def test_streaming_answer_and_stats(stub):
    backend = OllamaBackend(stub.host)
    chunks = list(backend.chat("llama3.2:1b", MESSAGES, options={"temperature": 0.2, "num_ctx": 2048}))
    assert len(chunks) > 3  # it really streamed
    assert "".join(c.content for c in chunks) == stub.reply
    last = chunks[-1]
    assert last.done and all(not c.done for c in chunks[:-1])
    stats = last.stats
    assert stats.output_tokens == len(chunks) - 1
    assert stats.tokens_per_second == pytest.approx(50.0)
    assert stats.load_seconds == pytest.approx(1.5)
    assert stats.prompt_tokens > 0 and stats.context_used == stats.prompt_tokens + stats.output_tokens
    sent = stub.chat_requests()[-1]
    assert sent["messages"] == MESSAGES and sent["options"] == {"temperature": 0.2, "num_ctx": 2048}
    assert backend.loaded_context("llama3.2:1b") == 2048  # from /api/ps
    assert Stats.from_dict(stats.to_dict()) == stats


def test_thinking_streams_apart(stub):
    backend = OllamaBackend(stub.host)
    chunks = list(backend.chat("thinker:4b", MESSAGES, think=True))
    assert "".join(c.thinking for c in chunks) == stub.thinking
    assert "".join(c.content for c in chunks) == stub.reply
    assert stub.chat_requests()[-1]["think"] is True


def test_think_refused_by_a_model_retries_without(stub):
    chunks = list(OllamaBackend(stub.host).chat("llama3.2:1b", MESSAGES, think=True))
    assert "".join(c.content for c in chunks) == stub.reply
    assert [r.get("think") for r in stub.chat_requests()] == [True, None]


def test_cancel_while_waiting_for_a_slow_first_token(stub):
    stub.chat_mode = "slow_first_token"
    token = CancelToken()
    result: list = []
    worker = threading.Thread(target=lambda: result.extend(OllamaBackend(stub.host).chat("llama3.2:1b", MESSAGES, cancel=token)))
    worker.start()
    for _ in range(200):  # the request is really waiting on the server
        if stub.chat_requests():
            break
        threading.Event().wait(0.01)
    token.cancel()  # shuts the socket down: the blocked read returns at once
    worker.join(timeout=20)
    assert not worker.is_alive()
    assert result == [] and token.cancelled


def test_cancel_mid_answer_keeps_what_arrived(stub):
    stub.chunk_gate = threading.Event()  # the server stalls after the first chunk
    token = CancelToken()
    got: list[str] = []
    for chunk in OllamaBackend(stub.host).chat("llama3.2:1b", MESSAGES, cancel=token):
        got.append(chunk.content)
        token.cancel()
    assert got == ["Hello!"]


@pytest.mark.parametrize(
    "mode, error, words",
    [
        ("not_found", ModelNotFound, "not installed"),
        ("oom", ModelTooLarge, "12.5 GiB"),
        ("http_500", ServerError, "Server error (500)"),
        ("http_500_text", ServerError, "upstream exploded"),
        ("http_400", ServerError, "num_ctx must be positive"),
        ("error_midstream", StreamFailed, "middle of the answer"),
        ("close_midstream", StreamCut, "closed before the answer was complete"),
        ("end_without_done", StreamCut, "without its final chunk"),
        ("garbage_midstream", NotCompatible, "does not behave like an Ollama server"),
    ],
)
def test_every_error_is_typed_with_a_message(stub, mode, error, words):
    stub.chat_mode = mode
    got: list[str] = []
    with pytest.raises(error) as info:
        for chunk in OllamaBackend(stub.host).chat("llama3.2:1b", MESSAGES):
            got.append(chunk.content)
    assert words in str(info.value)
    assert words in info.value.text("en")
    assert info.value.text("es") != info.value.text("en")
    if "midstream" in mode or mode == "end_without_done":
        assert got == ["Hello!", " I"]  # what arrived before the failure was delivered
    if mode == "http_500":
        assert info.value.status == 500 and info.value.body == stub.error_message


def test_unreachable_says_how_to_fix_it():
    backend = OllamaBackend(f"127.0.0.1:{closed_port()}")
    for call in (backend.version, backend.list_models, lambda: list(backend.chat("m", MESSAGES))):
        with pytest.raises(BackendUnreachable) as info:
            call()
        text = info.value.text("en")
        assert "ollama serve" in text and "https://ollama.com/download" in text and "OLLAMA_HOST" in text
        assert "ollama serve" in info.value.text("es")


def test_pull_reports_overall_progress_and_installs(stub):
    stub.add_registry_model("qwen3:0.6b", [("sha256:" + "a" * 64, 4000), ("sha256:" + "b" * 64, 1000)])
    backend = OllamaBackend(stub.host)
    progress = list(backend.pull("qwen3:0.6b"))
    assert progress[0].status == "pulling manifest"
    assert progress[-1].status == "success"
    fractions = [p.fraction for p in progress if p.fraction is not None]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert progress[-1].overall_total == 5000
    assert any(p.digest.endswith("a" * 8) and 0 < p.completed < p.total for p in progress)
    assert "qwen3:0.6b" in [m.name for m in backend.list_models()]


def test_pull_cancel_then_resume(stub):
    stub.add_registry_model("qwen3:0.6b", [("sha256:" + "a" * 64, 4000), ("sha256:" + "b" * 64, 1000)])
    stub.pull_gate = threading.Event()  # the download stalls after the first layer
    token = CancelToken()
    seen = []
    for progress in OllamaBackend(stub.host).pull("qwen3:0.6b", cancel=token):
        seen.append(progress)
        if progress.digest.startswith("sha256:a") and progress.completed == progress.total:
            token.cancel()
    assert token.cancelled and seen[-1].status != "success"
    stub.pull_gate = None
    resumed = list(OllamaBackend(stub.host).pull("qwen3:0.6b"))
    first_layer = [p for p in resumed if p.digest.startswith("sha256:a")]
    assert first_layer[0].completed == 4000  # resumed, not started over
    assert resumed[-1].status == "success"


def test_pull_of_an_unknown_model_fails_clearly(stub):
    with pytest.raises(PullFailed) as info:
        list(OllamaBackend(stub.host).pull("no-such-model:1b"))
    assert "ollama.com/library" in str(info.value)


# -- OpenAI-compatible ----------------------------------------------------------------------------


def test_openai_models_and_streaming(openai):
    backend = make_backend("openai", base_url=openai.url)
    assert backend.url == openai.base_url
    models = backend.list_models()
    assert [m.name for m in models] == openai.models and models[0].context_length == 8192
    chunks = list(backend.chat(openai.models[0], MESSAGES, options={"temperature": 0.3, "num_ctx": 4096}))
    assert "".join(c.content for c in chunks) == openai.reply
    stats = chunks[-1].stats
    assert chunks[-1].done and stats.prompt_tokens == 21 and stats.output_tokens == len(chunks) - 1
    sent = openai.chat_requests()[-1]
    assert sent["stream"] is True and sent["temperature"] == 0.3 and sent["messages"] == MESSAGES
    assert "num_ctx" not in sent  # not an OpenAI parameter
    with pytest.raises(PullNotSupported):
        list(backend.pull("x"))


def test_openai_reasoning_is_thinking(openai):
    openai.mode = "reasoning"
    chunks = list(OpenAIBackend(openai.url).chat(openai.models[0], MESSAGES))
    assert "".join(c.thinking for c in chunks) == openai.reasoning
    assert "".join(c.content for c in chunks) == openai.reply


@pytest.mark.parametrize(
    "mode, error",
    [
        ("not_found", ModelNotFound),
        ("http_500", ServerError),
        ("error_midstream", StreamFailed),
        ("close_midstream", StreamCut),
        ("no_done", StreamCut),
        ("html", NotCompatible),
        ("json_not_stream", NotCompatible),
    ],
)
def test_openai_errors(openai, mode, error):
    openai.mode = mode
    with pytest.raises(error) as info:
        list(OpenAIBackend(openai.url).chat(openai.models[0], MESSAGES))
    assert info.value.text("en") and info.value.text("es")


def test_openai_server_that_is_not_what_it_claims(openai):
    openai.mode = "html"
    with pytest.raises(NotCompatible) as info:
        OpenAIBackend(openai.url).list_models()
    assert "OpenAI" in str(info.value) and "text/html" in str(info.value)


def test_openai_unreachable():
    with pytest.raises(BackendUnreachable) as info:
        OpenAIBackend(f"http://127.0.0.1:{closed_port()}").list_models()
    assert "--base-url" in str(info.value)


def test_openai_cancel(openai):
    openai.gate = threading.Event()
    token = CancelToken()
    got = []
    for chunk in OpenAIBackend(openai.url).chat(openai.models[0], MESSAGES, cancel=token):
        got.append(chunk.content)
        token.cancel()
    assert got == ["Hi"]


# -- fit verdicts for the picker ------------------------------------------------------------------


def test_fit_verdicts_for_installed_and_recommended_models(stub):
    install_catalogue_model(stub, "llama3.2:3b")
    install_catalogue_model(stub, "qwen3:32b")
    fit = fit_check(stub.url, hardware=hardware("cuda:8GiB", "16GiB"))
    assert fit.available
    assert fit.verdict("llama3.2:3b").kind == "gpu"
    assert fit.verdict("qwen3:32b").kind == "partial"
    assert fit.verdict("llama3.2:1b").kind == "unknown"  # no tensor list: the fit check cannot judge it
    assert fit.recommendations and fit.recommendations[0].verdict.kind == "gpu"
    sizes = {name: stub.models[name]["size"] for name in stub.models}
    assert best_model(sizes, sizes, fit) == "llama3.2:3b"
    small = fit_check(stub.url, model="qwen3:32b", hardware=hardware("none", "4GiB"))
    assert small.verdict("qwen3:32b").kind == "will_not_load" and "GiB" in small.verdict("qwen3:32b").text


def test_fit_check_degrades_to_unknown(stub):
    fit = fit_check(stub.url, hardware="not a machine")
    assert not fit.available and fit.error
    assert fit.verdict("llama3.2:1b").kind == "unknown" and fit.verdict("llama3.2:1b").loads


def test_stats_keep_zero_counts():
    stats = Stats(prompt_tokens=0, output_tokens=3, eval_seconds=0.5)
    assert stats.to_dict()["prompt_tokens"] == 0 and stats.tokens_per_second == 6.0


def test_ollama_backend_reaches_an_exo_cluster_under_its_ollama_prefix():
    """Lesson 15: exo serves an Ollama-compatible API under /ollama on port 52415, so the chat's
    Ollama backend can use http://HOST:52415/ollama. A stand-in that answers only under that
    prefix checks that the host's path is kept on every call."""
    exo = OllamaStub(version="0.12.6", path_prefix="/ollama")
    exo.add_model("llama3.2:1b")
    with exo:
        backend = OllamaBackend(exo.url + "/ollama")
        assert backend.version() == "0.12.6"
        assert [m.name for m in backend.list_models()] == ["llama3.2:1b"]
        text = "".join(c.content for c in backend.chat("llama3.2:1b", MESSAGES) if getattr(c, "content", None))
        assert text == exo.reply
    assert {path for _, path, _ in exo.requests} >= {"/api/version", "/api/tags", "/api/chat"}
