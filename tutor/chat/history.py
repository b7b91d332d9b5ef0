"""Chat history in the app's one SQLite store: chats, their messages, and answers saved as they stream.

An answer is written before its first chunk arrives (`complete = 0`) and updated as chunks come
in, at least every `flush_seconds` or `flush_chars` characters, so a crash or a cut stream loses
nothing that was on the screen. `finish()` marks it complete with its stats; a stopped answer is
complete too, with `"stopped": true` in its stats; a failed one stays incomplete with the error.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor.chat.sanitize import clean_line, clean_text, split_think
from tutor.store import Store, now

TITLE_LIMIT = 60


@dataclass(frozen=True)
class ChatRecord:
    id: int
    title: str
    backend: str
    model: str
    system_prompt: str
    options: dict
    lesson_id: str | None
    created_at: str
    updated_at: str
    message_count: int = 0


@dataclass(frozen=True)
class MessageRecord:
    id: int
    chat_id: int
    role: str
    content: str
    thinking: str
    stats: dict
    complete: bool
    created_at: str

    @property
    def stopped(self) -> bool:
        return bool(self.stats.get("stopped"))

    @property
    def error(self) -> str:
        return str(self.stats.get("error") or "")


def title_from(text: str) -> str:
    """A chat title from the first question: its first line, clipped."""
    line = next((part.strip() for part in (text or "").splitlines() if part.strip()), "")
    line = re.sub(r"\s+", " ", line)
    return line if len(line) <= TITLE_LIMIT else line[: TITLE_LIMIT - 1].rstrip() + "…"


def _clean(text: str) -> str:
    """Text SQLite and the terminal can hold: no NULs, no lone surrogates."""
    text = (text or "").replace("\x00", "")
    return text.encode("utf-8", "replace").decode("utf-8")


def _loads(raw: str | None) -> dict:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class History:
    def __init__(self, store: Store):
        self.store = store

    # -- chats -------------------------------------------------------------------------------------

    def create(
        self,
        title: str = "",
        backend: str = "ollama",
        model: str = "",
        system_prompt: str = "",
        options: dict | None = None,
        lesson_id: str | None = None,
    ) -> ChatRecord:
        stamp = now()
        with self.store.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO chat (title, backend, model, system_prompt, options, lesson_id, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (_clean(title), backend, model, _clean(system_prompt), json.dumps(options or {}), lesson_id, stamp, stamp),
            )
            chat_id = int(cur.lastrowid)
        chat = self.get(chat_id)
        assert chat is not None
        return chat

    def get(self, chat_id: int) -> ChatRecord | None:
        rows = self.store.query(
            "SELECT chat.*, (SELECT COUNT(*) FROM message WHERE message.chat_id = chat.id) AS n "
            "FROM chat WHERE id = ?",
            (chat_id,),
        )
        return _chat_row(rows[0]) if rows else None

    def list(self, limit: int | None = None) -> list[ChatRecord]:
        """Most recently used first."""
        sql = (
            "SELECT chat.*, (SELECT COUNT(*) FROM message WHERE message.chat_id = chat.id) AS n "
            "FROM chat ORDER BY updated_at DESC, id DESC"
        )
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [_chat_row(row) for row in self.store.query(sql)]

    def latest(self) -> ChatRecord | None:
        chats = self.list(limit=1)
        return chats[0] if chats else None

    def rename(self, chat_id: int, title: str) -> None:
        with self.store.transaction() as conn:
            conn.execute("UPDATE chat SET title = ?, updated_at = ? WHERE id = ?", (_clean(title).strip(), now(), chat_id))

    def update(self, chat_id: int, **fields: Any) -> None:
        """Change model, backend, system_prompt, options or lesson_id."""
        allowed = {"model", "backend", "system_prompt", "options", "lesson_id", "title"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown chat fields: {sorted(unknown)}")
        if not fields:
            return
        values = []
        for key, value in fields.items():
            if key == "options":
                value = json.dumps(value or {})
            elif isinstance(value, str):
                value = _clean(value)
            values.append(value)
        assignments = ", ".join(f"{key} = ?" for key in fields)
        with self.store.transaction() as conn:
            conn.execute(f"UPDATE chat SET {assignments}, updated_at = ? WHERE id = ?", (*values, now(), chat_id))

    def delete(self, chat_id: int) -> None:
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM message WHERE chat_id = ?", (chat_id,))
            conn.execute("DELETE FROM chat WHERE id = ?", (chat_id,))

    # -- messages ----------------------------------------------------------------------------------

    def add_message(
        self,
        chat_id: int,
        role: str,
        content: str,
        thinking: str = "",
        stats: dict | None = None,
        complete: bool = True,
    ) -> int:
        stamp = now()
        content = _clean(content)
        with self.store.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO message (chat_id, role, content, thinking, stats, complete, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (chat_id, role, content, _clean(thinking), json.dumps(stats or {}), int(complete), stamp),
            )
            if role == "user":
                conn.execute(
                    "UPDATE chat SET title = CASE WHEN title = '' THEN ? ELSE title END, updated_at = ? WHERE id = ?",
                    (title_from(content), stamp, chat_id),
                )
            else:
                conn.execute("UPDATE chat SET updated_at = ? WHERE id = ?", (stamp, chat_id))
            return int(cur.lastrowid)

    def update_message(
        self,
        message_id: int,
        content: str,
        thinking: str,
        complete: bool | None = None,
        stats: dict | None = None,
    ) -> None:
        sets = ["content = ?", "thinking = ?"]
        values: list[Any] = [_clean(content), _clean(thinking)]
        if complete is not None:
            sets.append("complete = ?")
            values.append(int(complete))
        if stats is not None:
            sets.append("stats = ?")
            values.append(json.dumps(stats))
        with self.store.transaction() as conn:
            conn.execute(f"UPDATE message SET {', '.join(sets)} WHERE id = ?", (*values, message_id))

    def delete_message(self, message_id: int) -> None:
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM message WHERE id = ?", (message_id,))

    def messages(self, chat_id: int) -> list[MessageRecord]:
        rows = self.store.query("SELECT * FROM message WHERE chat_id = ? ORDER BY id", (chat_id,))
        records = []
        for row in rows:
            # Read back as outside text: a database written by an older version (or by hand) may hold
            # raw control sequences or a `<think>` block inside the content.
            content, thinking = clean_text(row["content"]), clean_text(row["thinking"])
            if row["role"] == "assistant":
                content, thinking = split_think(content, thinking)
            stats = _loads(row["stats"])
            if isinstance(stats.get("error"), str):
                stats["error"] = clean_text(stats["error"])
            records.append(
                MessageRecord(
                    id=row["id"],
                    chat_id=row["chat_id"],
                    role=row["role"],
                    content=content,
                    thinking=thinking,
                    stats=stats,
                    complete=bool(row["complete"]),
                    created_at=row["created_at"],
                )
            )
        return records

    def start_answer(self, chat_id: int, **kwargs: Any) -> AnswerWriter:
        return AnswerWriter(self, chat_id, **kwargs)

    # -- export ------------------------------------------------------------------------------------

    def export_markdown(self, chat_id: int, lang: str = "en") -> str:
        from tutor.i18n import t

        chat = self.get(chat_id)
        if chat is None:
            raise KeyError(chat_id)
        lines = [f"# {chat.title or t('chat.untitled', lang)}", ""]
        lines.append(f"- {t('chat.export.model', lang)}: {chat.model or '—'} ({chat.backend})")
        lines.append(f"- {t('chat.export.started', lang)}: {chat.created_at}")
        if chat.system_prompt.strip():
            lines += ["", f"**{t('chat.export.system', lang)}**", ""]
            lines += ["> " + line if line else ">" for line in chat.system_prompt.strip().splitlines()]
        for message in self.messages(chat_id):
            if message.role == "system":
                continue
            who = t("chat.you", lang) if message.role == "user" else t("chat.assistant", lang)
            lines += ["", f"## {who}", ""]
            if message.thinking.strip():
                lines += [f"<details><summary>{t('chat.thinking', lang)}</summary>", "", message.thinking.strip(), "", "</details>", ""]
            lines.append(message.content.rstrip() or "…")
            if message.role == "assistant":
                note = []
                if message.stopped:
                    note.append(t("chat.stopped_mark", lang))
                elif not message.complete:
                    note.append(t("chat.incomplete_mark", lang))
                if message.stats.get("output_tokens"):
                    note.append(t("chat.export.tokens", lang, n=message.stats["output_tokens"]))
                if note:
                    lines += ["", f"*{' · '.join(note)}*"]
        return clean_text("\n".join(lines).rstrip() + "\n")  # once more before it leaves

    def export_file(self, chat_id: int, directory: Path, lang: str = "en") -> Path:
        """Write the chat as markdown in `directory` (private file); returns its path."""
        chat = self.get(chat_id)
        if chat is None:
            raise KeyError(chat_id)
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", (chat.title or "chat").lower()).strip("-")[:40] or "chat"
        path = directory / f"chat-{chat.id}-{slug}.md"
        text = self.export_markdown(chat_id, lang)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        return path


class AnswerWriter:
    """Saves a streaming answer as it grows (thread-safe through the store's lock)."""

    def __init__(
        self,
        history: History,
        chat_id: int,
        flush_seconds: float = 0.5,
        flush_chars: int = 200,
        clock: Callable[[], float] = time.monotonic,
        model: str = "",
    ):
        self.history = history
        self.chat_id = chat_id
        self.flush_seconds = flush_seconds
        self.flush_chars = flush_chars
        self.clock = clock
        # Pieces are kept in lists and joined when read: `str +=` on an attribute copies the whole
        # answer per chunk, which at 2,000 chunks/s of a 200 KB answer is seconds of CPU.
        self._content: list[str] = []
        self._thinking: list[str] = []
        self._length = 0
        self.stats: dict = {"model": model} if model else {}
        self._saved_len = 0
        self._saved_at = clock()
        self.message_id = history.add_message(chat_id, "assistant", "", complete=False, stats=self.stats)
        self.closed = False

    @property
    def content(self) -> str:
        if len(self._content) > 1:
            self._content[:] = ["".join(self._content)]
        return self._content[0] if self._content else ""

    @property
    def thinking(self) -> str:
        if len(self._thinking) > 1:
            self._thinking[:] = ["".join(self._thinking)]
        return self._thinking[0] if self._thinking else ""

    @property
    def pending(self) -> int:
        return self._length - self._saved_len

    def append(self, content: str = "", thinking: str = "") -> bool:
        """Add a chunk; returns True when it was written to disk now."""
        if content:
            self._content.append(content)
        if thinking:
            self._thinking.append(thinking)
        self._length += len(content) + len(thinking)
        if self.pending >= self.flush_chars or self.clock() - self._saved_at >= self.flush_seconds:
            self.flush()
            return True
        return False

    def flush(self) -> None:
        self.history.update_message(self.message_id, self.content, self.thinking)
        self._saved_len = self._length
        self._saved_at = self.clock()

    def finish(self, stats: dict | None = None, stopped: bool = False) -> None:
        self.stats.update(stats or {})
        if stopped:
            self.stats["stopped"] = True
        self.history.update_message(self.message_id, self.content, self.thinking, complete=True, stats=self.stats)
        self._saved_len = self._length
        self.closed = True

    def fail(self, error: str) -> None:
        """The stream broke: keep what arrived, incomplete, with the reason."""
        self.stats["error"] = error
        self.history.update_message(self.message_id, self.content, self.thinking, complete=False, stats=self.stats)
        self._saved_len = self._length
        self.closed = True


def _chat_row(row) -> ChatRecord:
    return ChatRecord(
        id=row["id"],
        title=clean_line(row["title"]),
        backend=row["backend"],
        model=clean_line(row["model"]),
        system_prompt=clean_text(row["system_prompt"]),
        options=_loads(row["options"]),
        lesson_id=row["lesson_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        message_count=int(row["n"]) if "n" in row.keys() else 0,
    )


__all__ = ["AnswerWriter", "ChatRecord", "History", "MessageRecord", "title_from"]
