"""Create a model in Ollama from a GGUF file, over Ollama's API: what `ollama create -f` does.

Two steps, as Ollama's API documents them:
  1. the weights go up as a blob named by their digest: HEAD /api/blobs/sha256:<hex> asks
     whether the server has it already (200) or not (404); POST uploads it, and the server
     checks the bytes against the digest in the name;
  2. POST /api/create {"model", "files": {"x.gguf": "sha256:<hex>"}, "template", "parameters"}
     streams statuses ("parsing GGUF", "writing manifest", "success") or an error line.

`files` is the create API of Ollama 0.5.5 and later; an older server answers that it wants a
Modelfile or a path, and is told so as `CreateNotSupported` (the learner can upgrade Ollama or
run `ollama create NAME -f OUT.Modelfile` on that machine).

Headless: no Textual here. Every failure is a `ChatError`; server text is cleaned before it
enters a message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tutor.chat.backends import (
    CONNECT_FAILED,
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    STREAM_READ_TIMEOUT,
    BackendUnreachable,
    CancelToken,
    ChatError,
    NotCompatible,
    OllamaBackend,
    StreamCut,
    StreamTimeout,
    _clip,
    _is_loopback,
    _reason,
    _ssl_context,
)
from tutor.chat.sanitize import clean_line

UPLOAD_CHUNK = 1 << 20  # bytes per read while uploading (progress moves once per chunk)


class CreateFailed(ChatError):
    key = "chat.err.create"

    def __init__(self, model: str, detail: str):
        self.model = model
        self.detail = detail
        super().__init__(model=model, detail=detail)


class CreateNotSupported(ChatError):
    """The server predates `files` in /api/create (Ollama < 0.5.5)."""

    key = "chat.err.create_old"

    def __init__(self, url: str, detail: str, command: str):
        self.url = url
        self.detail = detail
        super().__init__(url=url, detail=detail, command=command)


class BlobRejected(ChatError):
    key = "chat.err.blob"

    def __init__(self, digest: str, detail: str):
        self.digest = digest
        self.detail = detail
        super().__init__(digest=digest[:19], detail=detail)


@dataclass
class CreateProgress:
    """One step of a create: stage "upload" (bytes completed/total) or "create" (a status)."""

    stage: str  # "upload" | "create" | "done"
    status: str
    completed: int | None = None
    total: int | None = None
    reused: bool = False  # the server had the blob already

    @property
    def fraction(self) -> float | None:
        if self.completed is None or not self.total:
            return None
        return min(1.0, self.completed / self.total)


def plain(text: Any, limit: int = 300) -> str:
    """Server text made safe to show on one line (the chat core's one sanitiser), clipped."""
    return _clip(" ".join(clean_line(text).split()), limit)


def file_digest(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(UPLOAD_CHUNK):
            h.update(block)
    return "sha256:" + h.hexdigest()


def create_command(name: str, modelfile: str | Path) -> str:
    return f"ollama create {name} -f {modelfile}"


_OLD_SERVER_WORDS = ("path or modelfile", "modelfile are required", "modelfile is required", "must provide")


def create_model(
    name: str,
    gguf_path: str | Path,
    spec,
    *,
    host: str | None = None,
    cancel: CancelToken | None = None,
    modelfile_path: str | Path | None = None,
) -> Iterator[CreateProgress]:
    """Upload `gguf_path` (if the server lacks it) and create `name` with the Modelfile `spec`
    (tutor.engine.export.ModelfileSpec). Yields progress; raises a ChatError on failure."""
    backend = OllamaBackend(host)
    url = backend.url
    token = cancel or CancelToken()
    path = Path(gguf_path)
    if not path.is_file():
        raise CreateFailed(name, f"no file at {path}")
    total = path.stat().st_size
    digest = file_digest(path)
    blob_url = f"{url}/api/blobs/{digest}"
    http = httpx.Client(
        timeout=httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT),
        trust_env=not _is_loopback(url),
        verify=_ssl_context(),
        event_hooks={"request": [token.request_hook]},
    )
    try:
        try:
            head = http.head(blob_url, extensions={"trace": token.trace})
        except CONNECT_FAILED as exc:
            raise BackendUnreachable(url, "ollama", _reason(exc)) from None
        except httpx.TimeoutException:
            raise StreamTimeout(READ_TIMEOUT) from None
        except httpx.HTTPError as exc:
            raise BackendUnreachable(url, "ollama", _reason(exc)) from None
        if head.status_code == 200:
            yield CreateProgress("upload", "blob already on the server", total, total, reused=True)
        elif head.status_code == 404:
            yield from _upload(http, url, blob_url, path, total, digest, token)
        else:
            raise BlobRejected(digest, f"HTTP {head.status_code} {plain(head.text, 200)}")
    finally:
        http.close()
    if token.cancelled:
        return
    yield from _create(backend, name, path.name, digest, spec, token, modelfile_path)


def _upload(http: httpx.Client, url: str, blob_url: str, path: Path, total: int, digest: str, token: CancelToken):
    sent = [0]

    def body():
        with open(path, "rb") as f:
            while block := f.read(UPLOAD_CHUNK):
                if token.cancelled:
                    return
                sent[0] += len(block)
                yield block

    yield CreateProgress("upload", "uploading", 0, total)
    try:
        # Content-Length given, so the upload goes out in one plain body, not chunked.
        response = http.post(
            blob_url,
            content=body(),
            headers={"Content-Length": str(total), "Content-Type": "application/octet-stream"},
            timeout=httpx.Timeout(STREAM_READ_TIMEOUT, connect=CONNECT_TIMEOUT),
            extensions={"trace": token.trace},
        )
    except CONNECT_FAILED as exc:
        raise BackendUnreachable(url, "ollama", _reason(exc)) from None
    except httpx.TimeoutException:
        raise StreamTimeout(STREAM_READ_TIMEOUT) from None
    except httpx.HTTPError as exc:
        if token.cancelled:
            return
        raise StreamCut(_reason(exc)) from None
    if response.status_code >= 400:
        raise BlobRejected(digest, _error_text(response))
    yield CreateProgress("upload", "uploaded", sent[0], total)


def _error_text(response: httpx.Response) -> str:
    try:
        data = response.json()
        text = data.get("error") if isinstance(data, dict) else None
    except ValueError:
        text = None
    return f"HTTP {response.status_code}: {plain(text or response.text, 300)}"


def _create(backend: OllamaBackend, name: str, file_name: str, digest: str, spec, token, modelfile_path):
    import ollama

    client = backend._client(STREAM_READ_TIMEOUT, token)
    parameters = dict(spec.parameters)
    last = ""
    try:
        stream = client.create(
            model=name,
            files={file_name: digest},
            template=spec.template,
            parameters=parameters,
            stream=True,
        )
        for part in stream:
            if token.cancelled:
                return
            last = plain(getattr(part, "status", "") or "", 200)
            yield CreateProgress("create", last)
    except ollama.ResponseError as exc:
        text = plain(getattr(exc, "error", "") or str(exc), 300)
        status = int(getattr(exc, "status_code", -1) or -1)
        if status in (400, 404, 405) and any(w in text.lower() for w in _OLD_SERVER_WORDS):
            raise CreateNotSupported(backend.url, text, create_command(name, modelfile_path or "OUT.Modelfile")) from None
        if status == 404 and "page not found" in text.lower():
            raise CreateNotSupported(backend.url, text, create_command(name, modelfile_path or "OUT.Modelfile")) from None
        raise CreateFailed(name, text if status == -1 else f"HTTP {status}: {text}") from None
    except (ConnectionError, *CONNECT_FAILED) as exc:
        raise BackendUnreachable(backend.url, "ollama", _reason(exc)) from None
    except httpx.TimeoutException:
        raise StreamTimeout(STREAM_READ_TIMEOUT) from None
    except httpx.HTTPError as exc:
        if token.cancelled:
            return
        raise StreamCut(_reason(exc)) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise NotCompatible(backend.url, f"{type(exc).__name__}: {_clip(str(exc), 120)}", backend="ollama") from None
    finally:
        client.close()
    if last != "success":
        raise CreateFailed(name, f"the server stopped before success (last status: {last or 'none'})")
    yield CreateProgress("done", "success")
