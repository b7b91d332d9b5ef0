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
from tutor.i18n import Phrase, Said

FILES = (CONFIG_FILE, WEIGHTS_FILE)
Progress = Callable[[int, int], None]  # (bytes done, bytes in all)


class DownloadError(Said, RuntimeError):
    """A download that could not finish; `kind` is "offline", "unreachable", "corrupt" or "failed".

    The message is the catalogue's `key` with `values` (tutor.i18n.Said): str() in the learner's language."""

    def __init__(self, key: str, kind: str = "failed", **values: object) -> None:
        self.said(key, **values)
        super().__init__(self.text("en"))
        self.kind = kind


class DownloadCancelled(DownloadError):
    def __init__(self) -> None:
        super().__init__("engine.hub.cancelled", "cancelled")


@dataclass(frozen=True)
class RemoteFile:
    filename: str
    size: int
    sha256: str | None  # the hub's etag for a large (LFS) file is its sha256


def hub_endpoint() -> str | None:
    return os.environ.get("HF_ENDPOINT") or None


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def offline_error(model: HubModel, why: Said, kind: str) -> DownloadError:
    """The hub cannot be used now (`why`): what to do instead, in the learner's language."""
    return DownloadError("engine.hub.offline", kind, name=model.name, size=human_bytes(model.download_bytes), why=why)


def hub_model(name: str) -> HubModel:
    try:
        return HUB_MODELS[name]
    except KeyError:
        raise DownloadError("engine.hub.unknown", "failed", name=repr(name), names=", ".join(HUB_MODELS)) from None


def _is_sha256(value: str | None) -> bool:
    return bool(value) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def remote_files(model: HubModel, timeout: float = 10.0) -> list[RemoteFile]:
    """Ask the hub for the files' sizes and hashes (HEAD requests only, nothing downloaded)."""
    if hub_offline():
        raise offline_error(model, Phrase("engine.hub.why.offline_set"), "offline")
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    endpoint = hub_endpoint()
    out = []
    for filename in FILES:
        url = hf_hub_url(model.repo_id, filename, endpoint=endpoint)
        try:
            meta = get_hf_file_metadata(url, timeout=timeout, endpoint=endpoint)
        except Exception as exc:  # connection refused, DNS, timeouts, HTTP errors: all "cannot reach"
            raise offline_error(model, Phrase("engine.hub.why.unreachable", detail=_short(exc)), "unreachable") from None
        if meta.size is None:
            raise offline_error(model, Phrase("engine.hub.why.no_size", filename=filename), "unreachable")
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


CHUNK_RETRIES = 5  # a dropped connection is resumed this many times within one download


def _discard(path: Path) -> None:
    """Remove a cached file and the blob its snapshot link points to, so the next try starts clean."""
    try:
        blob = path.resolve()
        path.unlink(missing_ok=True)
        if blob != path:
            blob.unlink(missing_ok=True)
    except OSError:
        pass


@dataclass(frozen=True)
class _Target:
    url: str
    blob: Path  # the finished file, named by its etag as huggingface_hub names blobs
    link: Path  # snapshots/<commit>/<filename>, where lookups find it
    size: int
    sha256: str | None


def _targets(model: HubModel, files: list[RemoteFile]) -> list[_Target]:
    from huggingface_hub import get_hf_file_metadata, hf_hub_url
    from huggingface_hub.file_download import repo_folder_name

    repo = Path(hub_cache_dir()) / repo_folder_name(repo_id=model.repo_id, repo_type="model")
    endpoint = hub_endpoint()
    out = []
    for remote in files:
        url = hf_hub_url(model.repo_id, remote.filename, endpoint=endpoint)
        try:
            meta = get_hf_file_metadata(url, endpoint=endpoint)
        except Exception as exc:
            raise offline_error(model, Phrase("engine.hub.why.unreachable", detail=_short(exc)), "unreachable") from None
        if not meta.commit_hash or not meta.etag:
            raise offline_error(model, Phrase("engine.hub.why.no_revision"), "unreachable")
        out.append(_Target(url, repo / "blobs" / meta.etag, repo / "snapshots" / meta.commit_hash / remote.filename,
                           remote.size, remote.sha256))
    commit = out[0].link.parent.name
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    return out


