"""The Textual app (top layer): screens and widgets. Nothing below this package imports Textual."""
