"""A snapshot of the chat at 80x24: a question, the streamed markdown answer, its stats, the input.

Update after an intended change of the screen with `pytest tests/test_chat_snapshot.py --snapshot-update`
and look at the SVG in tests/__snapshots__/ before committing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers.chat_support import until  # noqa: E402
from servers.ollama_server import OllamaStub  # noqa: E402

from tutor.app.app import TutorApp  # noqa: E402
from tutor.app.chat import ChatInput, ChatScreen  # noqa: E402

REPLY = (
    "A **token** is a piece of text the model reads as one unit.\n\n"
    "- `hello` is often one token\n"
    "- a rare word splits into several\n\n"
    "```python\nprint(len(tokens))\n```"
)


def test_chat_at_80x24(snap_compare, store, monkeypatch):
    with OllamaStub(version="0.12.6") as stub:
        stub.add_model("llama3.2:1b")
        stub.reply = REPLY
        monkeypatch.setenv("OLLAMA_HOST", stub.host)
        app = TutorApp(store=store, lang="en", start={"screen": "chat"})

        async def run_before(pilot) -> None:
            await until(pilot, lambda: isinstance(app.screen, ChatScreen) and app.screen.model is not None)
            screen = app.screen
            await until(pilot, lambda: screen.fit is not None)
            await pilot.press(*"what is a token?", "enter")
            await until(pilot, lambda: screen.answer is None and screen.last_stats is not None)
            # the stub listens on a random port: show the default address so the picture is stable
            screen.backend.url = "http://127.0.0.1:11434"
            screen.query_one(ChatInput).cursor_blink = False  # a blinking cursor is on or off by chance
            screen.refresh_content()
            await pilot.pause()

        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
