"""A small OpenAI-compatible server (the API exo, llama.cpp's server and LM Studio speak), for tests.

GET /v1/models and POST /v1/chat/completions with `stream: true` (server-sent events, a usage
chunk when `stream_options.include_usage` is set, then `data: [DONE]`). `mode` makes it misbehave:

- "ok", "not_found" (404 JSON error), "http_500", "error_midstream" (an error event),
  "close_midstream" (socket closed), "no_done" (the stream ends without [DONE] or finish_reason),
  "html" (every endpoint answers an HTML page: not what it claims), "json_not_stream" (a JSON
  body instead of a stream), "reasoning" (thoughts in `delta.reasoning_content` first).

Log-probabilities (tests/servers/logprob_data.py): a chat request with `"logprobs": true` gets
`choices[0].logprobs.content` in every content chunk (token, logprob, bytes, top_logprobs), like
llama.cpp's server and vLLM; POST /v1/completions (legacy, `"logprobs": n`, no stream) answers
`logprobs.tokens / token_logprobs / top_logprobs` for one raw-text step. `server.logprobs` is
"ok", "ignore" (a server without them: the fields are ignored) or "refuse" (HTTP 400 when they
are asked for); `server.completions = False` makes /v1/completions answer 404 (chat-only servers).
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODES = ("ok", "not_found", "http_500", "error_midstream", "close_midstream", "no_done", "html", "json_not_stream", "reasoning")


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, OSError)):
            return  # a client that hung up (a cancelled stream)
        super().handle_error(request, client_address)


class OpenAIServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.models = ["mlx-community/Llama-3.2-1B-Instruct-4bit"]
        self.context_length = 8192
        self.mode = "ok"
        self.reply = "Hi from an **OpenAI-compatible** server."
        self.reasoning = "Thinking about it."
        self.requests: list[tuple[str, str, Any]] = []
        self.gate: threading.Event | None = None  # if set, wait on it after the first chunk
        self.logprobs = "ok"  # "ok", "ignore" or "refuse" (see the module's docstring)
        self.completions = True  # serve the legacy /v1/completions
        self._stopping = threading.Event()
        self._httpd = _QuietServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def start(self) -> "OpenAIServer":
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self.gate is not None:
            self.gate.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "OpenAIServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def chat_requests(self) -> list[dict]:
        return [body for method, path, body in self.requests if path.endswith("/chat/completions")]

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, payload: Any) -> None:
                self._send(status, json.dumps(payload).encode(), "application/json")

            def _html(self) -> None:
                self._send(200, b"<!doctype html><html><body>Welcome to nginx!</body></html>", "text/html")

            def _event(self, payload: Any) -> None:
                data = ("data: " + (payload if isinstance(payload, str) else json.dumps(payload)) + "\n\n").encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _end(self) -> None:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

            def do_GET(self) -> None:
                server.requests.append(("GET", self.path, None))
                if server.mode == "html":
                    self._html()
                elif self.path in ("/v1/models", "/models"):
                    self._json(
                        200,
                        {
                            "object": "list",
                            "data": [
                                {"id": m, "object": "model", "owned_by": "test", "context_length": server.context_length}
                                for m in server.models
                            ],
                        },
                    )
                else:
                    self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
                server.requests.append(("POST", self.path, body))
                if server.mode == "html":
                    self._html()
                    return
                if self.path in ("/v1/completions", "/completions") and isinstance(body, dict) and server.completions:
                    self._json(*_completion(server, body))
                    return
                if isinstance(body, dict) and _wants_logprobs(body) and server.logprobs == "refuse":
                    self._json(400, {"error": {"message": "logprobs is not supported", "type": "invalid_request_error"}})
                    return
                if self.path not in ("/v1/chat/completions", "/chat/completions") or not isinstance(body, dict):
                    self._json(404, {"error": {"message": "not found"}})
                    return
                mode = server.mode
                model = body.get("model")
                if mode == "not_found" or model not in server.models:
                    self._json(404, {"error": {"message": f"The model `{model}` does not exist.", "type": "invalid_request_error", "code": "model_not_found"}})
                    return
                if mode == "http_500":
                    self._json(500, {"error": {"message": "backend crashed", "type": "server_error"}})
                    return
                if mode == "json_not_stream" or body.get("stream") is False:
                    self._json(200, _chat_answer(server, body))
                    return
                words = [w for w in _split(server.reply)]
                thoughts = [w for w in _split(server.reasoning)] if mode == "reasoning" else []
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    self._event({"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"role": "assistant"}}]})
                    for thought in thoughts:
                        self._event({"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"reasoning_content": thought}}]})
                    for i, word in enumerate(words):
                        if i == 2 and mode == "error_midstream":
                            self._event({"error": {"message": "llama runner process has terminated", "type": "server_error"}})
                            self._end()
                            return
                        if i == 2 and mode == "close_midstream":
                            self.wfile.flush()
                            self.connection.shutdown(socket.SHUT_RDWR)
                            self.close_connection = True
                            return
                        if i == 2 and mode == "no_done":
                            self._end()
                            return
                        choice = {"index": 0, "delta": {"content": word}}
                        if _wants_logprobs(body) and server.logprobs == "ok":
                            choice["logprobs"] = {"content": [_answer_logprob(i, word, body)]}
                        self._event({"id": "c1", "object": "chat.completion.chunk", "choices": [choice]})
                        if i == 0 and server.gate is not None:
                            while not server.gate.wait(0.05):
                                if server._stopping.is_set():
                                    return
                    self._event({"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                    if (body.get("stream_options") or {}).get("include_usage"):
                        self._event({"id": "c1", "object": "chat.completion.chunk", "choices": [], "usage": {"prompt_tokens": 21, "completion_tokens": len(words), "total_tokens": 21 + len(words)}})
                    self._event("[DONE]")
                    self._end()
                except (BrokenPipeError, ConnectionResetError, OSError):
                    return

        return Handler


def _split(text: str) -> list[str]:
    out, current = [], ""
    for ch in text:
        if ch == " " and current.strip():
            out.append(current)
            current = ""
        current += ch
    if current:
        out.append(current)
    return out


# -- log-probabilities -----------------------------------------------------------------------

def _wants_logprobs(body: dict) -> bool:
    return bool(body.get("logprobs"))


def _answer_logprob(index: int, token: str, body: dict) -> dict:
    from .logprob_data import answer_entry, openai_entry

    logprob, alternatives = answer_entry(index, token, int(body.get("top_logprobs") or 0))
    return openai_entry(token, logprob, alternatives)


def _chat_answer(server: "OpenAIServer", body: dict) -> dict:
    """A non-streamed chat answer; with max_tokens 1 and logprobs, one step of the fake model."""
    from .logprob_data import next_distribution, openai_entry

    choice: dict = {"index": 0, "message": {"role": "assistant", "content": server.reply}, "finish_reason": "stop"}
    if body.get("max_tokens") == 1:
        prompt = " ".join(str(m.get("content") or "") for m in body.get("messages") or [])
        candidates = next_distribution("[chat]" + prompt, int(body.get("top_logprobs") or 0) or 1)
        choice["message"]["content"] = candidates[0][0]
        choice["finish_reason"] = "length"
        if _wants_logprobs(body) and server.logprobs == "ok":
            token, logprob = candidates[0]
            choice["logprobs"] = {"content": [openai_entry(token, logprob, candidates if body.get("top_logprobs") else [])]}
    return {"id": "x", "object": "chat.completion", "choices": [choice]}


def _completion(server: "OpenAIServer", body: dict) -> tuple[int, dict]:
    """POST /v1/completions: one raw-text step in the legacy logprobs shape."""
    from .logprob_data import next_distribution

    model = body.get("model")
    if model not in server.models:
        return 404, {"error": {"message": f"The model `{model}` does not exist.", "type": "invalid_request_error", "code": "model_not_found"}}
    top = body.get("logprobs")
    if top is not None and server.logprobs == "refuse":
        return 400, {"error": {"message": "logprobs is not supported", "type": "invalid_request_error"}}
    candidates = next_distribution(str(body.get("prompt") or ""), int(top or 0) or 1)
    token, logprob = candidates[0]
    choice: dict = {"index": 0, "text": token, "finish_reason": "length", "logprobs": None}
    if top is not None and server.logprobs == "ok":
        choice["logprobs"] = {
            "tokens": [token],
            "token_logprobs": [logprob],
            "top_logprobs": [dict(candidates)] if top else None,
            "text_offset": [len(str(body.get("prompt") or ""))],
        }
    usage = {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}
    return 200, {"id": "cmpl-1", "object": "text_completion", "model": model, "choices": [choice], "usage": usage}
