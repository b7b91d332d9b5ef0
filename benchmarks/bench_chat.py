"""How the chat keeps up with a fast local model: the targets of issue 9, measured.

    python benchmarks/bench_chat.py            # the four measurements (~1.5 minutes)
    python benchmarks/bench_chat.py --quick    # shorter streams (same rates, a quarter of the text)

The stand-in Ollama server (tests/servers/ollama_server.py) runs in a child process, as Ollama would,
and streams a markdown answer (paragraphs, lists, code blocks) at a set rate of tokens per second
(a token is about four characters) through the official `ollama` client, over real HTTP.

The app runs under Textual's Pilot at 80x24. Why that measures what a learner feels in tmux: a key
pressed in a terminal reaches the app as a Key event on the app's message queue; the Pilot posts the
very same event on the very same queue (no shortcut around the event loop). While an answer streams,
what delays a key is the event loop being busy parsing, laying out and rendering the answer: that work
is identical under the Pilot, which also runs the compositor on every refresh. What the Pilot leaves
out is writing the changed lines to the terminal, a few KB per frame. So the figure is the time from
the key's event to the first refresh after the input holds the character.

Measured:
1. keys typed while a 40 KB answer streams at 400 tokens/s (target: median < 50 ms, max < 150 ms);
2. the same with 200 KB at 2,000 tokens/s (target: median < 100 ms), and how long after the server's
   last chunk the screen shows the finished answer (target: < 1 s);
3. Esc during that stream: until the answer is marked stopped on screen (target: < 200 ms);
4. a restart with those answers (240 KB) in the chat: from starting the app to a typed key showing in
   the input (target: < 1 s).

Nothing is asserted: it prints figures. On a shared machine, say how loaded it was.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

MODEL = "bench:1b"


def answer_text(size: int) -> str:
    """A deterministic markdown answer of about `size` characters."""
    words = "the model reads tokens and predicts the next one from the context it was given so far".split()
    parts = []
    total = 0
    index = 0
    while total < size:
        index += 1
        if index % 7 == 0:
            block = "```python\n" + "\n".join(f"tokens_{index}_{i} = encode('text {i}')" for i in range(6)) + "\n```"
        elif index % 5 == 0:
            block = "\n".join(f"- **point {i}**: {' '.join(words[i:i + 8])}" for i in range(5))
        elif index % 11 == 0:
            block = f"## Part {index}"
        else:
            block = " ".join(words[(index + i) % len(words)] for i in range(70)).capitalize() + "."
        parts.append(block)
        total += len(block) + 2
    return "\n\n".join(parts)[:size].rstrip() + "\n\nTHE END."


def serve(ready, done_times) -> None:
    """The child process: the stand-in server with a paced chat route."""
    from servers.ollama_server import OllamaStub

    def paced_chat(stub, body):
        request = (body.get("messages") or [{}])[-1].get("content", "")
        _, size, rate = request.split()
        text = answer_text(int(size))
        tokens = [text[i : i + 4] for i in range(0, len(text), 4)]

        def stream():
            start = time.perf_counter()
            for index, token in enumerate(tokens):
                due = start + index / float(rate)
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                yield {"model": MODEL, "created_at": "2025-01-01T00:00:00Z", "message": {"role": "assistant", "content": token}, "done": False}
            yield {
                "model": MODEL, "created_at": "2025-01-01T00:00:00Z", "message": {"role": "assistant", "content": ""},
                "done": True, "done_reason": "stop", "prompt_eval_count": 20, "eval_count": len(tokens),
                "eval_duration": int(len(tokens) / float(rate) * 1e9), "load_duration": 0, "total_duration": 1,
            }
            done_times.put(time.perf_counter())  # CLOCK_MONOTONIC: the same clock as the parent's

        return 200, stream()

    stub = OllamaStub(version="0.12.6")
    stub.add_model(MODEL)
    stub.route("POST", "/api/chat", paced_chat)
    stub.start()
    ready.put(stub.host)
    while True:
        time.sleep(3600)


async def key_latency(app, box, char: str) -> float:
    """From posting the key's event to the first refresh after the input holds it."""
    from textual import events

    loop = asyncio.get_running_loop()
    shown = loop.create_future()
    before = box.text
    start = time.perf_counter()
    app.post_message(events.Key(char, char))
    while box.text == before:
        await asyncio.sleep(0.0005)
    box.call_after_refresh(lambda: shown.done() or shown.set_result(time.perf_counter()))
    return (await shown) - start


def summary(name: str, samples: list[float], median_target: float | None = None, max_target: float | None = None) -> None:
    median = statistics.median(samples) * 1000
    worst = max(samples) * 1000
    verdict = []
    if median_target is not None:
        verdict.append(f"median target {median_target:.0f} ms {'ok' if median < median_target else 'OVER'}")
    if max_target is not None:
        verdict.append(f"max target {max_target:.0f} ms {'ok' if worst < max_target else 'OVER'}")
    print(f"{name:<46} n={len(samples):<4} median {median:7.1f} ms  max {worst:7.1f} ms  {' · '.join(verdict)}", flush=True)


