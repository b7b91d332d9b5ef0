"""End to end: the real `tutor chat` program in a real terminal (tmux, 80x24) against the fake Ollama."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers.ollama_server import OllamaStub  # noqa: E402
from servers.openai_server import OpenAIServer  # noqa: E402

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Tmux:
    def __init__(self, env: dict[str, str]):
        self.socket = f"tutor-e2e-{uuid.uuid4().hex[:8]}"  # a private tmux server, not the user's
        self.env = env

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, *args], env=self.env, check=check,
                              capture_output=True, text=True, timeout=20)

    def screen(self) -> str:
        result = self.run("capture-pane", "-p", "-t", "chat", check=False)
        return result.stdout

    def wait_for(self, *texts: str, attempts: int = 300) -> str:
        """Poll the pane until every text shows (a bounded number of looks, then fail with the screen)."""
        screen = ""
        for _ in range(attempts):
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"never saw {texts!r} on the screen:\n{screen}")

    def alive(self) -> bool:
        return self.run("has-session", "-t", "chat", check=False).returncode == 0


def test_tutor_chat_in_tmux(tutor_env, tutor_cmd, tutor_home):
    with OllamaStub(version="0.12.6") as stub:
        stub.add_model("llama3.2:1b")
        env = dict(tutor_env, OLLAMA_HOST=stub.host)
        tmux = Tmux(env)
        command = shlex.join([*tutor_cmd, "chat", "--lang", "en"])
        tmux.run("new-session", "-d", "-x", "80", "-y", "24", "-s", "chat", command)
        try:
            first = tmux.wait_for("llama3.2:1b", "Type your question")
            assert "Ollama" in first and "Stop/Back" in first
            tmux.run("send-keys", "-t", "chat", "-l", "what is a token?")
            tmux.run("send-keys", "-t", "chat", "Enter")
            answered = tmux.wait_for("output tokens", "tokens/s")
            assert "Hello! I am a" in answered and "Ask me about tokens." in answered
            assert "what is a token?" in answered
            # quitting while the model is still loading must neither hang nor lose the question
            stub.chat_mode = "slow_first_token"
            tmux.run("send-keys", "-t", "chat", "-l", "and BPE?")
            tmux.run("send-keys", "-t", "chat", "Enter")
            tmux.wait_for("Waiting for the first token")
            tmux.run("send-keys", "-t", "chat", "C-q")
            wait_until_gone(tmux)
        finally:
            tmux.run("kill-server", check=False)
    sent = stub.chat_requests()
    assert sent[0]["messages"][-1] == {"role": "user", "content": "what is a token?"}

    messages = saved_messages()
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[1].complete and messages[1].content.startswith("Hello! I am a **test** model.")
    assert messages[2].content == "and BPE?" and messages[3].content == ""


def test_tutor_chat_openai_compatible_in_tmux(tutor_env, tutor_cmd):
    with OpenAIServer() as server:
        tmux = Tmux(dict(tutor_env))
        command = shlex.join([*tutor_cmd, "chat", "--lang", "en", "--backend", "openai", "--base-url", server.url,
                              "--model", server.models[0]])
        tmux.run("new-session", "-d", "-x", "80", "-y", "24", "-s", "chat", command)
        try:
            tmux.wait_for("OpenAI", "Llama-3.2-1B")
            tmux.run("send-keys", "-t", "chat", "-l", "hello")
            tmux.run("send-keys", "-t", "chat", "Enter")
            answered = tmux.wait_for("21 prompt tokens")
            assert "OpenAI-compatible" in answered
            tmux.run("send-keys", "-t", "chat", "C-q")
            wait_until_gone(tmux)
        finally:
            tmux.run("kill-server", check=False)
    assert server.chat_requests()[-1]["model"] == server.models[0]
    assert saved_messages()[-1].content == server.reply


def wait_until_gone(tmux: Tmux) -> None:
    for _ in range(100):
        if not tmux.alive():
            return
        time.sleep(0.1)
    raise AssertionError("tutor did not quit:\n" + tmux.screen())


def saved_messages():
    from tutor.chat.history import History
    from tutor.store import open_store

    store = open_store()
    try:
        history = History(store)
        return history.messages(history.latest().id)
    finally:
        store.close()
