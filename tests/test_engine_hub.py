"""Downloading GPT-2 with huggingface_hub, against a 127.0.0.1 stand-in for the hub
(tests/servers/hf_hub_server.py) or an offline cache: never the internet."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("huggingface_hub")

from hf_gpt2 import REPO_ID, write_tiny_gpt2  # noqa: E402
from servers.hf_hub_server import HubStub  # noqa: E402

from tutor.cli import main  # noqa: E402
from tutor.engine import hub, registry  # noqa: E402


@pytest.fixture(scope="module")
def tiny_files(tmp_path_factory):
    pytest.importorskip("transformers")
    folder = write_tiny_gpt2(tmp_path_factory.mktemp("tiny-src"), seed=5)
    return {name: (folder / name).read_bytes() for name in ("config.json", "model.safetensors")}


@pytest.fixture
def stub(tiny_files, monkeypatch):
    with HubStub({REPO_ID: dict(tiny_files)}) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.delenv("HF_HUB_OFFLINE")
        yield server


@pytest.fixture(autouse=True)
def fresh_registry():
    registry.forget_loaded()
    yield
    registry.forget_loaded()


def test_download_with_progress_then_loads_offline(stub, tiny_files, hf_cache_isolated, monkeypatch):
    total = sum(len(b) for b in tiny_files.values())
    files = hub.remote_files(registry.HUB_MODELS["gpt2"])
    assert [f.size for f in files] == [len(tiny_files["config.json"]), len(tiny_files["model.safetensors"])]
    assert files[1].sha256 is not None  # the weights are checked against the hub's sha256
    seen = []
    folder = hub.download("gpt2", progress=lambda done, all_: seen.append((done, all_)), files=files)
    assert folder.is_relative_to(hf_cache_isolated) and (folder / "model.safetensors").read_bytes() == tiny_files["model.safetensors"]
    assert seen[-1] == (total, total) and all(a == total for _, a in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)  # it only grows
    # Offline afterwards: the registry finds it in huggingface_hub's cache.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    stub.stop()
    model, tok = registry.load_model("gpt2", "cpu")
    assert model.config.n_embd == 32 and tok.name == "gpt2"


def test_resume_after_a_dropped_connection(stub, tiny_files, monkeypatch):
    stub.cut_after, stub.cut_times = 300_000, 1
    folder = hub.download("gpt2")
    assert (folder / "model.safetensors").read_bytes() == tiny_files["model.safetensors"]
    ranges = [r for m, p, r in stub.requests if m == "GET" and p.endswith("model.safetensors")]
    assert ranges == [None, "bytes=300000-"]  # the second GET asked only for the rest


def test_cancel_keeps_the_part_and_the_next_try_resumes(stub, tiny_files, monkeypatch):
    cancel = threading.Event()

    def progress(done, total):
        if done >= 250_000:
            cancel.set()  # the learner pressed cancel mid-transfer

    with pytest.raises(hub.DownloadCancelled):
        hub.download("gpt2", progress=progress, cancel=cancel)
    assert registry.resolve("gpt2").path is None  # nothing half-finished is taken for a model
    folder = hub.download("gpt2")
    assert (folder / "model.safetensors").read_bytes() == tiny_files["model.safetensors"]
    ranges = [r for m, p, r in stub.requests if m == "GET" and p.endswith("model.safetensors")]
    assert ranges[0] is None and len(ranges) == 2 and int(ranges[1].removeprefix("bytes=").rstrip("-")) >= 250_000


def test_corrupt_download_is_removed_with_a_message(stub):
    stub.corrupt = True
    with pytest.raises(hub.DownloadError, match="arrived damaged") as caught:
        hub.download("gpt2")
    assert caught.value.kind == "corrupt"
    assert registry.resolve("gpt2").path is None
    stub.corrupt = False
    assert hub.download("gpt2") is not None  # a fresh try works


def test_offline_and_unreachable_messages(monkeypatch, capsys):
    model = registry.HUB_MODELS["gpt2"]
    with pytest.raises(hub.DownloadError, match="HF_HUB_OFFLINE") as caught:
        hub.remote_files(model)
    assert caught.value.kind == "offline" and "548.1 MB" in str(caught.value)
    assert main(["engine", "get", "gpt2", "--yes"]) == 2
    err = capsys.readouterr().err
    assert "548.1 MB" in err and "tutor engine get gpt2" in err and "--model-path" in err and err.count("\n") == 1
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    assert main(["engine", "get", "gpt2", "--yes"]) == 2
    err = capsys.readouterr().err
    assert "unreachable" in err and "548.1 MB" in err and "Traceback" not in err


def test_cli_get_confirms_and_shows_progress(stub, tiny_files, capsys):
    assert main(["engine", "get", "gpt2"]) == 2  # no terminal under pytest: asks for --yes
    assert "--yes" in capsys.readouterr().err
    assert main(["engine", "get", "gpt2", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "to download" in out and "100%" in out and "verified and saved" in out
    assert main(["engine", "get", "gpt2"]) == 0  # already there: nothing to ask
    assert "already downloaded" in capsys.readouterr().out
    assert main(["engine", "get", "gpt5", "--yes"]) == 2
    assert "downloadable: gpt2, gpt2-medium, gpt2-large" in capsys.readouterr().err


def test_a_damaged_cached_copy_is_found_and_replaced(stub, tiny_files, hf_cache_isolated, capsys):
    from hf_gpt2 import populate_cache

    source = hf_cache_isolated.parent / "half"
    source.mkdir()
    (source / "config.json").write_bytes(tiny_files["config.json"])
    (source / "model.safetensors").write_bytes(tiny_files["model.safetensors"][:100_000])  # a half-written file
    snapshot = populate_cache(hf_cache_isolated, source)
    assert not registry.weights_complete(snapshot / "model.safetensors")
    with pytest.raises(registry.ModelLoadError, match="damaged or incomplete"):
        registry.load_model("gpt2", "cpu")  # the lab or `generate` says so instead of crashing
    assert main(["engine", "get", "gpt2", "--yes"]) == 0
    captured = capsys.readouterr()
    assert "was damaged (incomplete) and has been removed" in captured.err and "verified and saved" in captured.out
    folder = registry.resolve("gpt2").path
    assert registry.weights_complete(folder / "model.safetensors")
    model, _tok = registry.load_model("gpt2", "cpu")
    assert model.config.n_layer == 2
