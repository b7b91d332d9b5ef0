"""Install tutor into the Python that runs this script, with the right PyTorch for this machine.

    python3 -m venv .venv && .venv/bin/python install.py            # the course
    python3 -m venv .venv && .venv/bin/python install.py --test     # the course, editable, and the tests

Why a script: PyPI's torch for Linux is the CUDA build (about 4-5 GB installed, most of it NVIDIA
libraries), and pip cannot choose a build by hardware. So torch is installed first, by hand:

- torch already installed (any build): kept, nothing is downloaded (CI pre-installs its own).
- an NVIDIA GPU here (nvidia-smi, or the driver in /proc), or --cuda: torch from the default
  index, which on Linux is the CUDA build.
- macOS or Windows: torch from the default index (there it carries no CUDA payload).
- Linux without an NVIDIA GPU, or --cpu: the CPU build (about 190 MB to download), from PyTorch's
  CPU index when it answers within a few seconds, else a torch wheel pip can already see without
  an index (its find-links: whatever build lies there), else from the default index, saying so.

Then `pip install .` (or `-e ".[test]"`), which keeps the torch it finds: tutor asks for torch>=2.3.
Only the standard library is used: this runs before anything is installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PROBE_SECONDS = 5.0  # an index that does not answer costs this once, not once per package
HERE = Path(__file__).resolve().parent


def has_nvidia_gpu() -> bool:
    return shutil.which("nvidia-smi") is not None or Path("/proc/driver/nvidia/version").exists()


def index_answers(url: str, timeout: float = PROBE_SECONDS) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/torch/", timeout=timeout) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def torch_plan(system: str, nvidia: bool, want: str) -> str:
    """Which torch build to install: 'cpu' (PyTorch's CPU build) or 'default' (the index's own).

    `want` is 'auto', 'cpu' or 'cuda'; only Linux's default build carries CUDA.
    """
    if want == "cpu":
        return "cpu"
    if want == "cuda" or system != "Linux":
        return "default"
    return "default" if nvidia else "cpu"


def pip(*args: str) -> int:
    command = [sys.executable, "-m", "pip", "install", *args]
    print("+ " + " ".join(command), flush=True)
    return subprocess.call(command)


def install_torch(plan: str) -> int:
    if plan == "default":
        return pip("torch>=2.3")
    if index_answers(CPU_INDEX):
        print(f"torch: the CPU build from {CPU_INDEX}", flush=True)
        if pip("torch>=2.3", "--index-url", CPU_INDEX) == 0:
            return 0
    print(f"torch: {CPU_INDEX} does not answer; looking for a torch wheel on this machine", flush=True)
    # Without an index, only the wheel itself: its small dependencies (filelock, sympy, ...) come
    # with tutor's own install next, from the default index, as pip completes what is installed.
    if pip("torch>=2.3", "--no-index", "--no-deps") == 0:
        return 0
    print(
        "torch: no CPU build found; installing the default build (on Linux that is the CUDA build, "
        "several GB). To avoid it, install a CPU torch first and run this again.",
        flush=True,
    )
    return pip("torch>=2.3")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Install tutor with the right PyTorch for this machine.")
    parser.add_argument("--test", action="store_true", help='editable install with the test extra (-e ".[test]")')
    build = parser.add_mutually_exclusive_group()
    build.add_argument("--cpu", action="store_true", help="the CPU build of torch, even with an NVIDIA GPU")
    build.add_argument("--cuda", action="store_true", help="the default (CUDA on Linux) build of torch")
    parser.add_argument("--dry-run", action="store_true", help="say what would be installed, install nothing")
    args = parser.parse_args(argv)

    want = "cpu" if args.cpu else "cuda" if args.cuda else "auto"
    if importlib.util.find_spec("torch") is not None:
        plan = "keep"
        print("torch: already installed, kept", flush=True)
    else:
        plan = torch_plan(platform.system(), has_nvidia_gpu(), want)
        print(f"torch: {'CPU build' if plan == 'cpu' else 'the default index build'} "
              f"({'an NVIDIA GPU was found' if has_nvidia_gpu() else 'no NVIDIA GPU found'}; {platform.system()})", flush=True)
    target = ["-e", f"{HERE}[test]"] if args.test else [str(HERE)]
    if args.dry_run:
        print(f"would install: torch ({plan}), then {' '.join(target)}")
        return 0
    if plan != "keep" and install_torch(plan) != 0:
        print("install.py: torch could not be installed (see pip's message above)", file=sys.stderr)
        return 1
    return 1 if pip(*target) else 0


if __name__ == "__main__":
    sys.exit(main())
