"""Chat backends, headless: Ollama (through the official `ollama` client) and OpenAI-compatible servers.

One interface for both (`Backend`): list models, describe one, stream a chat answer that can be
cancelled from another thread, and (Ollama only) pull a model with progress. Every failure comes
out as a `ChatError` subclass whose message says what happened and what to do, in either language
(`err.text(lang)`); nothing here prints, and nothing here imports Textual.

Cancelling: a `CancelToken` records the sockets a request opens (through httpcore's documented
`trace` request extension) and `cancel()` shuts them down, so a worker blocked waiting for a slow
first token wakes up at once instead of waiting for the read timeout.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import socket
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from tutor.chat.logprobs import NEXT_TOKEN_TOP, NextToken, TokenLogprob, next_token_from, ollama_has_logprobs, parse_entries, parse_legacy
from tutor.chat.sanitize import clean_chunks, clean_line, clean_text, first_meaningful_line
from tutor.i18n import t

BACKENDS = ("ollama", "openai")
CONNECT_TIMEOUT = 5.0  # seconds to open a connection
READ_TIMEOUT = 15.0  # seconds for quick calls (list, show, version)
# A big model can take minutes to load before its first token; the answer is cancellable meanwhile.
STREAM_READ_TIMEOUT = 600.0
DEFAULT_OPENAI_URL = "http://127.0.0.1:8080/v1"
# No connection at all: refused, unknown name, no route, or no answer to the connect itself (a
# firewall that drops packets). A timeout after connecting is the server being slow instead.
CONNECT_FAILED = (httpx.ConnectError, httpx.ConnectTimeout)

_MEMORY_WORDS = (
    "requires more system memory",
    "out of memory",
    "insufficient memory",
    "not enough memory",
    "cudamalloc failed",
    "unable to allocate",
    "failed to allocate",
    "model is too large",
    "exceeds available",
)


# -- hosts --------------------------------------------------------------------------------------


def parse_ollama_host(value: str | None) -> str:
    """OLLAMA_HOST the way Ollama reads it (0.0.0.0 means this machine), as a base URL.

    One parser for the whole app: it lives with the fit check (tutor.fit.ollama_api).
    """
    from tutor.fit.ollama_api import parse_host

    return parse_host(value or "")


def resolve_ollama_host(flag: str | None = None, setting: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """--host beats the saved setting, which beats OLLAMA_HOST, which beats 127.0.0.1:11434."""
    env = os.environ if environ is None else environ
    for candidate in (flag, setting, env.get("OLLAMA_HOST")):
        if candidate and candidate.strip():
            return parse_ollama_host(candidate)
    return parse_ollama_host("")


def normalize_base_url(url: str | None) -> str:
    """An OpenAI-compatible base URL: scheme added if missing, /v1 added when no path is given."""
    raw = (url or "").strip().strip("\"'") or DEFAULT_OPENAI_URL
    if "://" not in raw:
        raw = "http://" + raw
    parts = urlsplit(raw)
    host = parts.hostname or "127.0.0.1"
    try:
        ip = ipaddress.ip_address(host)
        if ip.is_unspecified:
            host = "127.0.0.1" if ip.version == 4 else "::1"
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass
    netloc = host + (f":{parts.port}" if parts.port else "")
    path = parts.path.rstrip("/") or "/v1"
    return f"{parts.scheme}://{netloc}{path}"


_SSL: dict[str, Any] = {}
_SSL_LOCK = threading.Lock()


def _ssl_context():
    """One TLS context for every client (building one per request costs tens of milliseconds)."""
    with _SSL_LOCK:
        if "context" not in _SSL:
            import ssl

            try:
                import certifi

                _SSL["context"] = ssl.create_default_context(cafile=certifi.where())
            except ImportError:  # pragma: no cover - certifi comes with httpx
                _SSL["context"] = ssl.create_default_context()
        return _SSL["context"]


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# -- errors -------------------------------------------------------------------------------------


class ChatError(Exception):
    """A failure the learner can read: `text(lang)` says what happened and what to do."""

    key = "chat.err.generic"

    def __init__(self, **values: Any):
        # Server texts (details, bodies, reasons, model names) are outside text: cleaned on the way in.
        self.values = {k: ("" if v is None else clean_text(v) if isinstance(v, str) else v) for k, v in values.items()}
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.values)


# How a failed connection reads, by what the system said (Linux, macOS and Windows wordings).
# The first match wins: a TLS failure's text can also mention a timeout or a refusal.
CONNECT_CAUSES = (
    ("tls", ("ssl", "certificate", "tls", "handshake")),
    ("refused", ("refused", "errno 111]", "errno 61]", "10061")),
    ("dns", ("name or service not known", "nodename nor servname", "name resolution", "getaddrinfo",
             "no address associated", "name does not resolve", "errno -2]", "errno -3]", "errno -5]", "11001")),
    ("no_route", ("network is unreachable", "no route to host", "host is unreachable", "errno 101]", "errno 113]")),
    ("timeout", ("timed out", "timeout")),
)


def connect_cause(reason: str) -> str:
    """What kind of connection failure `reason` (an exception's text) describes: one of
    CONNECT_CAUSES' names, or "other"."""
    low = reason.lower()
    for cause, marks in CONNECT_CAUSES:
        if any(mark in low for mark in marks):
            return cause
    return "other"


class BackendUnreachable(ChatError):
    """Nothing answers at the host (not installed, not running, wrong OLLAMA_HOST, SSH tunnel down).

    The system's own words (English, with errno numbers) are read for the cause, and the learner
    gets the cause in their language; they are shown, marked as the system's, only when no known
    cause matched."""

    def __init__(self, url: str, backend: str = "ollama", reason: str = ""):
        self.url = url
        self.backend = backend
        self.key = "chat.err.unreachable" if backend == "ollama" else "chat.err.unreachable_openai"
        self.cause = connect_cause(reason)
        detail = reason.split(": ", 1)[1] if re.match(r"^\w+: ", reason) else reason  # no class name
        detail = "" if detail == UNKNOWN_CAUSE else detail
        self.detail = _clip(clean_line(detail), 100)
        super().__init__(url=url, reason=reason)

    def reason_text(self, lang: str) -> str:
        if self.cause != "other":
            return t(f"chat.net.{self.cause}", lang)
        if self.detail:
            return t("chat.net.other_detail", lang, detail=self.detail)
        return t("chat.net.other", lang)

    def text(self, lang: str) -> str:
        return t(self.key, lang, **{**self.values, "reason": self.reason_text(lang)})


class ModelNotFound(ChatError):
    key = "chat.err.not_found"

    def __init__(self, model: str, can_pull: bool = True, detail: str = ""):
        self.model = model
        self.can_pull = can_pull
        if not can_pull:
            self.key = "chat.err.not_found_openai"
        super().__init__(model=model, detail=detail)


class ModelTooLarge(ChatError):
    """The server could not load the model: out of memory."""

    key = "chat.err.too_large"

    def __init__(self, model: str, detail: str):
        self.model = model
        self.detail = detail
        super().__init__(model=model, detail=detail)


class StreamFailed(ChatError):
    """The server sent an error line in the middle of the answer."""

    key = "chat.err.midstream"

    def __init__(self, detail: str):
        self.detail = first_meaningful_line(detail, 240)
        super().__init__(detail=self.detail)


class StreamCut(ChatError):
    """The connection closed before the answer was complete."""

    key = "chat.err.cut"

    def __init__(self, detail: str = ""):
        self.detail = detail
        super().__init__(detail=detail)


class StreamTimeout(ChatError):
    key = "chat.err.timeout"

    def __init__(self, seconds: float):
        super().__init__(seconds=int(seconds))


class ServerError(ChatError):
    """An HTTP 4xx/5xx answer, with its body."""

    key = "chat.err.http"

    def __init__(self, status: int, body: str):
        self.status = status
        self.body = clean_text(body)
        super().__init__(status=status, body=first_meaningful_line(body))


class NotCompatible(ChatError):
    """The server does not speak the API it was supposed to."""

    key = "chat.err.not_compatible"

    def __init__(self, url: str, detail: str, backend: str = "openai"):
        self.url = url
        self.detail = detail
        self.backend = backend
        super().__init__(url=url, detail=_clip(detail, 200), api="OpenAI" if backend == "openai" else "Ollama")


class PullNotSupported(ChatError):
    key = "chat.err.no_pull"

    def __init__(self) -> None:
        super().__init__()


class PullFailed(ChatError):
    key = "chat.err.pull"

    def __init__(self, model: str, detail: str):
        self.model = model
        self.detail = first_meaningful_line(detail, 240)  # a proxy's HTML page is one line here
        super().__init__(model=model, detail=self.detail)


class LogprobsUnsupported(ChatError):
    """The server sends no log-probabilities: an Ollama before 0.12.11, or an OpenAI server without them."""

    def __init__(self, backend: str = "ollama", version: str = ""):
        self.backend = backend
        self.version = version
        if backend != "ollama":
            self.key = "chat.logprobs.none_openai"
        elif version:
            self.key = "chat.logprobs.old_ollama"
        else:
            self.key = "chat.logprobs.none_ollama"
        super().__init__(version=version, needed="0.12.11")


def _clip(text: str, limit: int) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_memory_error(text: str) -> bool:
    low = (text or "").lower()
    return any(word in low for word in _MEMORY_WORDS)


# -- data ---------------------------------------------------------------------------------------


@dataclass
class ModelEntry:
    """One installed (or served) model, as the picker lists it."""

    name: str
    size: int | None = None  # bytes on disk
    parameter_size: str = ""
    quantization: str = ""
    family: str = ""
    digest: str = ""
    context_length: int | None = None  # what the server says the model can take, if it says

    def __post_init__(self) -> None:  # names and facts come from the server: outside text
        for name in ("name", "parameter_size", "quantization", "family", "digest"):
            setattr(self, name, clean_line(getattr(self, name)))


@dataclass
class ModelDetails:
    name: str
    context_length: int | None = None  # the model's trained context (model_info)
    num_ctx: int | None = None  # the Modelfile's num_ctx parameter, if set
    capabilities: list[str] = field(default_factory=list)
    family: str = ""
    parameter_size: str = ""
    quantization: str = ""
    template: str = ""  # the Modelfile's prompt template

    def __post_init__(self) -> None:
        for name in ("name", "family", "parameter_size", "quantization"):
            setattr(self, name, clean_line(getattr(self, name)))
        self.capabilities = [clean_line(c) for c in self.capabilities]

    @property
    def thinks(self) -> bool:
        return "thinking" in self.capabilities

    @property
    def completion_only(self) -> bool:
        """A base model (such as the course GPT exported to GGUF): its template passes the prompt
        through untouched, so there is no chat format to fill and no system prompt to follow."""
        return self.template.strip() == "{{ .Prompt }}"


@dataclass
class Stats:
    """What one answer cost. Durations in seconds; None where the server did not say."""

    prompt_tokens: int | None = None
    output_tokens: int | None = None
    eval_seconds: float | None = None
    prompt_seconds: float | None = None
    load_seconds: float | None = None
    total_seconds: float | None = None
    done_reason: str = ""
    measured_by_client: bool = False  # tokens/s timed here (OpenAI servers that do not report it)

    @property
    def tokens_per_second(self) -> float | None:
        if self.output_tokens and self.eval_seconds and self.eval_seconds > 0:
            return self.output_tokens / self.eval_seconds
        return None

    @property
    def context_used(self) -> int | None:
        if self.prompt_tokens is None and self.output_tokens is None:
            return None
        return (self.prompt_tokens or 0) + (self.output_tokens or 0)

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None and v != "" and v is not False}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Stats | None:
        if not data:
            return None
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        return cls(**values) if values else None


