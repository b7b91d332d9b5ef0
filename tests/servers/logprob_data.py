"""The stand-in servers' "model" for log-probabilities: deterministic numbers in the servers' shapes.

Both stand-ins (ollama_server.py, openai_server.py) answer from here, and tests compute what the
screen must show from the same functions, so a test never copies a number by hand.

- `next_distribution(prompt)`: the most likely next tokens after a raw text, most likely first,
  as (token, logprob). It changes with the prompt (so appending a token changes the bars).
- `answer_entry(index, token, top)`: the log-probability entry of the index-th answer token.
- `ollama_entry`, `openai_entry`: those entries in Ollama's and OpenAI's JSON shapes.
- `LOGPROBS_FROM`: the first Ollama version that answers logprobs (older ones ignore the fields).
"""

from __future__ import annotations

import math

LOGPROBS_FROM = (0, 12, 11)
END_MARK = "<|end|>"  # a prompt ending with this makes the model's top token its end-of-text token

# Candidate next tokens of the fake model, with weights (normalised below, with a long tail).
_CANDIDATES = [
    " mesa", " casa", " cama", " silla", " calle", " ventana", " cocina", " puerta", " sofá", " alfombra",
    " mat", " sofa", " floor", " roof", " box", "\n", ".", ",", " y", " que", " el", " la", " de", " un",
]
_TAIL = 0.06  # probability left to the rest of the vocabulary


def _weights(prompt: str) -> list[tuple[str, float]]:
    shift = sum(map(ord, prompt)) % len(_CANDIDATES)
    order = _CANDIDATES[shift:] + _CANDIDATES[:shift]
    raw = [1.0 / (rank + 1) ** 1.3 for rank in range(len(order))]
    total = sum(raw)
    return [(token, (1 - _TAIL) * w / total) for token, w in zip(order, raw)]


def next_distribution(prompt: str, top: int = 20) -> list[tuple[str, float]]:
    """(token, logprob), most likely first, `top` of them."""
    return [(token, math.log(p)) for token, p in _weights(prompt)[: max(0, top)]]


def ends_here(prompt: str) -> bool:
    return prompt.endswith(END_MARK)


def answer_entry(index: int, token: str, top: int) -> tuple[float, list[tuple[str, float]]]:
    """The chosen token's logprob and `top` alternatives (the chosen token among them, like Ollama)."""
    # Confidence falls and rises along the answer so that every shade appears in a short one.
    prob = (0.97, 0.62, 0.35, 0.12, 0.81, 0.05)[index % 6]
    alternatives = [(token, math.log(prob))]
    rest = 1.0 - prob
    for n in range(1, max(1, top)):
        share = rest * 0.5**n
        alternatives.append((f"{token.strip() or '_'}~{n}", math.log(share)))
    alternatives.sort(key=lambda a: a[1], reverse=True)
    return math.log(prob), alternatives[: max(0, top)]


def ollama_entry(token: str, logprob: float, alternatives: list[tuple[str, float]] | None) -> dict:
    """Ollama's api.Logprob: token, logprob, bytes (newer servers), top_logprobs (when asked)."""
    entry = {"token": token, "logprob": logprob, "bytes": list(token.encode())}
    if alternatives:
        entry["top_logprobs"] = [{"token": t, "logprob": lp, "bytes": list(t.encode())} for t, lp in alternatives]
    return entry


def openai_entry(token: str, logprob: float, alternatives: list[tuple[str, float]]) -> dict:
    """OpenAI's chat logprobs content entry (also llama.cpp's and vLLM's)."""
    return {
        "token": token,
        "logprob": logprob,
        "bytes": list(token.encode()),
        "top_logprobs": [{"token": t, "logprob": lp, "bytes": list(t.encode())} for t, lp in alternatives],
    }


def version_tuple(text: str) -> tuple[int, int, int]:
    parts = (text.split("-", 1)[0].split(".") + ["0", "0"])[:3]
    return tuple(int(p) if p.isdigit() else 0 for p in parts)  # type: ignore[return-value]