def _transfer(target: _Target, report: Callable[[int], None], cancel: threading.Event | None) -> None:
    """Fetch target.url into <blob>.incomplete, resuming from whatever is there (HTTP Range)."""
    import httpx
    from huggingface_hub.utils import build_hf_headers

    part = target.blob.with_name(target.blob.name + ".incomplete")
    part.parent.mkdir(parents=True, exist_ok=True)
    retries = CHUNK_RETRIES
    while True:
        have = part.stat().st_size if part.exists() else 0
        if have > target.size:  # not ours, or the file changed on the hub: start again
            part.unlink()
            have = 0
        report(have)
        if have == target.size:
            break
        headers = build_hf_headers()
        headers["Accept-Encoding"] = "identity"
        if have:
            headers["Range"] = f"bytes={have}-"
        try:
            with httpx.stream("GET", target.url, headers=headers, follow_redirects=True, timeout=30) as response:
                if response.status_code not in (200, 206):
                    raise DownloadError("engine.hub.http", "unreachable", status=response.status_code, filename=target.link.name)
                mode = "ab" if response.status_code == 206 else "wb"  # 200: the server ignored Range
                done = have if mode == "ab" else 0
                with open(part, mode) as f:
                    for chunk in response.iter_bytes():
                        f.write(chunk)
                        done += len(chunk)
                        report(done)
                        if cancel is not None and cancel.is_set():
                            raise DownloadCancelled()  # between chunks; the part stays for resuming
        except httpx.TransportError as exc:
            retries -= 1
            if retries < 0:
                raise DownloadError("engine.hub.dropping", "unreachable", detail=_short(exc)) from None
            continue
    if target.sha256 and sha256_of(part, cancel) != target.sha256:
        part.unlink(missing_ok=True)
        raise DownloadError("engine.hub.arrived_damaged", "corrupt", filename=target.link.name)
    os.replace(part, target.blob)


def _link(target: _Target) -> None:
    """snapshots/<commit>/<file> -> ../../blobs/<etag>, as huggingface_hub lays out its cache."""
    target.link.parent.mkdir(parents=True, exist_ok=True)
    target.link.unlink(missing_ok=True)
    try:
        target.link.symlink_to(os.path.relpath(target.blob, target.link.parent))
    except OSError:  # no symlinks (some Windows setups): huggingface_hub copies too
        import shutil

        shutil.copyfile(target.blob, target.link)


def download(
    name: str,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    files: list[RemoteFile] | None = None,
) -> Path:
    """Download `name` (a key of HUB_MODELS) into huggingface_hub's cache, verified -> the snapshot folder.

    The bytes go to blobs/<etag>.incomplete and resume from there after a dropped connection, a
    cancel or a crash (huggingface_hub 1.x+ deletes its own partial files on failure, so the
    transfer is done here, in its cache layout; metadata, URLs and headers come from it).
    `files` (from remote_files, e.g. after showing the size) saves a round of HEAD requests.
    Raises DownloadCancelled, or DownloadError with a message fit to show as it is.
    """
    model = hub_model(name)
    files = files if files is not None else remote_files(model)
    total = sum(f.size for f in files)
    targets = _targets(model, files)
    finished = 0
    for target in targets:
        def report(done: int, offset=finished) -> None:
            if progress is not None:
                progress(min(total, offset + done), total)

        if not (target.blob.is_file() and target.blob.stat().st_size == target.size):
            try:
                _transfer(target, report, cancel)
            except DownloadError as exc:
                if exc.kind in ("corrupt", "cancelled"):
                    if exc.kind == "corrupt":
                        raise DownloadError("engine.hub.removed", "corrupt", reason=exc, name=model.name) from None
                    raise
                raise offline_error(model, exc, exc.kind) from None
            except OSError as exc:
                raise DownloadError("engine.hub.cannot_write", "failed", folder=hub_cache_dir(), reason=exc) from None
        _link(target)
        finished += target.size
        if progress is not None:
            progress(finished, total)
    return targets[-1].link.parent


def verify_cached(name: str) -> Path | None:
    """The cached folder of `name` if both files are there and the weights are whole, else None.
    A damaged cached copy (truncated, half-written) is removed, so the next download replaces it."""
    from tutor.engine.registry import weights_complete

    folder = cached_folder(hub_model(name))
    if folder is None:
        return None
    if not weights_complete(folder / WEIGHTS_FILE):
        _discard(folder / WEIGHTS_FILE)
        raise DownloadError("engine.hub.cached_damaged", "corrupt", file=WEIGHTS_FILE, name=name, folder=folder)
    return folder