async def stream_and_type(app, pilot, size: int, rate: int, done_times, stop_after: float | None = None):
    from tutor.app.chat import ChatInput

    screen = app.screen
    box = screen.query_one(ChatInput)
    for char in f"bench {size} {rate}":
        await key_latency(app, box, char)
    await pilot.press("enter")
    while screen.answer is None or not screen.answer.got_first:
        await asyncio.sleep(0.005)
    view = screen.answer.view
    samples = []
    started = time.perf_counter()
    while screen.answer is not None:
        if stop_after is not None and time.perf_counter() - started >= stop_after:
            break
        samples.append(await key_latency(app, box, "x"))
        await asyncio.sleep(0.15)
    box.clear()
    return view, samples


async def restart_until_key() -> float:
    """Start the app on the chat tab (the last chat resumes) until a typed key shows in the input."""
    from textual import events

    from tutor.app.app import TutorApp
    from tutor.app.chat import ChatInput, ChatScreen
    from tutor.store import open_store

    start = time.perf_counter()
    store = open_store()
    app = TutorApp(store=store, lang="en", start={"screen": "chat"})
    async with app.run_test(size=(80, 24)):
        while not (isinstance(app.screen, ChatScreen) and isinstance(app.focused, ChatInput)):
            await asyncio.sleep(0.001)
        box = app.focused
        app.post_message(events.Key("k", "k"))
        while "k" not in box.text:
            await asyncio.sleep(0.001)
        shown = asyncio.get_running_loop().create_future()
        box.call_after_refresh(lambda: shown.set_result(time.perf_counter()))
        elapsed = (await shown) - start
    store.close()
    return elapsed


async def run(args) -> None:
    from tutor.app.app import TutorApp
    from tutor.app.chat import ChatScreen
    from tutor.store import open_store

    scale = 4 if args.quick else 1
    ready, done_times = multiprocessing.Queue(), multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(ready, done_times), daemon=True)
    server.start()
    os.environ["OLLAMA_HOST"] = ready.get(timeout=30)
    try:
        empty = [await restart_until_key() for _ in range(args.restarts)]
        summary("0. baseline: start with no chat, key shown", empty)
        store = open_store()
        app = TutorApp(store=store, lang="en", start={"screen": "chat", "model": MODEL})
        async with app.run_test(size=(80, 24)) as pilot:
            while not (isinstance(app.screen, ChatScreen) and app.screen.connected and app.screen.model):
                await asyncio.sleep(0.01)
            screen = app.screen

            view, samples = await stream_and_type(app, pilot, 40_000 // scale, 400, done_times)
            summary("1. keys during 40 KB at 400 tokens/s", samples, 50, 150)
            server_done = done_times.get(timeout=60)

            view, samples = await stream_and_type(app, pilot, 200_000 // scale, 2000, done_times)
            server_done = done_times.get(timeout=60)
            while not (screen.answer is None and view.state == "done" and "THE END." in view.body.pieces[-1]):
                await asyncio.sleep(0.001)
            shown = asyncio.get_running_loop().create_future()
            view.call_after_refresh(lambda: shown.set_result(time.perf_counter()))
            screen_done = await shown
            summary("2. keys during 200 KB at 2,000 tokens/s", samples, 100)
            print(f"{'   screen done after the server':<46} {max(0.0, screen_done - server_done) * 1000:7.1f} ms  (target 1000 ms)", flush=True)

            stops = []
            for _ in range(args.stops):
                view, _ = await stream_and_type(app, pilot, 200_000 // scale, 2000, done_times, stop_after=2.0)
                from textual import events

                start = time.perf_counter()
                app.post_message(events.Key("escape", None))
                while view.state != "stopped":
                    await asyncio.sleep(0.0005)
                marked = asyncio.get_running_loop().create_future()
                view.call_after_refresh(lambda: marked.done() or marked.set_result(time.perf_counter()))
                stops.append((await marked) - start)
                while screen.answer is not None:
                    await asyncio.sleep(0.01)
            summary("3. Esc until the answer shows stopped", stops, 200)
            chars = sum(len(v.content) for v in screen.answers())
        store.close()

        restarts = [await restart_until_key() for _ in range(args.restarts)]
        summary(f"4. restart with {chars // 1000} KB of answers: key shown", restarts, 1000)
    finally:
        server.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a quarter of the text, same rates")
    parser.add_argument("--stops", type=int, default=3)
    parser.add_argument("--restarts", type=int, default=3)
    args = parser.parse_args()
    os.environ["TUTOR_HOME"] = tempfile.mkdtemp(prefix="tutor-bench-chat-")
    print(f"cpu cores: {os.cpu_count()} · load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
