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

The chat and pull endpoints are built in too (see "chat and pull" below):

    POST /api/chat     -> NDJSON stream of message chunks (`thinking` first when the request asks
                          to think and the model has the "thinking" capability), then a done chunk
                          with prompt_eval_count, eval_count, eval_duration, load_duration,
                          total_duration; `stub.chat_mode` picks a failure (CHAT_MODES)
    POST /api/pull     -> progress lines per layer (status, digest, total, completed), resumable
                          (`stub.pull_partial`), "success" at the end; unknown names fail like Ollama
    DELETE /api/delete -> removes an installed model
    HEAD /api/blobs/sha256:<hex> -> 200 if the stub holds that blob, else 404
    POST /api/blobs/sha256:<hex> -> stores the raw body if its sha256 matches the name (201), else 400
    POST /api/create   -> NDJSON statuses, then installs the model (see "create" at the end);
                          `stub.create_mode` picks a failure (CREATE_MODES)
    POST /api/generate -> (raw prompts, what lesson 1's lab sends) the next tokens of a fake model
                          (tests/servers/logprob_data.py), streamed or in one JSON answer

Log-probabilities: from version 0.12.11 on (`stub.version`), a chat or generate request with
`"logprobs": true` gets `logprobs` in every chunk, in Ollama's shape (token, logprob, bytes, and
`top_logprobs` when asked); an older version ignores the fields, like a real old Ollama:

    OllamaStub(version="0.12.3")                 # old: no logprobs, whatever the request says

    stub = OllamaStub().start()
    stub.add_model("llama3.2:1b")               # installed, with details and model_info
    stub.add_registry_model("qwen3:0.6b")       # pullable
    stub.chat_mode = "error_midstream"          # the next chats fail that way

