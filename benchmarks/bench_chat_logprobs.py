"""What asking for log-probabilities costs the chat on our side: a streamed answer with and without.

Run:  python benchmarks/bench_chat_logprobs.py [tokens] [rounds]

The stand-in Ollama (tests/servers/ollama_server.py, 0.12.11, no per-token delay) streams an
answer of `tokens` chunks; the official client parses it, our backend turns each chunk's logprobs
(5 alternatives, what the chat asks for) into plain data and the AnswerWriter saves the answer as
the chat does (flushes while streaming, logprobs written once at the end). Printed: chunks per
second through the whole path, with and without `top_logprobs`, best of `rounds`, and the stored
size per token. It measures our client side only; what a real server spends computing the
numbers (a softmax and a top-k over the vocabulary per token) is the server's, not shown here.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from servers.ollama_server import OllamaStub  # noqa: E402

from tutor.chat.backends import OllamaBackend  # noqa: E402
from tutor.chat.history import History  # noqa: E402
from tutor.chat.logprobs import CHAT_TOP  # noqa: E402
from tutor.store import Store  # noqa: E402


def one_answer(backend: OllamaBackend, history: History, chat_id: int, top: int | None) -> tuple[float, int]:
    writer = history.start_answer(chat_id, model="m")
    started = time.perf_counter()
    chunks = 0
    for chunk in backend.chat("m", [{"role": "user", "content": "hi"}], top_logprobs=top):
        if chunk.content or chunk.thinking:
            writer.append(chunk.content, chunk.thinking, chunk.logprobs)
            chunks += 1
        if chunk.done:
            writer.finish(chunk.stats.to_dict() if chunk.stats else {})
    return time.perf_counter() - started, chunks


def main() -> int:
    tokens = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    import tempfile

    with tempfile.TemporaryDirectory() as folder, OllamaStub(version="0.12.11") as stub:
        stub.add_model("m")
        stub.token_duration = 0
        stub.reply_chunks = [f" w{i}" for i in range(tokens)]
        store = Store(Path(folder) / "bench.sqlite3")
        history = History(store)
        chat = history.create(model="m")
        backend = OllamaBackend(stub.url)
        results = {}
        for label, top in (("without logprobs", None), (f"with logprobs, {CHAT_TOP} alternatives", CHAT_TOP)):
            best = min(one_answer(backend, history, chat.id, top)[0] for _ in range(rounds))
            results[label] = best
            print(f"{label:34s} {tokens / best:10.0f} chunks/s  ({best * 1000:.0f} ms for {tokens} chunks)")
        last = history.messages(chat.id)[-1]
        print(f"stored log-probabilities: {len(last.logprobs_json) / max(1, len(last.logprobs)):.0f} bytes per token "
              f"({len(last.logprobs)} tokens)")
        without, with_ = results.values()
        print(f"time with / without: {with_ / without:.2f}x (a real model streams 10-200 tokens/s)")
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
