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
            raise DownloadError(offline_message(model, f"the hub is unreachable ({_short(exc)})"), "unreachable") from None
        if not meta.commit_hash or not meta.etag:
            raise DownloadError(offline_message(model, "the hub's answer lacks a revision or an etag"), "unreachable")
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
                    raise DownloadError(f"the hub answered HTTP {response.status_code} for {target.link.name}", "unreachable")
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
                raise DownloadError(f"the connection kept dropping ({_short(exc)}); run it again to resume", "unreachable") from None
            continue
    if target.sha256 and sha256_of(part, cancel) != target.sha256:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{target.link.name} arrived damaged (its sha256 does not match the hub's)", "corrupt")
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
                        raise DownloadError(f"{exc}; it was removed: run `tutor engine get {model.name}` again", "corrupt") from None
                    raise
                raise DownloadError(offline_message(model, str(exc)), exc.kind) from None
            except OSError as exc:
                raise DownloadError(f"cannot write the download into {hub_cache_dir()}: {_short(exc)}", "failed") from None
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
        raise DownloadError(
            f"the cached {WEIGHTS_FILE} of {name} in {folder} was damaged (incomplete) and has been removed; "
            f"run `tutor engine get {name}` again to download it",
            "corrupt",
        )
    return folder