Extending it further: register a handler with
`stub.route("POST", "/api/chat", fn)`. A handler gets `(stub, body_dict)` and returns either
`(status, dict)` for one JSON answer, or `(status, iterator_of_dicts)` to stream NDJSON lines
(Ollama's streaming format), each line flushed as it is produced. Headers go out with the first
line (like Ollama, which sends nothing while a model loads); a stream may also contain `CUT`
(close the connection mid-body), `Pause(event)` (wait for the event, or the client leaving) and
raw `str` lines (not JSON). Every request is recorded in `stub.requests` as (method, path, body).
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable

Handler = Callable[["OllamaStub", dict], "tuple[int, Any]"]

_BIG_ARRAY = 1024  # Ollama nulls arrays longer than this in non-verbose /api/show


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-request (a cancelled stream) is normal here, not an error to print."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, OSError)):
            return
        super().handle_error(request, client_address)


class OllamaStub:
    def __init__(self, models: dict[str, dict] | None = None, version: str = "0.6.8",
                 running: list[dict] | None = None, path_prefix: str = "") -> None:
        self.models: dict[str, dict] = dict(models or {})
        # exo serves Ollama's API under /ollama on its own port: with a prefix, only those paths answer
        self.path_prefix = path_prefix.rstrip("/")
        self.version = version
        self.running: list[dict] = list(running or [])
        self.requests: list[tuple[str, str, Any]] = []
        # chat and pull (see CHAT_MODES and the handlers at the end of this file)
        self.chat_mode = "ok"
        self.reply = "Hello! I am a **test** model.\n\nAsk me about tokens."
        self.reply_chunks: list[str] | None = None  # exact content chunks (else the reply split in words)
        self.thinking = "Let me think about this step by step."
        self.midstream_after = 2  # chunks sent before a *_midstream failure
        self.error_message = "an error was encountered while running the model"
        self.load_duration = 1_500_000_000  # ns
        self.token_duration = 20_000_000  # ns per output token: 50 tokens/s
        self.release_first_token = threading.Event()  # "slow_first_token" waits for it
        self.chunk_gate: threading.Event | None = None  # if set, a chat waits on it after its first chunk
        self.pull_gate: threading.Event | None = None  # if set, a pull waits on it after its first layer
        self.registry: dict[str, dict] = {}  # pullable models: name -> {"layers": [(digest, size)], "model": {...}}
        self.pull_partial: dict[str, int] = {}  # digest -> bytes already downloaded (pulls resume)
        self.stopping = threading.Event()
        # create (see CREATE_MODES and the handlers at the end of this file)
        self.blobs: dict[str, bytes] = {}  # "sha256:<hex>" -> the uploaded bytes
        self.create_mode = "ok"
        self.routes: dict[tuple[str, str], Handler] = {
            ("GET", "/api/version"): _version,
            ("GET", "/api/tags"): _tags,
            ("POST", "/api/show"): _show,
            ("GET", "/api/ps"): _ps,
            ("POST", "/api/chat"): _chat,
            ("POST", "/api/pull"): _pull,
            ("DELETE", "/api/delete"): _delete,
            ("POST", "/api/generate"): _generate,
            ("POST", "/api/create"): _create,
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
        self.stopping.clear()

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if self.path.startswith("/api/blobs/"):  # raw bytes, not JSON
                    digest = self.path.split("?", 1)[0][len("/api/blobs/"):]
                    stub.requests.append((method, "/api/blobs", {"digest": digest, "bytes": len(raw)}))
                    self._send(*_blob(stub, method, digest, raw))
                    return
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    self._send(400, {"error": "invalid JSON"})
                    return
                path = self.path.split("?", 1)[0]
                if stub.path_prefix:
                    if not path.startswith(stub.path_prefix + "/"):
                        self._send(404, {"error": f"{method} {path} not found"})
                        return
                    path = path[len(stub.path_prefix):]
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

            def _stream(self, status: int, items: Iterable[Any]) -> None:
                started = False
                try:
                    for item in items:
                        if isinstance(item, Pause):
                            if not self._pause(item.event):
                                return  # the client left or the stub stops
                            continue
                        if item is CUT:
                            self.wfile.flush()
                            self.connection.shutdown(socket.SHUT_RDWR)
                            self.close_connection = True
                            return
                        if not started:
                            self.send_response(status)
                            self.send_header("Content-Type", "application/x-ndjson")
                            self.send_header("Transfer-Encoding", "chunked")
                            self.end_headers()
                            started = True
                        text = item if isinstance(item, str) else json.dumps(item)
                        line = (text + "\n").encode()
                        self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
                        self.wfile.flush()
                    if not started:
                        self.send_response(status)
                        self.send_header("Content-Type", "application/x-ndjson")
                        self.send_header("Transfer-Encoding", "chunked")
                        self.end_headers()
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def _pause(self, event: threading.Event) -> bool:
                """Wait for `event`; False if the client went away or the stub is stopping."""
                while not event.wait(0.05):
                    if stub.stopping.is_set() or self._client_gone():
                        self.close_connection = True
                        return False
                return True

            def _client_gone(self) -> bool:
                try:
                    self.connection.setblocking(False)
                    try:
                        return self.connection.recv(1, socket.MSG_PEEK) == b""
                    finally:
                        self.connection.setblocking(True)
                except (BlockingIOError, InterruptedError):
                    return False
                except OSError:
                    return True

            def do_GET(self) -> None:  # noqa: N802
                self._handle("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._handle("POST")

            def do_HEAD(self) -> None:  # noqa: N802
                self._handle("HEAD")

            def do_DELETE(self) -> None:  # noqa: N802
                self._handle("DELETE")

        self._server = _QuietServer(("127.0.0.1", 0), _H)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="ollama-stub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.release_first_token.set()
        for gate in (self.chunk_gate, self.pull_gate):
            if gate is not None:
                gate.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def host(self) -> str:
        """What OLLAMA_HOST would hold for this stub (host:port, no scheme)."""
        return self.url.split("://", 1)[1]

    def add_model(self, name: str, *, size: int = 1_300_000_000, family: str = "llama",
                  parameter_size: str = "1.2B", quantization_level: str = "Q4_K_M",
                  context_length: int = 131072, capabilities: list[str] | None = None,
                  model_info: dict | None = None, tensors: list[dict] | None = None,
                  parameters: str = "") -> dict:
        """Install a model (the dict `models[name]` the endpoints serve)."""
        info = model_info or {
            "general.architecture": family,
            "general.parameter_count": 1_235_814_432,
            f"{family}.context_length": context_length,
            f"{family}.block_count": 16,
            f"{family}.embedding_length": 2048,
        }
        model = {
            "size": size,
            "digest": hashlib.sha256(name.encode()).hexdigest(),
            "details": {"format": "gguf", "family": family, "families": [family],
                        "parameter_size": parameter_size, "quantization_level": quantization_level},
            "model_info": info,
            "tensors": list(tensors or []),
            "parameters": parameters,
            "capabilities": list(capabilities or ["completion"]),
        }
        self.models[name] = model
        return model

    def add_registry_model(self, name: str, layers: list[tuple[str, int]] | None = None, *,
                           steps: int = 4, **model_fields: Any) -> dict:
        """Make `name` pullable: its layers (digest, bytes); once pulled it is installed."""
        layers = layers or [("sha256:" + hashlib.sha256((name + part).encode()).hexdigest(), size)
                            for part, size in (("-weights", 1_000_000), ("-template", 1_000))]
        entry = {"layers": layers, "steps": steps,
                 "model": dict(model_fields, size=sum(size for _, size in layers))}
        self.registry[name] = entry
        return entry

    def chat_requests(self) -> list[dict]:
        return [body for method, path, body in self.requests if path == "/api/chat"]

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
    if m.get("projector_info"):  # a separate projector file (llava): its key/values, never its tensors
        out["projector_info"] = dict(m["projector_info"])
    if verbose:
        out["tensors"] = m.get("tensors", [])
    return 200, out


def _ps(stub: OllamaStub, body: dict) -> tuple[int, Any]:
    return 200, {"models": stub.running}


# -- chat and pull -----------------------------------------------------------------------------

CHAT_MODES = (
    "ok",  # stream the reply, then the done chunk with stats
    "not_found",  # 404 {"error": "model \"x\" not found, try pulling it first"} (also for unknown models)
    "oom",  # 500 {"error": "model requires more system memory ..."}
    "http_500",  # 500 with a JSON error body
    "http_500_text",  # 500 with a plain-text body
    "http_400",  # 400 with a JSON error body
    "error_midstream",  # a few chunks, then {"error": "..."} on its own line
    "close_midstream",  # a few chunks, then the connection closes (incomplete chunked body)
    "end_without_done",  # a few chunks, then a clean end of the body with no done chunk
    "garbage_midstream",  # a few chunks, then a line that is not JSON
    "slow_first_token",  # nothing (not even headers) until `release_first_token` is set
)


class Pause:
    """A stream item: wait for `event` before going on (the client may leave meanwhile)."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event


CUT = object()  # a stream item: close the connection here, mid-body


def words(text: str) -> list[str]:
    """Split text into chunks the way a model streams it: words with their leading space."""
    out: list[str] = []
    current = ""
    for ch in text:
        if ch in " \n" and current.strip():
            out.append(current)
            current = ""
        current += ch
    if current:
        out.append(current)
    return out


def _find(stub: OllamaStub, name: str) -> dict | None:
    return stub.models.get(name) or (stub.models.get(f"{name}:latest") if ":" not in name else None)


def _chat(stub: OllamaStub, body: dict) -> tuple[int, Any]:
    mode = stub.chat_mode
    name = body.get("model") or ""
    model = _find(stub, name)
    if mode == "not_found" or model is None:
        return 404, {"error": f'model "{name}" not found, try pulling it first'}
    if mode == "oom":
        return 500, {"error": "model requires more system memory (12.5 GiB) than is available (3.8 GiB)"}
    if mode == "http_500":
        return 500, {"error": stub.error_message}
    if mode == "http_500_text":
        return 500, "Internal Server Error: upstream exploded"
    if mode == "http_400":
        return 400, {"error": "invalid options: num_ctx must be positive"}
    if _bad_top_logprobs(stub, body):
        return 400, {"error": "top_logprobs must be between 0 and 20"}
    think = body.get("think")
    if think and "thinking" not in model.get("capabilities", []):
        return 400, {"error": f'"{name}" does not support thinking'}
    num_ctx = int((body.get("options") or {}).get("num_ctx") or 4096)
    stub.running = [r for r in stub.running if r.get("name") != name] + [{
        "name": name, "model": name, "size": model.get("size", 0) + 300_000_000, "size_vram": 0,
        "digest": model.get("digest", ""), "details": model.get("details", {}),
        "expires_at": "2099-01-01T00:00:00Z", "context_length": num_ctx,
    }]
    return 200, _chat_stream(stub, body, name, mode, bool(think))


def _chat_stream(stub: OllamaStub, body: dict, name: str, mode: str, think: bool):
    if mode == "slow_first_token":
        yield Pause(stub.release_first_token)
    pieces = [("thinking", w) for w in words(stub.thinking)] if think else []
    pieces += [("content", w) for w in (stub.reply_chunks if stub.reply_chunks is not None else words(stub.reply))]
    for i, (kind, text) in enumerate(pieces):
        if i == stub.midstream_after and mode in ("error_midstream", "close_midstream", "end_without_done",
                                                  "garbage_midstream"):
            if mode == "error_midstream":
                yield {"error": stub.error_message}
            elif mode == "close_midstream":
                yield CUT
            elif mode == "garbage_midstream":
                yield "<html>502 Bad Gateway</html>"
            return
        message = {"role": "assistant", "content": text if kind == "content" else ""}
        if kind == "thinking":
            message["thinking"] = text
        chunk = {"model": name, "created_at": "2025-01-01T00:00:00Z", "message": message, "done": False}
        if _wants_logprobs(stub, body):
            chunk["logprobs"] = [_answer_logprob(i, text, body)]
        yield chunk
        if i == 0 and stub.chunk_gate is not None:
            yield Pause(stub.chunk_gate)
    n = len(pieces)
    prompt = sum(len(words(m.get("content") or "")) for m in body.get("messages") or []) + 10
    yield {
        "model": name, "created_at": "2025-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": ""},
        "done": True, "done_reason": "stop",
        "total_duration": stub.load_duration + 100_000_000 + n * stub.token_duration,
        "load_duration": stub.load_duration,
        "prompt_eval_count": prompt, "prompt_eval_duration": 100_000_000,
        "eval_count": n, "eval_duration": n * stub.token_duration,
    }


def _pull(stub: OllamaStub, body: dict) -> tuple[int, Any]:
    name = body.get("model") or body.get("name") or ""
    entry = stub.registry.get(name) or (stub.registry.get(f"{name}:latest") if ":" not in name else None)
    if entry is None:
        if body.get("stream") is False:
            return 500, {"error": "pull model manifest: file does not exist"}
        return 200, iter([{"status": "pulling manifest"}, {"error": "pull model manifest: file does not exist"}])
    return 200, _pull_stream(stub, name, entry)


def _pull_stream(stub: OllamaStub, name: str, entry: dict):
    yield {"status": "pulling manifest"}
    # Ollama starts every layer at once, so each one reports its size before any finishes.
    for digest, total in entry["layers"]:
        yield {"status": f"pulling {digest[7:19]}", "digest": digest, "total": total,
               "completed": stub.pull_partial.get(digest, 0)}
    for index, (digest, total) in enumerate(entry["layers"]):
        done = stub.pull_partial.get(digest, 0)
        step = max(1, total // entry["steps"])
        while True:
            yield {"status": f"pulling {digest[7:19]}", "digest": digest, "total": total, "completed": done}
            if done >= total:
                break
            done = min(total, done + step)
            stub.pull_partial[digest] = done
        if index == 0 and stub.pull_gate is not None:
            yield Pause(stub.pull_gate)
    yield {"status": "verifying sha256 digest"}
    yield {"status": "writing manifest"}
    stub.add_model(name, **entry["model"])
    yield {"status": "success"}


def _delete(stub: OllamaStub, body: dict) -> tuple[int, Any]:
    name = body.get("model") or body.get("name") or ""
    if stub.models.pop(name, None) is None:
        return 404, {"error": f"model '{name}' not found"}
    return 200, {}


# -- log-probabilities and /api/generate ------------------------------------------------------

def _wants_logprobs(stub: OllamaStub, body: dict) -> bool:
    """A real Ollama before 0.12.11 ignores the logprobs fields; a newer one honours them."""
    from .logprob_data import LOGPROBS_FROM, version_tuple

    return bool(body.get("logprobs")) and version_tuple(stub.version) >= LOGPROBS_FROM


def _answer_logprob(index: int, token: str, body: dict) -> dict:
    from .logprob_data import answer_entry, ollama_entry

    top = int(body.get("top_logprobs") or 0)
    logprob, alternatives = answer_entry(index, token, top)
    return ollama_entry(token, logprob, alternatives if top else None)


def _bad_top_logprobs(stub: OllamaStub, body: dict) -> bool:
    from .logprob_data import LOGPROBS_FROM, version_tuple

    top = body.get("top_logprobs")
    return version_tuple(stub.version) >= LOGPROBS_FROM and isinstance(top, int) and not 0 <= top <= 20


def _generate(stub: OllamaStub, body: dict) -> tuple[int, Any]:
    """One step of a fake model: the next token after the prompt, greedy at temperature 0."""
    from .logprob_data import ends_here, next_distribution, ollama_entry

    name = body.get("model") or ""
    if _find(stub, name) is None or stub.chat_mode == "not_found":
        return 404, {"error": f'model "{name}" not found, try pulling it first'}
    if stub.chat_mode == "oom":
        return 500, {"error": "model requires more system memory (12.5 GiB) than is available (3.8 GiB)"}
    if _bad_top_logprobs(stub, body):
        return 400, {"error": "top_logprobs must be between 0 and 20"}
    prompt = body.get("prompt") or ""
    base = {"model": name, "created_at": "2025-01-01T00:00:00Z"}
    final = dict(base, response="", done=True, done_reason="stop", total_duration=30_000_000,
                 load_duration=1_000_000, prompt_eval_count=len(words(prompt)) + 1,
                 prompt_eval_duration=10_000_000, eval_count=0, eval_duration=0)
    pieces: list[dict] = []
    if prompt and not ends_here(prompt):  # an empty prompt only loads the model, like Ollama
        top = int(body.get("top_logprobs") or 0)
        candidates = next_distribution(prompt, max(1, top))
        token, logprob = candidates[0]
        piece = dict(base, response=token, done=False)
        if _wants_logprobs(stub, body):
            piece["logprobs"] = [ollama_entry(token, logprob, candidates if top else None)]
        pieces.append(piece)
        final.update(done_reason="length", eval_count=1, eval_duration=stub.token_duration)
    if body.get("stream") is False:
        out = dict(final, response="".join(p["response"] for p in pieces))
        logprobs = [entry for p in pieces for entry in p.get("logprobs", [])]
        if logprobs:
            out["logprobs"] = logprobs
        return 200, out
    return 200, iter(pieces + [final])
# -- create ------------------------------------------------------------------------------------

CREATE_MODES = (
    "ok",  # statuses, then "success"; the model is installed
    "error_midway",  # a status or two, then {"error": ...} on its own line
    "old_server",  # 400 like an Ollama before 0.5.5, which wanted a Modelfile or a path
)


def _blob(stub: OllamaStub, method: str, digest: str, raw: bytes) -> tuple[int, Any]:
    if not digest.startswith("sha256:") or len(digest) != 71:
        return 400, {"error": "invalid digest format"}
    if method == "HEAD":
        return (200 if digest in stub.blobs else 404), None
    if method != "POST":
        return 405, {"error": "method not allowed"}
    actual = "sha256:" + hashlib.sha256(raw).hexdigest()
    if actual != digest:
        return 400, {"error": f"digest mismatch, expected \"{digest}\", got \"{actual}\""}
    stub.blobs[digest] = raw
    return 201, None


def _create(stub: OllamaStub, body: dict) -> tuple[int, Any]:
    name = body.get("model") or ""
    if stub.create_mode == "old_server":
        if not body.get("modelfile") and not body.get("path"):
            return 400, {"error": "path or Modelfile are required"}
    files = body.get("files") or {}
    if not name:
        return 400, {"error": "a model name is required"}
    if not files and not body.get("from"):
        return 400, {"error": "neither 'from' or 'files' was specified"}
    missing = [d for d in files.values() if d not in stub.blobs]
    if missing:
        return 400, {"error": f"blob {missing[0]} not found"}
    return 200, _create_stream(stub, name, body)


def _create_stream(stub: OllamaStub, name: str, body: dict):
    yield {"status": "parsing GGUF"}
    if stub.create_mode == "error_midway":
        yield {"error": "unsupported architecture"}
        return
    for digest in body.get("files", {}).values():
        yield {"status": f"using existing layer {digest}"}
    yield {"status": "writing manifest"}
    params = body.get("parameters") or {}
    lines = []
    for key, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            lines.append(f"{key:<30} {json.dumps(item) if isinstance(item, str) else item}")
    size = sum(len(stub.blobs[d]) for d in body.get("files", {}).values())
    model = stub.add_model(name if ":" in name else f"{name}:latest", size=size, family="gpt2",
                           parameter_size="1.2M", quantization_level="F16", context_length=int(params.get("num_ctx") or 0),
                           capabilities=["completion"], parameters="\n".join(lines))
    model["template"] = body.get("template") or "{{ .Prompt }}"
    yield {"status": "success"}
