"""The course's own text as a training corpus: lessons, glossary and quiz questions, as plain text.

Sources (in this order, files sorted by path so the corpus is the same on every machine):
  tutor/lessons/es/*.md, tutor/lessons/en/*.md   lesson markdown, markup stripped
  tutor/lessons/glossary.toml                    "Term: definition" lines, per language
  tutor/lessons/checks/*.toml, tutor/quiz/banks/*.toml
                                                 question, options and explanation, per language

No torch here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

LANGS = ("es", "en")


@dataclass(frozen=True)
class Document:
    name: str  # path relative to the tutor package, e.g. "lessons/es/m1-l01-inside-llms.md"
    text: str


def package_root() -> Path:
    import tutor

    return Path(tutor.__file__).resolve().parent


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_STRONG = re.compile(r"(\*\*|__|`)")
_ITALIC = re.compile(r"(?<![\w*])\*(\S(?:[^*]*?\S)?)\*(?![\w*])")
_HEADING = re.compile(r"^#{1,6}\s+")


def markdown_to_text(md: str) -> str:
    """Lesson markdown as plain text: headings, emphasis, links and fences stripped.

    Bullets, numbered lists and code lines stay: they are part of how the course writes.
    Code inside fences is kept verbatim (its `*` and `**` are maths, not emphasis).
    """
    lines = []
    in_code = False
    for line in md.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if not in_code:
            line = _HEADING.sub("", line)
            line = _LINK.sub(r"\1", line)
            line = _STRONG.sub("", line)
            line = _ITALIC.sub(r"\1", line)
        lines.append(line.rstrip())
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _questions_to_text(data: dict, lang: str) -> str:
    parts = []
    for q in data.get("question", []):
        body = q.get(lang)
        if not isinstance(body, dict):
            continue
        lines = [str(body.get("prompt", "")).strip()]
        lines += [f"- {opt}" for opt in body.get("options", [])]
        if body.get("explanation"):
            lines.append(str(body["explanation"]).strip())
        parts.append("\n".join(line for line in lines if line))
    return "\n\n".join(parts)


def _glossary_to_text(data: dict, lang: str) -> str:
    lines = []
    for term in data.get("term", []):
        body = term.get(lang)
        if isinstance(body, dict) and body.get("term"):
            lines.append(f"{body['term']}: {body.get('definition', '')}".strip())
    return "\n".join(lines)


def build_corpus(root: Path | None = None) -> list[Document]:
    """Every course text as a Document, in a fixed order. Missing sources are skipped."""
    root = root or package_root()
    docs: list[Document] = []

    def add(path: Path, text: str, suffix: str = "") -> None:
        text = text.strip()
        if text:
            docs.append(Document(path.relative_to(root).as_posix() + suffix, text + "\n"))

    for lang in LANGS:
        for path in sorted((root / "lessons" / lang).glob("*.md")):
            add(path, markdown_to_text(path.read_text(encoding="utf-8")))
    toml_sources = [root / "lessons" / "glossary.toml"]
    toml_sources += sorted((root / "lessons" / "checks").glob("*.toml"))
    toml_sources += sorted((root / "quiz" / "banks").glob("*.toml"))
    for path in toml_sources:
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue  # a file being written right now; the content tests report it
        for lang in LANGS:
            to_text = _glossary_to_text if path.name == "glossary.toml" else _questions_to_text
            add(path, to_text(data, lang), f"#{lang}")
    return docs


def corpus_sha256(docs: list[Document]) -> str:
    """A fingerprint of the corpus, stored with a trained model to tell when it is stale."""
    h = hashlib.sha256()
    for doc in docs:
        h.update(doc.name.encode())
        h.update(b"\0")
        h.update(doc.text.encode())
        h.update(b"\0")
    return h.hexdigest()


def corpus_text(docs: list[Document] | None = None) -> str:
    docs = build_corpus() if docs is None else docs
    return "\n".join(doc.text for doc in docs)
