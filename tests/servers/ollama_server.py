"""A small fake Ollama server for tests: stdlib only, 127.0.0.1, a random free port.

It answers Ollama's documented API from fixture data, so code that talks to Ollama can be tested
without Ollama:

    GET  /api/version  -> {"version": stub.version}
    GET  /api/tags     -> the installed models (name, model, size, digest, details)
    POST /api/show     -> model_info, details, parameters, capabilities; with "verbose": true
                          also the tensor list (without it, large arrays in model_info are nulled
                          and tensors are left out, like Ollama)
    GET  /api/ps       -> whatever the test put in `stub.running`

Usage:

    with OllamaStub(models={"llama3.2:3b": {"model_info": {...}, "tensors": [...]}}) as stub:
        OllamaAPI(stub.url).show("llama3.2:3b")

Extending it (for /api/chat streaming, /api/pull ...): register a handler with
`stub.route("POST", "/api/chat", fn)`. A handler gets `(stub, body_dict)` and returns either
`(status, dict)` for one JSON answer, or `(status, iterator_of_dicts)` to stream NDJSON lines
(Ollama's streaming format), each line flushed as it is produced. Every request is recorded in
`stub.requests` as (method, path, body).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable

Handler = Callable[["OllamaStub", dict], "tuple[int, Any]"]

_BIG_ARRAY = 1024  # Ollama nulls arrays longer than this in non-verbose /api/show


class OllamaStub:
    def __init__(self, models: dict[str, dict] | None = None, version: str = "0.6.8",
                 running: list[dict] | None = None) -> None:
        self.models: dict[str, dict] = dict(models or {})
        self.version = version
        self.running: list[dict] = list(running or [])
        self.requests: list[tuple[str, str, Any]] = []
        self.routes: dict[tuple[str, str], Handler] = {
            ("GET", "/api/version"): _version,
            ("GET", "/api/tags"): _tags,
            ("POST", "/api/show"): _show,
            ("GET", "/api/ps"): _ps,
            ("HEAD", "/"): lambda s, b: (200, {}),
            ("GET", "/"): lambda s, b: (200, "Ollama is running"),
        }
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def route(self, method: str, path: str, handler: Handler) -> None:
        self.routes[(method.upper(), path)] = handler

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the stub first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "OllamaStub":
        stub = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    self._send(400, {"error": "invalid JSON"})
                    return
                path = self.path.split("?", 1)[0]
                stub.requests.append((method, path, body))
                handler = stub.routes.get((method, path))
                if handler is None:
                    self._send(404, {"error": f"{method} {path} not found"})
                    return
                status, payload = handler(stub, body)
                if isinstance(payload, (dict, list, str)) or payload is None:
                    self._send(status, payload)
                else:
                    self._stream(status, payload)

            def _send(self, status: int, payload: Any) -> None:
                if isinstance(payload, str):
                    data, ctype = payload.encode(), "text/plain; charset=utf-8"
                else:
                    data, ctype = json.dumps(payload).encode(), "application/json; charset=utf-8"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _stream(self, status: int, items: Iterable[dict]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for item in items:
                    line = (json.dumps(item) + "\n").encode()
                    self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")

            def do_GET(self) -> None:  # noqa: N802
                self._handle("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._handle("POST")

            def do_HEAD(self) -> None:  # noqa: N802
                self._handle("HEAD")

            def do_DELETE(self) -> None:  # noqa: N802
                self._handle("DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="ollama-stub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "OllamaStub":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


# -- default handlers ------------------------------------------------------------------------

def _version(stub: OllamaStub, body: dict) -> tuple[int, Any]:
    return 200, {"version": stub.version}


def _tags(stub: OllamaStub, body: dict) -> tuple[int, Any]:
    out = []
    for name, m in stub.models.items():
        out.append({
            "name": name,
            "model": name,
            "modified_at": "2025-01-01T00:00:00Z",
            "size": m.get("size", 0),
            "digest": m.get("digest", "0" * 64),
            "details": m.get("details", {}),
        })
    return 200, {"models": out}


def _show(stub: OllamaStub, body: dict) -> tuple[int, Any]:
    name = body.get("model") or body.get("name") or ""
    m = stub.models.get(name) or stub.models.get(f"{name}:latest")
    if m is None:
        return 404, {"error": f"model '{name}' not found"}
    verbose = bool(body.get("verbose"))
    info = dict(m.get("model_info", {}))
    if not verbose:
        info = {k: (None if isinstance(v, list) and len(v) > _BIG_ARRAY else v) for k, v in info.items()}
    out = {
        "modelfile": m.get("modelfile", ""),
        "parameters": m.get("parameters", ""),
        "template": m.get("template", ""),
        "details": m.get("details", {}),
        "model_info": info,
        "capabilities": m.get("capabilities", ["completion"]),
        "modified_at": "2025-01-01T00:00:00Z",
    }
    if verbose:
        out["tensors"] = m.get("tensors", [])
    return 200, out


def _ps(stub: OllamaStub, body: dict) -> tuple[int, Any]:
    return 200, {"models": stub.running}
