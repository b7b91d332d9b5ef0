"""Why a server cannot be reached, told in the learner's language (audit M3): the system's own
English ("[Errno 111] Connection refused", "ConnectError: ...", the ollama client's "connection
failed") is read for the cause and never shown as it is. Real sockets and the stand-in servers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers.chat_support import closed_port  # noqa: E402
from servers.ollama_server import OllamaStub  # noqa: E402

from tutor.chat.backends import BackendUnreachable, connect_cause, make_backend  # noqa: E402

ENGLISH_LEAKS = ("Errno", "ConnectError", "Connection refused", "connection failed", "SSL:", "wrong version")


def failure(call) -> BackendUnreachable:
    with pytest.raises(BackendUnreachable) as caught:
        call()
    return caught.value


def first_line(error: BackendUnreachable, lang: str) -> str:
    return error.text(lang).splitlines()[0]


@pytest.mark.parametrize("call", ["version", "list_models"])  # list_models goes through the ollama client
def test_refused_reads_as_nothing_listening(call):
    backend = make_backend("ollama", host=f"127.0.0.1:{closed_port()}")
    error = failure(getattr(backend, call))
    assert error.cause == "refused"
    assert "(nada escucha en ese puerto)" in first_line(error, "es")
    assert "(nothing is listening on that port)" in first_line(error, "en")
    assert not any(leak in error.text("es") for leak in ENGLISH_LEAKS)


def test_plain_http_server_asked_for_https_reads_as_tls():
    with OllamaStub() as stub:
        for backend in (make_backend("ollama", host=f"https://{stub.host}"), make_backend("openai", base_url=f"https://{stub.host}/v1")):
            error = failure(backend.list_models)
            assert error.cause == "tls"
            assert "conexión segura TLS" in first_line(error, "es")
            assert not any(leak in error.text("es") for leak in ENGLISH_LEAKS)


def test_unknown_host_name_reads_as_name_not_found():
    backend = make_backend("ollama", host="no-such-machine.invalid:11434")  # .invalid never resolves
    error = failure(backend.version)
    assert error.cause == "dns"
    assert "no se encuentra el nombre de esa máquina" in first_line(error, "es")


@pytest.mark.parametrize(
    "said, cause",
    [
        ("ConnectError: [Errno 111] Connection refused", "refused"),
        ("ConnectError: [Errno 61] Connection refused", "refused"),  # macOS
        ("ConnectError: [WinError 10061] No connection could be made", "refused"),
        ("ConnectError: [Errno -2] Name or service not known", "dns"),
        ("ConnectError: [Errno -3] Temporary failure in name resolution", "dns"),
        ("ConnectError: [Errno 8] nodename nor servname provided, or not known", "dns"),
        ("ConnectError: [Errno 11001] getaddrinfo failed", "dns"),
        ("ConnectTimeout: timed out", "timeout"),
        ("ConnectTimeout", "timeout"),
        ("ConnectError: [Errno 113] No route to host", "no_route"),
        ("ConnectError: [Errno 101] Network is unreachable", "no_route"),
        ("ConnectError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", "tls"),
        ("ConnectError: something new", "other"),
    ],
)
def test_the_systems_wordings_map_to_a_cause(said, cause):
    assert connect_cause(said) == cause


def test_an_unknown_cause_shows_the_systems_words_marked_and_cleaned():
    error = BackendUnreachable("http://127.0.0.1:11434", "ollama", "ConnectError: odd \x1b[31mthing\x1b[0m happened")
    line = first_line(error, "es")
    assert "el sistema dice: «odd" in line and "\x1b" not in line and "ConnectError" not in line
    plain = BackendUnreachable("http://127.0.0.1:11434", "ollama", "connection failed")
    assert "(la conexión falla)" in first_line(plain, "es")