@dataclass
class Chunk:
    content: str = ""
    thinking: str = ""
    done: bool = False
    stats: Stats | None = None
    logprobs: list[TokenLogprob] | None = None  # this chunk's tokens, when the answer was asked for them


@dataclass
class PullProgress:
    status: str
    digest: str = ""
    total: int = 0  # this layer
    completed: int = 0
    overall_total: int = 0  # every layer seen so far
    overall_completed: int = 0

    def __post_init__(self) -> None:
        self.status = clean_line(self.status)
        self.digest = clean_line(self.digest)

    @property
    def fraction(self) -> float | None:
        if self.overall_total <= 0:
            return None
        return min(1.0, self.overall_completed / self.overall_total)


class CancelToken:
    """Cancel a request from another thread: sets a flag and shuts the request's sockets down."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._streams: list[Any] = []

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        self._event.set()
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            _shutdown(stream)

    def wait(self, timeout: float) -> bool:
        return self._event.wait(timeout)

    # httpx/httpcore plumbing: the "trace" extension reports each new connection.
    def trace(self, event_name: str, info: dict) -> None:
        if event_name in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            stream = info.get("return_value")
            if stream is None:
                return
            with self._lock:
                self._streams.append(stream)
            if self.cancelled:
                _shutdown(stream)

    def request_hook(self, request: httpx.Request) -> None:
        request.extensions["trace"] = self.trace


def _shutdown(stream: Any) -> None:
    try:
        sock = stream.get_extra_info("socket")
    except Exception:  # noqa: BLE001 - a stream that is already gone
        return
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


# -- the interface ------------------------------------------------------------------------------


class Backend:
    """What the chat needs from a server. Subclasses: OllamaBackend, OpenAIBackend."""

    kind = ""
    can_pull = False

    def __init__(self, url: str):
        self.url = url

    def describe(self) -> str:
        return f"{self.kind} · {self.url}"

    def version(self) -> str:
        raise NotImplementedError

    def list_models(self) -> list[ModelEntry]:
        raise NotImplementedError

    def show(self, model: str) -> ModelDetails:
        raise NotImplementedError

    def loaded_context(self, model: str) -> int | None:
        """The context the server loaded the model with, if it says (Ollama's /api/ps)."""
        return None

    def chat(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        options: Mapping[str, Any] | None = None,
        think: bool | None = None,
        cancel: CancelToken | None = None,
        top_logprobs: int | None = None,
    ) -> Iterator[Chunk]:
        """Yield the answer as it arrives; the last chunk has done=True and the stats.

        A cancelled answer simply stops (no done chunk): check `cancel.cancelled`. Every piece of text
        is cleaned (tutor.chat.sanitize) and `<think>` inside the content arrives as thinking. With
        `top_logprobs` (0-20) each chunk also carries its tokens' log-probabilities and that many
        alternatives, where the server sends them (a server that cannot simply sends none).
        """
        return clean_chunks(
            self._stream(model, messages, options=options, think=think, cancel=cancel, top_logprobs=top_logprobs)
        )

    def _stream(self, model, messages, *, options=None, think=None, cancel=None, top_logprobs=None) -> Iterator[Chunk]:
        """The server's raw chunks (subclasses); `chat` cleans them."""
        raise NotImplementedError

    def logprobs_support(self) -> tuple[bool | None, str]:
        """(whether this server can send log-probabilities, its version): None when unknown."""
        return None, ""

    def next_token(self, model: str, text: str, *, top: int = NEXT_TOKEN_TOP, cancel: CancelToken | None = None) -> NextToken:
        """The model's distribution for the token after `text` (raw text, no chat template)."""
        raise LogprobsUnsupported(self.kind)

    def pull(self, model: str, cancel: CancelToken | None = None) -> Iterator[PullProgress]:
        raise PullNotSupported()


def make_backend(kind: str, *, host: str | None = None, base_url: str | None = None, api_key: str | None = None) -> Backend:
    if kind == "openai":
        return OpenAIBackend(base_url, api_key=api_key)
    return OllamaBackend(host)


# -- Ollama -------------------------------------------------------------------------------------


class OllamaBackend(Backend):
    kind = "ollama"
    can_pull = True

    def __init__(self, host: str | None = None):
        super().__init__(resolve_ollama_host(host) if host else resolve_ollama_host())
        self._version: str | None = None  # read once, for the log-probabilities notes

    def _client(self, read: float, cancel: CancelToken | None = None):
        import ollama

        kwargs: dict[str, Any] = {"timeout": httpx.Timeout(read, connect=CONNECT_TIMEOUT), "verify": _ssl_context()}
        if cancel is not None:
            kwargs["event_hooks"] = {"request": [cancel.request_hook]}
        if _is_loopback(self.url):
            kwargs["trust_env"] = False  # never send a local Ollama through an HTTP proxy
        return ollama.Client(host=self.url, **kwargs)

    def _call(self, fn, model: str = "", *, read: float = READ_TIMEOUT, cancel: CancelToken | None = None):
        """Run one non-streaming client call, mapping every failure to a ChatError."""
        import ollama
        import pydantic

        client = self._client(read, cancel)
        try:
            return fn(client)
        except ollama.ResponseError as exc:
            raise self._response_error(exc, model) from None
        except (ConnectionError, *CONNECT_FAILED) as exc:
            raise BackendUnreachable(self.url, "ollama", _reason(exc)) from None
        except httpx.TimeoutException:
            raise StreamTimeout(read) from None
        except httpx.HTTPError as exc:
            raise BackendUnreachable(self.url, "ollama", _reason(exc)) from None
        except (ValueError, TypeError, KeyError, pydantic.ValidationError) as exc:  # not Ollama's JSON
            raise NotCompatible(self.url, f"{type(exc).__name__}: {_clip(str(exc), 120)}", backend="ollama") from None
        finally:
            client.close()

    def _response_error(self, exc, model: str) -> ChatError:
        text = str(getattr(exc, "error", "") or exc)
        status = int(getattr(exc, "status_code", -1) or -1)
        if status == 404 and "not found" in text.lower():
            return ModelNotFound(model or _quoted_model(text), can_pull=True, detail=text)
        if _is_memory_error(text):
            return ModelTooLarge(model, text)
        if status == -1:
            return StreamFailed(text)
        return ServerError(status, text)

    def version(self) -> str:
        """The server's version (GET /api/version: the official client has no call for it)."""
        try:
            with httpx.Client(
                timeout=httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT),
                trust_env=not _is_loopback(self.url),
                verify=_ssl_context(),
            ) as client:
                response = client.get(self.url + "/api/version")
        except CONNECT_FAILED as exc:
            raise BackendUnreachable(self.url, "ollama", _reason(exc)) from None
        except httpx.TimeoutException:
            raise StreamTimeout(READ_TIMEOUT) from None
        except httpx.HTTPError as exc:
            raise BackendUnreachable(self.url, "ollama", _reason(exc)) from None
        if response.status_code >= 400:
            raise ServerError(response.status_code, response.text)
        try:
            version = response.json().get("version")
        except (ValueError, AttributeError):
            version = None
        if not isinstance(version, str):
            raise NotCompatible(self.url, f"/api/version: {_clip(response.text, 120) or 'empty'}", backend="ollama")
        return clean_line(version)

    def list_models(self) -> list[ModelEntry]:
        response = self._call(lambda c: c.list())
        entries = []
        for item in response.models:
            details = item.details
            entries.append(
                ModelEntry(
                    name=item.model or "",
                    size=int(item.size) if item.size is not None else None,
                    parameter_size=(details.parameter_size or "") if details else "",
                    quantization=(details.quantization_level or "") if details else "",
                    family=(details.family or "") if details else "",
                    digest=item.digest or "",
                )
            )
        return [e for e in entries if e.name]

    def show(self, model: str) -> ModelDetails:
        response = self._call(lambda c: c.show(model), model)
        info = dict(response.modelinfo or {})
        arch = info.get("general.architecture", "")
        context = info.get(f"{arch}.context_length") if arch else None
        details = response.details
        return ModelDetails(
            name=model,
            context_length=int(context) if isinstance(context, (int, float)) else None,
            num_ctx=_num_ctx(response.parameters or ""),
            capabilities=list(response.capabilities or []),
            family=(details.family or "") if details else "",
            parameter_size=(details.parameter_size or "") if details else "",
            quantization=(details.quantization_level or "") if details else "",
            template=response.template or "",
        )

    def loaded_context(self, model: str) -> int | None:
        try:
            response = self._call(lambda c: c.ps())
        except ChatError:
            return None
        for item in response.models:
            if item.model == model or item.name == model:
                return item.context_length
        return None

    def _stream(self, model, messages, *, options=None, think=None, cancel=None, top_logprobs=None) -> Iterator[Chunk]:
        token = cancel or CancelToken()
        try:
            yield from self._chat(model, messages, options, think, token, top_logprobs)
        except ModelThinkingUnsupported:
            yield from self._chat(model, messages, options, None, token, top_logprobs)

    def logprobs_support(self) -> tuple[bool | None, str]:
        if self._version is None:
            try:
                self._version = self.version()
            except ChatError:
                return None, ""
        return ollama_has_logprobs(self._version), self._version

    def next_token(self, model, text, *, top=NEXT_TOKEN_TOP, cancel=None) -> NextToken:
        """One raw `/api/generate` step: num_predict 1, logprobs with `top` alternatives.

        Temperature 0 makes the one token the server draws its most likely one, so "no logprobs
        in the answer" can only mean the end-of-text token (Ollama reports none for it); the
        numbers themselves do not depend on temperature.
        """
        response = self._call(
            lambda client: client.generate(
                model=model,
                prompt=text,
                raw=True,
                stream=False,
                options={"num_predict": 1, "temperature": 0},
                logprobs=True,
                top_logprobs=max(0, min(20, int(top))),
            ),
            model,
            read=STREAM_READ_TIMEOUT,
            cancel=cancel or CancelToken(),
        )
        entries = parse_entries(response.logprobs)
        if entries:
            return next_token_from(entries)
        supported, version = self.logprobs_support()
        if supported and not (response.response or ""):
            return NextToken(ended=True)
        raise LogprobsUnsupported("ollama", version if supported is False else "")

    def _chat(self, model, messages, options, think, token: CancelToken, top_logprobs: int | None = None) -> Iterator[Chunk]:
        import ollama
        import pydantic

        client = self._client(STREAM_READ_TIMEOUT, token)
        stream = None
        started = False
        try:
            stream = client.chat(
                model=model,
                messages=[dict(m) for m in messages],
                stream=True,
                options=dict(options) if options else None,
                think=think,
                logprobs=True if top_logprobs is not None else None,
                top_logprobs=top_logprobs,
            )
            for part in stream:
                if token.cancelled:
                    return
                message = part.message
                chunk = Chunk(content=message.content or "", thinking=message.thinking or "")
                if part.logprobs:
                    chunk.logprobs = parse_entries(part.logprobs)
                if part.done:
                    chunk.done = True
                    chunk.stats = _ollama_stats(part)
                started = True
                yield chunk
                if chunk.done:
                    return
            if token.cancelled:
                return
            raise StreamCut("the answer ended without its final chunk")
        except ollama.ResponseError as exc:
            if token.cancelled:
                return
            text = str(getattr(exc, "error", "") or exc)
            if think and not started and "does not support thinking" in text.lower():
                raise ModelThinkingUnsupported() from None
            raise self._response_error(exc, model) from None
        except (ConnectionError, *CONNECT_FAILED) as exc:
            if token.cancelled:
                return
            raise BackendUnreachable(self.url, "ollama", _reason(exc)) from None
        except httpx.TimeoutException:
            if token.cancelled:
                return
            raise StreamTimeout(STREAM_READ_TIMEOUT) from None
        except httpx.HTTPError as exc:  # RemoteProtocolError, ReadError: the connection went away
            if token.cancelled:
                return
            raise StreamCut(_reason(exc)) from None
        except (ValueError, pydantic.ValidationError) as exc:  # a line that is not Ollama's JSON
            if token.cancelled:
                return
            raise NotCompatible(self.url, f"{type(exc).__name__}: {_clip(str(exc), 120)}", backend="ollama") from None
        finally:
            if stream is not None:
                try:
                    stream.close()
                except Exception:  # noqa: BLE001 - closing a broken stream
                    pass
            client.close()

    def pull(self, model: str, cancel: CancelToken | None = None) -> Iterator[PullProgress]:
        import ollama
        import pydantic

        token = cancel or CancelToken()
        client = self._client(STREAM_READ_TIMEOUT, token)
        layers: dict[str, tuple[int, int]] = {}
        stream = None
        success = False
        try:
            stream = client.pull(model, stream=True)
            for part in stream:
                if token.cancelled:
                    return
                status = part.status or ""
                digest = part.digest or ""
                total = int(part.total or 0)
                completed = int(part.completed or 0)
                if digest and total:
                    layers[digest] = (total, min(completed, total))
                yield PullProgress(
                    status=status,
                    digest=digest,
                    total=total,
                    completed=completed,
                    overall_total=sum(v[0] for v in layers.values()),
                    overall_completed=sum(v[1] for v in layers.values()),
                )
                if status == "success":
                    success = True
            if not success and not token.cancelled:
                raise PullFailed(model, "the download ended early; run the pull again to resume it")
        except ollama.ResponseError as exc:
            if token.cancelled:
                return
            text = str(getattr(exc, "error", "") or exc)
            if "file does not exist" in text or "not found" in text.lower():
                raise PullFailed(model, t("chat.pull.no_such_model", "en")) from None
            raise PullFailed(model, text) from None
        except (ConnectionError, *CONNECT_FAILED) as exc:
            if token.cancelled:
                return
            raise BackendUnreachable(self.url, "ollama", _reason(exc)) from None
        except httpx.HTTPError as exc:
            if token.cancelled:
                return
            raise PullFailed(model, f"{_reason(exc)}; run the pull again to resume it") from None
        except (ValueError, pydantic.ValidationError) as exc:
            if token.cancelled:
                return
            raise NotCompatible(self.url, str(exc), backend="ollama") from None
        finally:
            if stream is not None:
                try:
                    stream.close()
                except Exception:  # noqa: BLE001
                    pass
            client.close()


