"""install.py: which torch build a machine gets, decided without a network (the real pip runs in CI)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO

sys.path.insert(0, str(REPO))
import install  # noqa: E402  (the script at the repository root)


@pytest.mark.parametrize(
    ("system", "nvidia", "want", "plan"),
    [
        ("Linux", False, "auto", "cpu"),  # a laptop or an SSH box without a GPU: no CUDA download
        ("Linux", True, "auto", "default"),  # a GPU box keeps PyPI's CUDA build
        ("Linux", True, "cpu", "cpu"),
        ("Linux", False, "cuda", "default"),
        ("Darwin", False, "auto", "default"),  # PyPI's macOS build has no CUDA payload
        ("Windows", False, "auto", "default"),
    ],
)
def test_torch_plan(system, nvidia, want, plan):
    assert install.torch_plan(system, nvidia, want) == plan


def test_an_index_that_does_not_answer_is_found_out_quickly():
    # A port nothing listens on: refused at once, never pip's minutes of retries.
    assert install.index_answers("http://127.0.0.1:9/whl/cpu", timeout=2) is False


def test_dry_run_keeps_the_installed_torch_and_names_the_target():
    done = subprocess.run([sys.executable, str(REPO / "install.py"), "--dry-run", "--test"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "torch: already installed, kept" in done.stdout  # the suite runs with torch installed
    assert "would install: torch (keep), then -e" in done.stdout and "[test]" in done.stdout
