"""`tutor chat` options, and the headless chat package staying free of Textual."""

from __future__ import annotations

import subprocess
import sys

from tutor.cli import build_parser


def test_chat_options_parse():
    args = build_parser().parse_args(
        ["chat", "--model", "llama3.2:3b", "--host", "gpu-box:11434", "--backend", "openai", "--base-url", "http://x:52415/v1"]
    )
    assert (args.model, args.host, args.backend, args.base_url) == ("llama3.2:3b", "gpu-box:11434", "openai", "http://x:52415/v1")
    plain = build_parser().parse_args(["chat"])
    assert plain.model is None and plain.backend is None


def test_chat_without_a_terminal_explains(tutor_env, tutor_cmd):
    result = subprocess.run([*tutor_cmd, "chat", "--model", "x"], env=tutor_env, capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode == 2 and "interactive terminal" in result.stderr


def test_headless_chat_does_not_import_textual():
    code = (
        "import sys\n"
        "for blocked in ('textual', 'rich', 'questionary'):\n"
        "    sys.modules[blocked] = None  # importing them now fails\n"
        "import tutor.chat, tutor.chat.backends, tutor.chat.history, tutor.chat.tutor_mode\n"
        "import tutor.chat.clipboard, tutor.chat.picker\n"
        "from tutor.chat.picker import fit_check\n"
        "assert fit_check('127.0.0.1:9', recommend=False).available\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
