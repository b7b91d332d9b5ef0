"""A small stand-in for the Hugging Face hub's file endpoint: stdlib only, 127.0.0.1, a free port.

It serves what `huggingface_hub.hf_hub_download` asks for, from files the test hands it:

    HEAD /{repo_id}/resolve/{revision}/{filename} -> X-Repo-Commit, ETag (the sha256 for a large
                                                     file, as the hub does for LFS), Content-Length
    GET  same path, with or without `Range: bytes=N-` -> 200 or 206 with the bytes

Knobs for the failure paths:

    stub.cut_after = 1000      the next GET of a large file sends 1000 bytes, then hangs up
                               (huggingface_hub retries a few times, so cut_times sets how many)
    stub.corrupt = True        GETs serve bytes that differ from the advertised sha256 (same size)
    stub.hold = Event()        GETs of a large file send their headers, then wait for the event
                               before the body (a transfer the test can catch mid-way)
    stub.requests              every (method, path, range header) seen

    with HubStub({"openai-community/gpt2": {"config.json": b"...", "model.safetensors": b"..."}}) as hub:
        os.environ["HF_ENDPOINT"] = hub.url
"""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

COMMIT = "0123456789abcdef0123456789abcdef01234567"
LFS_THRESHOLD = 1024  # files at least this big get a sha256 etag, like the hub's LFS files


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-transfer is what the resume tests do on purpose


class HubStub:
    def __init__(self, repos: dict[str, dict[str, bytes]]) -> None:
        self.repos = repos
        self.cut_after: int | None = None
        self.cut_times = 0
        self.corrupt = False
        self.hold: threading.Event | None = None
        self.requests: list[tuple[str, str, str | None]] = []
        self._server: _QuietServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> HubStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_HEAD(self) -> None:
                stub._answer(self, head=True)

            def do_GET(self) -> None:
                stub._answer(self, head=False)

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> HubStub:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _find(self, path: str) -> tuple[str, bytes] | None:
        for repo_id, files in self.repos.items():
            prefix = f"/{repo_id}/resolve/"
            if path.startswith(prefix):
                _revision, _, filename = path[len(prefix):].partition("/")
                if filename in files:
                    return filename, files[filename]
        return None

    def _answer(self, h: BaseHTTPRequestHandler, head: bool) -> None:
        path = h.path.split("?")[0]
        self.requests.append((h.command, path, h.headers.get("Range")))
        found = self._find(path)
        if found is None:
            h.send_response(404)
            h.send_header("X-Error-Code", "EntryNotFound")
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        _filename, data = found
        large = len(data) >= LFS_THRESHOLD
        etag = hashlib.sha256(data).hexdigest() if large else hashlib.sha1(data).hexdigest()
        body = bytes(b ^ 0xFF for b in data) if (self.corrupt and not head) else data
        start = 0
        rng = h.headers.get("Range")
        if rng and rng.startswith("bytes="):
            start = int(rng[len("bytes="):].split("-")[0] or 0)
        h.send_response(206 if start else 200)
        h.send_header("X-Repo-Commit", COMMIT)
        h.send_header("ETag", f'"{etag}"')
        h.send_header("Accept-Ranges", "bytes")
        h.send_header("Content-Type", "application/octet-stream")
        h.send_header("Content-Length", str(len(data) - start))
        if start:
            h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        h.end_headers()
        if head:
            return
        chunk = body[start:]
        if large and self.hold is not None:
            h.wfile.flush()
            self.hold.wait(30)
        if large and self.cut_after is not None and self.cut_times > 0:
            self.cut_times -= 1
            h.wfile.write(chunk[: self.cut_after])
            h.wfile.flush()
            h.close_connection = True
            try:
                h.connection.shutdown(2)
            except OSError:
                pass
            return
        h.wfile.write(chunk)