class _LogprobsRefused(Exception):
    """Internal: an OpenAI-compatible server refused the logprobs fields; the chat retries without."""


class ModelThinkingUnsupported(Exception):
    """Internal: the model refused `think`; the chat retries without it."""


def _ollama_stats(part: Any) -> Stats:
    def seconds(ns: Any) -> float | None:
        return ns / 1e9 if isinstance(ns, (int, float)) and ns > 0 else None

    return Stats(
        prompt_tokens=part.prompt_eval_count,
        output_tokens=part.eval_count,
        eval_seconds=seconds(part.eval_duration),
        prompt_seconds=seconds(part.prompt_eval_duration),
        load_seconds=seconds(part.load_duration),
        total_seconds=seconds(part.total_duration),
        done_reason=part.done_reason or "",
    )


def _num_ctx(parameters: str) -> int | None:
    match = re.search(r"^\s*num_ctx\s+(\d+)\s*$", parameters or "", re.M)
    return int(match.group(1)) if match else None


def _quoted_model(text: str) -> str:
    match = re.search(r"[\"']([^\"']+)[\"']", text)
    return match.group(1) if match else ""


UNKNOWN_CAUSE = "connection failed"


def _reason(exc: BaseException) -> str:
    if type(exc) is ConnectionError:  # the ollama client's own, which hides the cause...
        cause = exc.__context__  # ...raised `from None` while handling httpx's error, still kept here
        return _reason(cause) if cause is not None else UNKNOWN_CAUSE
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# -- OpenAI-compatible --------------------------------------------------------------------------


