"""Command line: argparse verbs, TTY checks and exit codes. The only layer that prints."""

from __future__ import annotations

import argparse
import sys

from tutor import __version__

EXIT_OK = 0
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tutor",
        description="Fundamentos de LLMs / LLM Fundamentals: a terminal course with a live engine.",
    )
    parser.add_argument("--version", action="version", version=f"tutor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Each feature registers its own verbs: register(sub) adds parsers whose
    # set_defaults(func=handler) returns an exit code.
    from tutor.engine import cli as engine_cli

    engine_cli.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_OK
    return int(func(args) or 0)
