"""The smallest terminal the app lays out whole (its screens and the app both read it here, so
neither imports the other)."""

from __future__ import annotations

# Below this size the layout cannot show a lesson with its header, footer and keys.
MIN_WIDTH = 60
MIN_HEIGHT = 18
# Below this height an open lab takes the whole page instead of sharing it with the text.
SHORT_HEIGHT = 30


def is_too_small(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT
