"""Keys declared once per screen or lab, shown in the footer in the learner's language."""

from __future__ import annotations

from textual.binding import BindingsMap

from tutor.i18n import t

# (keys, action, catalogue key; "" hides it from the footer[, priority])
KeySpec = tuple


def translated_bindings(
    specs: list[KeySpec],
    lang: str,
    labels: dict[str, dict[str, str]] | None = None,
    base: BindingsMap | None = None,
) -> BindingsMap:
    """`labels` lets a lab carry its own strings ({"es": {...}, "en": {...}}) instead of the app
    catalogue; `base` keeps the widget's inherited bindings (Screen's Tab / Shift+Tab focus keys)."""
    bindings = base.copy() if base is not None else BindingsMap()
    for keys, action, label, *rest in specs:
        priority = bool(rest and rest[0])
        if label and labels and label in labels.get(lang, {}):
            text = labels[lang][label]
        else:
            text = t(label, lang) if label else ""
        bindings.bind(keys, action, text, show=bool(label), priority=priority)
    return bindings
