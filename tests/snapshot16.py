"""The app's screen as a 16-colour terminal (TERM=xterm) shows it, as an SVG for a snapshot.

Textual's own screenshot (`App.export_screenshot`) records truecolor. A 16-colour terminal gets
the same cells with every colour reduced by rich to its nearest of the 16 standard ones (what
rich's Console does when writing to such a terminal), so here the compositor's full render is
taken the same way `export_screenshot` takes it, each segment's foreground and background colour
downgraded with `Color.downgrade(ColorSystem.STANDARD)`, and the result recorded by a Console
whose colour system is "standard". Two shades that collapse to one colour look the same in the
picture, as they would to the learner.
"""

from __future__ import annotations

import io
from rich.color import Color, ColorSystem
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style


def sixteen(color: Color | None) -> Color | None:
    return None if color is None or color.is_default else color.downgrade(ColorSystem.STANDARD)


def downgrade_style(style: Style | None) -> Style | None:
    if style is None:
        return None
    return style + Style.from_color(sixteen(style.color), sixteen(style.bgcolor))


class _Lines:
    """Rows of segments, one line each (what the compositor's full render holds)."""

    def __init__(self, rows: list[list[Segment]]) -> None:
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for index, row in enumerate(self.rows):
            if index:
                yield Segment.line()
            yield from row


def screen_rows(app) -> list[list[Segment]]:
    """The current screen's cells as 16-colour segments, row by row."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    rows: list[list[Segment]] = []
    for line in update.strips:
        row: list[Segment] = []
        for strip in line:  # a row is the strips of the regions it crosses
            for segment in strip:
                if segment.control:
                    continue
                row.append(Segment(segment.text, downgrade_style(segment.style)))
        rows.append(row)
    return rows


def export_sixteen_colour_svg(app, title: str | None = None) -> str:
    """An SVG of the app's screen as a 16-colour terminal draws it."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="standard", record=True, legacy_windows=False, safe_box=False)
    console.print(_Lines(screen_rows(app)))
    return console.export_svg(title=title or app.title)


async def sixteen_colour_screenshot(app, size: tuple[int, int], run_before) -> str:
    """Run the app at `size`, let `run_before(pilot)` drive it, and return the 16-colour SVG."""
    async with app.run_test(size=size) as pilot:
        await run_before(pilot)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        return export_sixteen_colour_svg(app)
