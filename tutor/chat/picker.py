"""The model picker's logic, headless: fit verdicts for installed and recommended models.

Everything the chat knows about "will this model fit this machine" comes from the fit check
(tutor.fit) through ONE adapter, `fit_check()`. If the fit check is missing, fails, or cannot
judge a model, the verdict is "unknown" and the chat carries on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tutor.i18n import t

VERDICTS = ("gpu", "partial", "cpu", "will_not_load", "unknown")
_RANK = {"gpu": 0, "partial": 1, "cpu": 2, "unknown": 3, "will_not_load": 4}
_MARK = {"gpu": "✓", "partial": "◐", "cpu": "○", "will_not_load": "✗", "unknown": "?"}


@dataclass(frozen=True)
class Verdict:
    kind: str = "unknown"  # one of VERDICTS
    text: str = ""  # the fit check's own explanation (numbers included), English
    needs_bytes: int | None = None
    has_bytes: int | None = None
    total_bytes: int | None = None
    context: int | None = None
    processor: str = ""

    @property
    def loads(self) -> bool:
        return self.kind != "will_not_load"

    @property
    def rank(self) -> int:
        return _RANK.get(self.kind, 3)

    def label(self, lang: str) -> str:
        return f"{_MARK.get(self.kind, '?')} {t('chat.verdict.' + (self.kind if self.kind in _RANK else 'unknown'), lang)}"


UNKNOWN = Verdict()


@dataclass(frozen=True)
class Recommendation:
    model: str
    file_bytes: int | None
    verdict: Verdict


@dataclass
class FitResult:
    available: bool = False  # the fit check ran
    installed: dict[str, Verdict] = field(default_factory=dict)
    recommendations: list[Recommendation] = field(default_factory=list)
    error: str = ""

    def verdict(self, model: str) -> Verdict:
        return self.installed.get(model) or self.installed.get(f"{model}:latest") or UNKNOWN


def fit_check(
    host: str, ctx: int | None = None, model: str | None = None, hardware: Any = None, recommend: bool = True
) -> FitResult:
    """The adapter to tutor.fit: verdicts for the models installed at `host` and (with `recommend`)
    the catalogue's recommendations; with `model`, that one model even if not installed.
    Never raises: anything wrong gives "unknown" verdicts."""
    try:
        from tutor.fit import detect_hardware, fit_report

        if hardware is None:
            hardware = _HARDWARE.get("probed")
            if hardware is None:
                hardware = _HARDWARE["probed"] = detect_hardware()
        report = fit_report(host=host, ctx=ctx, model=model, hardware=hardware, catalogue=recommend and model is None)
        result = FitResult(available=True)
        for entry in report.get("models") or []:
            result.installed[str(entry.get("model"))] = _verdict(entry)
        for entry in report.get("recommendations") or []:
            result.recommendations.append(Recommendation(str(entry.get("model")), entry.get("file_bytes"), _verdict(entry)))
        return result
    except Exception as exc:  # noqa: BLE001 - the fit check must never break the chat
        return FitResult(available=False, error=f"{type(exc).__name__}: {exc}")


_HARDWARE: dict[str, Any] = {}


def _verdict(entry: dict) -> Verdict:
    kind = entry.get("verdict") if entry.get("verdict") in _RANK else "unknown"
    estimate = entry.get("estimate") or {}
    return Verdict(
        kind=kind,
        text=str(entry.get("verdict_text") or entry.get("error") or ""),
        needs_bytes=entry.get("needs_bytes"),
        has_bytes=entry.get("has_bytes"),
        total_bytes=estimate.get("total_bytes"),
        context=entry.get("context"),
        processor=str(entry.get("processor") or ""),
    )


def best_model(names: Iterable[str], sizes: dict[str, int | None], fit: FitResult) -> str | None:
    """The model to preselect: the best verdict; among models that fit on the GPU the largest
    (more capable), otherwise the smallest (faster on CPU). Unknown verdicts come after CPU."""

    def key(name: str) -> tuple:
        verdict = fit.verdict(name)
        size = sizes.get(name) or 0
        return (verdict.rank, -size if verdict.kind == "gpu" else size, name)

    ordered = sorted(names, key=key)
    loadable = [name for name in ordered if fit.verdict(name).loads]
    return loadable[0] if loadable else (ordered[0] if ordered else None)


def human_size(n: int | None) -> str:
    """Decimal units, like `ollama list`."""
    if not n:
        return "—"
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit in ("B", "KB") else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"