class OpenAIBackend(Backend):
    """Any server with /v1/models and streaming /v1/chat/completions (exo, llama.cpp, LM Studio, vLLM)."""

    kind = "openai"
    can_pull = False

    def __init__(self, base_url: str | None = None, api_key: str | None = None):
        super().__init__(normalize_base_url(base_url))
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY", "")
        self._models: dict[str, dict] = {}
        self._refuses_logprobs = False

    def _client(self, read: float) -> httpx.Client:
        headers = {"Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return httpx.Client(
            timeout=httpx.Timeout(read, connect=CONNECT_TIMEOUT),
            headers=headers,
            trust_env=not _is_loopback(self.url),
            follow_redirects=True,
            verify=_ssl_context(),
        )

    def _get_json(self, path: str) -> Any:
        url = self.url + path
        try:
            with self._client(READ_TIMEOUT) as client:
                response = client.get(url)
        except CONNECT_FAILED as exc:
            raise BackendUnreachable(self.url, "openai", _reason(exc)) from None
        except httpx.TimeoutException:
            raise StreamTimeout(READ_TIMEOUT) from None
        except httpx.HTTPError as exc:
            raise BackendUnreachable(self.url, "openai", _reason(exc)) from None
        if response.status_code == 404:
            raise NotCompatible(self.url, f"GET {path} answered 404: {_clip(response.text, 120)}")
        if response.status_code >= 400:
            raise ServerError(response.status_code, response.text)
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("content-type", "?")
            raise NotCompatible(self.url, f"GET {path} answered {kind}, not JSON: {_clip(response.text, 80)}") from None

    def _model_list(self) -> list[dict]:
        data = self._get_json("/models")
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items):
            raise NotCompatible(self.url, 'GET /models has no "data" list of models with an "id"')
        self._models = {item["id"]: item for item in items}
        return items

    def version(self) -> str:
        self._model_list()
        return "OpenAI-compatible"

    def list_models(self) -> list[ModelEntry]:
        entries = []
        for item in self._model_list():
            entries.append(ModelEntry(name=item["id"], family=str(item.get("owned_by") or ""), context_length=_openai_context(item)))
        return entries

    def show(self, model: str) -> ModelDetails:
        if model not in self._models:
            try:
                self._model_list()
            except ChatError:
                pass
        item = self._models.get(model, {})
        return ModelDetails(name=model, context_length=_openai_context(item))

    def _stream(self, model, messages, *, options=None, think=None, cancel=None, top_logprobs=None) -> Iterator[Chunk]:
        token = cancel or CancelToken()
        if self._refuses_logprobs:
            top_logprobs = None
        try:
            yield from self._chat(model, messages, options, token, top_logprobs)
        except _LogprobsRefused:
            # A server that refuses the logprobs fields (HTTP 400/422 before any token) still chats,
            # and is not asked for them again.
            self._refuses_logprobs = True
            yield from self._chat(model, messages, options, token, None)

    def _chat(self, model, messages, options, token: CancelToken, top_logprobs: int | None) -> Iterator[Chunk]:
        options = dict(options or {})
        body: dict[str, Any] = {
            "model": model,
            "messages": [{"role": m["role"], "content": m.get("content") or ""} for m in messages],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        for ours, theirs in (("temperature", "temperature"), ("top_p", "top_p"), ("num_predict", "max_tokens"), ("seed", "seed")):
            if options.get(ours) is not None:
                body[theirs] = options[ours]
        if top_logprobs is not None:
            body["logprobs"] = True
            body["top_logprobs"] = max(0, min(20, int(top_logprobs)))
        url = self.url + "/chat/completions"
        started_at = time.monotonic()
        first_token_at: float | None = None
        pieces = 0
        usage: dict = {}
        timings: dict = {}
        finish_reason = ""
        got_done = False
        try:
            with self._client(STREAM_READ_TIMEOUT) as client:
                with client.stream("POST", url, json=body, extensions={"trace": token.trace}) as response:
                    if response.status_code >= 400:
                        response.read()
                        if top_logprobs is not None and response.status_code in (400, 422):
                            raise _LogprobsRefused()
                        raise self._status_error(response, model)
                    kind = response.headers.get("content-type", "")
                    if "event-stream" not in kind:
                        response.read()
                        raise NotCompatible(
                            self.url, f"POST /chat/completions answered {kind or 'no content type'}, not a stream: {_clip(response.text, 80)}"
                        )
                    for line in response.iter_lines():
                        if token.cancelled:
                            return
                        line = line.strip()
                        if not line or line.startswith(":") or line.startswith(("event:", "id:", "retry:")):
                            continue
                        if not line.startswith("data:"):
                            raise NotCompatible(self.url, f"not a server-sent event: {_clip(line, 80)}")
                        data = line[5:].strip()
                        if data == "[DONE]":
                            got_done = True
                            break
                        try:
                            event = json.loads(data)
                        except ValueError:
                            raise NotCompatible(self.url, f"an event that is not JSON: {_clip(data, 80)}") from None
                        if not isinstance(event, dict):
                            raise NotCompatible(self.url, f"an event that is not an object: {_clip(data, 80)}")
                        if "error" in event:
                            error = event["error"]
                            detail = error.get("message") if isinstance(error, dict) else str(error)
                            if _is_memory_error(str(detail)):
                                raise ModelTooLarge(model, str(detail))
                            raise StreamFailed(str(detail))
                        if isinstance(event.get("usage"), dict):
                            usage = event["usage"]
                        if isinstance(event.get("timings"), dict):
                            timings = event["timings"]
                        choices = event.get("choices")
                        if not isinstance(choices, list):
                            if usage:
                                continue
                            raise NotCompatible(self.url, f'an event without "choices": {_clip(data, 80)}')
                        for choice in choices[:1]:
                            delta = choice.get("delta") or choice.get("message") or {}
                            content = delta.get("content") or ""
                            thinking = delta.get("reasoning_content") or delta.get("reasoning") or ""
                            if choice.get("finish_reason"):
                                finish_reason = str(choice["finish_reason"])
                            entries = choice.get("logprobs")
                            entries = parse_entries(entries.get("content")) if isinstance(entries, dict) else None
                            if content or thinking:
                                if first_token_at is None:
                                    first_token_at = time.monotonic()
                                pieces += 1
                                yield Chunk(content=str(content), thinking=str(thinking), logprobs=entries or None)
        except _LogprobsRefused:
            raise
        except ChatError:
            if token.cancelled:
                return
            raise
        except CONNECT_FAILED as exc:
            if token.cancelled:
                return
            raise BackendUnreachable(self.url, "openai", _reason(exc)) from None
        except httpx.TimeoutException:
            if token.cancelled:
                return
            raise StreamTimeout(STREAM_READ_TIMEOUT) from None
        except httpx.HTTPError as exc:
            if token.cancelled:
                return
            raise StreamCut(_reason(exc)) from None
        if token.cancelled:
            return
        if not got_done and not finish_reason:
            raise StreamCut("the stream ended without [DONE]")
        ended = time.monotonic()
        stats = Stats(
            prompt_tokens=usage.get("prompt_tokens"),
            output_tokens=usage.get("completion_tokens") or (pieces or None),
            total_seconds=ended - started_at,
            done_reason=finish_reason,
        )
        if timings.get("predicted_ms"):
            stats.eval_seconds = float(timings["predicted_ms"]) / 1000
            stats.output_tokens = timings.get("predicted_n") or stats.output_tokens
            if timings.get("prompt_ms"):
                stats.prompt_seconds = float(timings["prompt_ms"]) / 1000
        elif first_token_at is not None and ended > first_token_at:
            stats.eval_seconds = ended - first_token_at
            stats.measured_by_client = True
        yield Chunk(done=True, stats=stats)

    def next_token(self, model, text, *, top=NEXT_TOKEN_TOP, cancel=None) -> NextToken:
        """The legacy completions API (raw text, `logprobs: n`, max_tokens 1) where the server has it;
        else one chat step (`logprobs`, `top_logprobs`), whose template wraps the text."""
        top = max(0, min(20, int(top)))
        body = {"model": model, "prompt": text, "max_tokens": 1, "temperature": 0, "logprobs": top, "stream": False}
        status, data = self._post_json("/completions", body, model)
        via_chat = False
        if status == 404:
            via_chat = True
            body = {
                "model": model,
                "messages": [{"role": "user", "content": text}],
                "max_tokens": 1,
                "temperature": 0,
                "logprobs": True,
                "top_logprobs": top,
                "stream": False,
            }
            status, data = self._post_json("/chat/completions", body, model)
        if status in (400, 422):  # a server that refuses the logprobs fields
            raise LogprobsUnsupported("openai")
        choices = data.get("choices") if isinstance(data, dict) else None
        choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
        logprobs = choice.get("logprobs")
        entries = parse_entries(logprobs.get("content")) if via_chat and isinstance(logprobs, dict) else parse_legacy(logprobs)
        if not entries:
            raise LogprobsUnsupported("openai")
        result = next_token_from(entries)
        result.via_chat = via_chat
        return result

    def _post_json(self, path: str, body: dict, model: str) -> tuple[int, Any]:
        """POST one JSON request: (404 or 400/422, None) for the caller to handle, else the JSON answer."""
        try:
            with self._client(STREAM_READ_TIMEOUT) as client:
                response = client.post(self.url + path, json=body)
        except CONNECT_FAILED as exc:
            raise BackendUnreachable(self.url, "openai", _reason(exc)) from None
        except httpx.TimeoutException:
            raise StreamTimeout(STREAM_READ_TIMEOUT) from None
        except httpx.HTTPError as exc:
            raise StreamCut(_reason(exc)) from None
        if response.status_code in (400, 422) or (response.status_code == 404 and "model" not in response.text.lower()):
            return response.status_code, None
        if response.status_code >= 400:
            raise self._status_error(response, model)
        try:
            return response.status_code, response.json()
        except ValueError:
            kind = response.headers.get("content-type", "?")
            raise NotCompatible(self.url, f"POST {path} answered {kind}, not JSON: {_clip(response.text, 80)}") from None

    def _status_error(self, response: httpx.Response, model: str) -> ChatError:
        text = response.text
        detail = text
        try:
            data = json.loads(text)
            error = data.get("error") if isinstance(data, dict) else None
            if isinstance(error, dict):
                detail = str(error.get("message") or text)
            elif isinstance(error, str):
                detail = error
        except ValueError:
            pass
        low = detail.lower()
        if response.status_code == 404 and ("model" in low or "not found" in low):
            return ModelNotFound(model, can_pull=False, detail=detail)
        if _is_memory_error(detail):
            return ModelTooLarge(model, detail)
        return ServerError(response.status_code, detail)


def _openai_context(item: Mapping[str, Any]) -> int | None:
    for key in ("context_length", "max_model_len", "context_window", "max_context_length"):
        value = item.get(key)
        if isinstance(value, int) and value > 0:
            return value
    meta = item.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("n_ctx_train"), int):
        return meta["n_ctx_train"]
    return None
