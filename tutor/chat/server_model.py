"""The chat's current model as a source of next-token distributions (lesson 1's lab), headless.

`connect_chat_model(store)` finds the server and model the chat uses (its saved settings, else
the latest chat's model, else the first model the server lists), checks that the server sends
log-probabilities (a version check for Ollama, then one probe request) and returns a
`ServerModel`; every failure is a ChatError whose text is the note the lab shows.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from tutor.chat.backends import Backend, ChatError, LogprobsUnsupported, make_backend, resolve_ollama_host
from tutor.chat.logprobs import NEXT_TOKEN_TOP, Alternative, NextToken

PROBE_TEXT = "Hello"


class NoChatModel(ChatError):
    """The chat has no model to ask yet."""

    key = "chat.logprobs.no_model"

    def __init__(self, url: str = ""):
        super().__init__(url=url)


@dataclass
class ServerModel:
    backend: Backend
    model: str

    def next_token(self, text: str, top: int = NEXT_TOKEN_TOP) -> NextToken:
        return self.backend.next_token(self.model, text, top=top)


def chat_backend(store) -> Backend:
    """The backend the chat screen would use, from the same saved settings."""
    kind = store.get_setting("chat.backend") or "ollama"
    if kind == "openai":
        return make_backend("openai", base_url=store.get_setting("chat.base_url"))
    return make_backend("ollama", host=resolve_ollama_host(None, store.get_setting("chat.host")))


def chat_model_name(store, backend: Backend) -> str:
    from tutor.chat.history import History

    name = store.get_setting("chat.model") or ""
    if not name:
        latest = History(store).latest()
        if latest is not None and latest.backend == backend.kind:
            name = latest.model
    if not name:
        models = backend.list_models()
        name = models[0].name if models else ""
    return name


def connect_chat_model(store) -> ServerModel:
    """(runs in a worker) The chat's model, checked to answer log-probabilities."""
    backend = chat_backend(store)
    supported, version = backend.logprobs_support()
    if supported is False:
        raise LogprobsUnsupported(backend.kind, version)
    name = chat_model_name(store, backend)
    if not name:
        raise NoChatModel(backend.url)
    server = ServerModel(backend, name)
    server.next_token(PROBE_TEXT, top=1)  # raises LogprobsUnsupported for a server without them
    return server


def sample(candidates: Sequence[Alternative], temperature: float, rng: random.Random) -> Alternative:
    """Draw one of the listed candidates at `temperature` (the server's numbers are before it):
    p_i proportional to exp(logprob_i / T), over the candidates only (the long tail is left out)."""
    if not candidates:
        raise ValueError("no candidates to sample from")
    t = max(1e-6, float(temperature))
    top = max(c.logprob for c in candidates)
    weights = [math.exp((c.logprob - top) / t) for c in candidates]
    return rng.choices(list(candidates), weights=weights, k=1)[0]
