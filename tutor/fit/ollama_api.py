"""The few Ollama endpoints the fit check reads, over plain HTTP with short timeouts.

We use httpx directly because the official client's `show()` drops the tensor list that the
estimate needs. Every call raises `OllamaUnavailable` with a readable reason instead of an
httpx exception, so callers can say *why* no installed models are listed.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

DEFAULT_PORT = 11434


class OllamaUnavailable(RuntimeError):
    """Ollama could not be reached or answered something we cannot use.

    `kind` and `values` say why in a form a translated interface can word itself (the message
    stays the English one the command line prints): kind is "unreachable" (url), "timeout"
    (url, seconds), "not_found" (url), "http" (url, status) or "other".
    """

    def __init__(self, message: str, kind: str = "other", **values: object) -> None:
        super().__init__(message)
        self.kind = kind
        self.values = values


def parse_host(value: str | None = None) -> str:
    """OLLAMA_HOST the way Ollama reads it: scheme optional (http), default 127.0.0.1:11434,
    a bare IP or name gets the default port (80/443 when the scheme is given), a bad port falls
    back to the default, and 0.0.0.0 / :: (listen everywhere) mean this machine for a client.
    Returns a base URL like 'http://127.0.0.1:11434'."""
    s = (value if value is not None else os.environ.get("OLLAMA_HOST", "")).strip().strip("\"'")
    default_port = str(DEFAULT_PORT)
    if "://" in s:
        scheme, hostport = s.split("://", 1)
        scheme = scheme.lower()
        if scheme == "http":
            default_port = "80"
        elif scheme == "https":
            default_port = "443"
    else:
        scheme, hostport = "http", s
    hostport, _, path = hostport.partition("/")
    host, port = "127.0.0.1", default_port
    m = re.fullmatch(r"\[([^\]]+)\]:(\d*)|([^:\[\]]+):(\d*)", hostport)
    if m:
        host = m.group(1) or m.group(3)
        port = m.group(2) if m.group(1) else m.group(4)
    elif hostport:
        host = hostport.strip("[]")
    if not port.isdigit() or int(port) > 65535:
        port = default_port
    try:
        ip = ipaddress.ip_address(host)
        if ip.is_unspecified:
            host = "127.0.0.1" if ip.version == 4 else "::1"
            ip = ipaddress.ip_address(host)
        host_text = f"[{ip}]" if ip.version == 6 else str(ip)
    except ValueError:
        host_text = host
    base = f"{scheme}://{host_text}:{port}"
    if path:
        base += "/" + path.strip("/")
    return base


@dataclass
class ShowResult:
    model_info: dict
    tensors: list[dict]
    parameters: str
    details: dict
    capabilities: list[str]
    projector_info: dict = field(default_factory=dict)  # a separate projector file's key/values (llava)

    @property
    def num_ctx(self) -> int | None:
        """num_ctx set in the Modelfile (the `parameters` text of /api/show), if any."""
        m = re.search(r"^\s*num_ctx\s+(\d+)\s*$", self.parameters or "", re.M)
        return int(m.group(1)) if m else None


class OllamaAPI:
    def __init__(self, host: str | None = None, timeout: float = 2.0, show_timeout: float = 10.0) -> None:
        self.base = parse_host(host)
        self.timeout = timeout
        self.show_timeout = show_timeout

    def _call(self, method: str, path: str, timeout: float, **kw: Any) -> Any:
        url = self.base + path
        try:
            with httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)), trust_env=False) as c:
                r = c.request(method, url, **kw)
        except httpx.ConnectError:
            raise OllamaUnavailable(
                f"nothing answers at {self.base} (is `ollama serve` running?)", "unreachable", url=self.base
            ) from None
        except httpx.TimeoutException:
            raise OllamaUnavailable(
                f"{self.base} did not answer within {timeout:g}s", "timeout", url=self.base, seconds=timeout
            ) from None
        except httpx.HTTPError as exc:
            raise OllamaUnavailable(f"{self.base}: {exc.__class__.__name__}: {exc}") from None
        if r.status_code == 404 and path == "/api/show":
            raise OllamaUnavailable(f"model not found on {self.base}", "not_found", url=self.base)
        if r.status_code >= 400:
            raise OllamaUnavailable(f"{url} answered HTTP {r.status_code}", "http", url=url, status=r.status_code)
        try:
            return r.json()
        except ValueError:
            raise OllamaUnavailable(f"{url} did not answer JSON (is this an Ollama server?)") from None

    def version(self) -> str:
        data = self._call("GET", "/api/version", self.timeout)
        v = data.get("version") if isinstance(data, dict) else None
        if not isinstance(v, str):
            raise OllamaUnavailable(f"{self.base}/api/version has no version")
        return v

    def tags(self) -> list[dict]:
        data = self._call("GET", "/api/tags", self.timeout)
        models = data.get("models") if isinstance(data, dict) else None
        return [m for m in models or [] if isinstance(m, dict)]

    def ps(self) -> list[dict]:
        data = self._call("GET", "/api/ps", self.timeout)
        models = data.get("models") if isinstance(data, dict) else None
        return [m for m in models or [] if isinstance(m, dict)]

    def show(self, name: str) -> ShowResult:
        data = self._call("POST", "/api/show", self.show_timeout, json={"model": name, "name": name, "verbose": True})
        if not isinstance(data, dict):
            raise OllamaUnavailable("unexpected /api/show answer")
        return ShowResult(
            model_info=data.get("model_info") or {},
            tensors=data.get("tensors") or [],
            parameters=data.get("parameters") or "",
            details=data.get("details") or {},
            capabilities=list(data.get("capabilities") or []),
            projector_info=data.get("projector_info") if isinstance(data.get("projector_info"), dict) else {},
        )
