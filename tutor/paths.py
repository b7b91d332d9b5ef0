"""The one place that decides where tutor keeps its files.

`TUTOR_HOME` overrides everything (tests point it at a temporary folder); otherwise the
platform's user data dir. The folder is private (0700): chat history and progress live there,
and the SSH boxes tutor runs on are often shared.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "tutor"


def data_dir(create: bool = True) -> Path:
    home = os.environ.get("TUTOR_HOME")
    if home:
        path = Path(home).expanduser()
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    if create and not path.exists():
        # Only a folder tutor creates is made private: TUTOR_HOME may name an existing shared
        # folder (even /tmp), whose permissions are not ours to change.
        path.mkdir(parents=True, exist_ok=True)
        try:
            path.chmod(0o700)
        except OSError:
            pass
    return path


def store_path() -> Path:
    return data_dir() / "tutor.sqlite3"


def cache_dir() -> Path:
    path = data_dir() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path
