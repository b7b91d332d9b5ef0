"""tutor: a terminal course on how large language models work."""

__version__ = "0.1.0"
