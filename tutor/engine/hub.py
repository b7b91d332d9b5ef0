"""Downloading GPT-2 checkpoints from the Hugging Face hub into huggingface_hub's own cache.

`huggingface_hub` does the transfer (resuming a half-downloaded `.incomplete` file, keeping
HF_HOME / HF_HUB_CACHE / HF_HUB_OFFLINE and an existing cache working); this module adds what
a learner needs around it: the size before anything starts, progress as plain numbers (the CLI
draws a bar, the TUI a widget), cancelling between chunks, a sha256 check of the weights
against the hub's own hash, and errors that say what to do. No torch here.

Environment is read when a function runs, not at import, so tests (and a shell that changes
HF_ENDPOINT) are honoured.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tutor.engine.registry import (
    CONFIG_FILE,
    HUB_MODELS,
    WEIGHTS_FILE,
    HubModel,
    cached_folder,
    hub_cache_dir,
    human_bytes,
)

FILES = (CONFIG_FILE, WEIGHTS_FILE)
Progress = Callable[[int, int], None]  # (bytes done, bytes in all)


class DownloadError(RuntimeError):
    """A download that could not finish; `kind` is "offline", "unreachable", "corrupt" or "failed"."""

    def __init__(self, message: str, kind: str = "failed") -> None:
        super().__init__(message)
        self.kind = kind


class DownloadCancelled(DownloadError):
    def __init__(self) -> None:
        super().__init__("download cancelled; what arrived is kept and the next try resumes from there", "cancelled")


@dataclass(frozen=True)
class RemoteFile:
    filename: str
    size: int
    sha256: str | None  # the hub's etag for a large (LFS) file is its sha256


def hub_endpoint() -> str | None:
    return os.environ.get("HF_ENDPOINT") or None


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def offline_message(model: HubModel, why: str) -> str:
    return (
        f"cannot download {model.name} ({human_bytes(model.download_bytes)}): {why}. "
        f"Connect to the internet and run `tutor engine get {model.name}` again "
        "(a half-finished download resumes), or copy a Hugging Face cache that has it "
        "(HF_HOME) or use `--model-path DIR` with a folder holding config.json and model.safetensors."
    )


def hub_model(name: str) -> HubModel:
    try:
        return HUB_MODELS[name]
    except KeyError:
        raise DownloadError(f"unknown model {name!r}; downloadable: {', '.join(HUB_MODELS)}", "failed") from None


def _is_sha256(value: str | None) -> bool:
    return bool(value) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def remote_files(model: HubModel, timeout: float = 10.0) -> list[RemoteFile]:
    """Ask the hub for the files' sizes and hashes (HEAD requests only, nothing downloaded)."""
    if hub_offline():
        raise DownloadError(offline_message(model, "HF_HUB_OFFLINE is set"), "offline")
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    endpoint = hub_endpoint()
    out = []
    for filename in FILES:
        url = hf_hub_url(model.repo_id, filename, endpoint=endpoint)
        try:
            meta = get_hf_file_metadata(url, timeout=timeout, endpoint=endpoint)
        except Exception as exc:  # connection refused, DNS, timeouts, HTTP errors: all "cannot reach"
            raise DownloadError(offline_message(model, f"the hub is unreachable ({_short(exc)})"), "unreachable") from None
        if meta.size is None:
            raise DownloadError(offline_message(model, f"the hub gave no size for {filename}"), "unreachable")
        out.append(RemoteFile(filename, int(meta.size), meta.etag if _is_sha256(meta.etag) else None))
    return out


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text[:160]


def sha256_of(path: Path, cancel: threading.Event | None = None) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            if cancel is not None and cancel.is_set():
                raise DownloadCancelled()
            digest.update(chunk)
    return digest.hexdigest()


def _progress_class(report: Callable[[int], None], cancel: threading.Event | None):
    """A tqdm class for huggingface_hub that draws nothing, reports each chunk and can cancel."""
    from tqdm.auto import tqdm

    class ReportingProgress(tqdm):
        def __init__(self, *args, **kwargs):
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)
            self.bytes_done = int(kwargs.get("initial") or 0)
            report(self.bytes_done)

        def update(self, n=1):
            self.bytes_done += int(n or 0)
            report(self.bytes_done)
            if cancel is not None and cancel.is_set():
                raise DownloadCancelled()  # stops between chunks; the .incomplete file stays for resuming
            return super().update(n)

    return ReportingProgress


def _discard(path: Path) -> None:
    """Remove a cached file and the blob its snapshot link points to, so the next try starts clean."""
    try:
        blob = path.resolve()
        path.unlink(missing_ok=True)
        if blob != path:
            blob.unlink(missing_ok=True)
    except OSError:
        pass


def download(
    name: str,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    files: list[RemoteFile] | None = None,
) -> Path:
    """Download `name` (a key of HUB_MODELS) into the cache and verify it -> the snapshot folder.

    `files` (from remote_files, e.g. after showing the size) saves a second round of HEAD requests.
    Raises DownloadCancelled, or DownloadError with a message fit to show as it is.
    """
    model = hub_model(name)
    files = files if files is not None else remote_files(model)
    total = sum(f.size for f in files)
    finished = 0
    from huggingface_hub import hf_hub_download

    folder = None
    for remote in files:
        offset = finished

        def report(done: int, offset=offset) -> None:
            if progress is not None:
                progress(min(total, offset + done), total)

        try:
            path = Path(
                hf_hub_download(
                    model.repo_id,
                    remote.filename,
                    cache_dir=hub_cache_dir(),
                    endpoint=hub_endpoint(),
                    tqdm_class=_progress_class(report, cancel),
                )
            )
        except DownloadCancelled:
            raise
        except OSError as exc:
            raise DownloadError(offline_message(model, f"the transfer failed ({_short(exc)})"), "unreachable") from None
        except Exception as exc:
            raise DownloadError(offline_message(model, f"the hub refused ({_short(exc)})"), "unreachable") from None
        if path.stat().st_size != remote.size or (remote.sha256 and sha256_of(path, cancel) != remote.sha256):
            _discard(path)
            raise DownloadError(
                f"{remote.filename} of {model.name} arrived damaged (its size or sha256 does not match the hub's); "
                f"it was removed: run `tutor engine get {model.name}` again",
                "corrupt",
            )
        finished += remote.size
        if progress is not None:
            progress(finished, total)
        folder = path.parent
    return folder


def verify_cached(name: str) -> Path | None:
    """The cached folder of `name` if both files are there (sizes not re-checked), else None."""
    return cached_folder(hub_model(name))
