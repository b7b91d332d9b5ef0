"""What this machine has: memory, CPU, GPUs and disk. Every probe is optional and fails soft.

A probe that cannot run (no nvidia-smi, no sysfs, not a Mac, a sandbox that hides /proc ...)
leaves its field as None ("unknown"); nothing here raises. `parse_gpu_spec` reads the what-if
option of `tutor fit --gpu` so people can plan for a machine they are about to use.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tutor.fit.units import MIB, SizeError, parse_size
from tutor.i18n import say

GPU_KINDS = ("cuda", "rocm", "metal", "vulkan")


@dataclass
class GPU:
    kind: str  # cuda | rocm | metal | vulkan
    name: str = ""
    total_bytes: int | None = None
    free_bytes: int | None = None  # what a model may use now
    id: str = ""
    compute: str = ""  # CUDA compute capability "8.6", AMD gfx target ...
    integrated: bool = False
    source: str = ""  # which probe found it

    @property
    def usable_bytes(self) -> int:
        if self.free_bytes is not None:
            return self.free_bytes
        return self.total_bytes or 0

    @property
    def minimum_bytes(self) -> int:
        """Memory Ollama keeps free on the device (457 MiB; 512 MiB on Metal)."""
        return 512 * MIB if self.kind == "metal" else 457 * MIB

    @property
    def flash_attention_ok(self) -> bool:
        if self.kind == "cuda":
            try:
                return float(self.compute or "0") >= 7.0
            except ValueError:
                return False
        return self.kind in ("metal", "rocm")


@dataclass
class CPU:
    model: str | None = None
    cores: int | None = None  # logical CPUs this process may use
    physical_cores: int | None = None
    features: list[str] = field(default_factory=list)  # avx, avx2, avx512f, fma, f16c, neon ...
    arch: str | None = None


@dataclass
class Hardware:
    os: str = ""
    ram_total: int | None = None
    ram_available: int | None = None
    swap_free: int | None = None
    cgroup_limit: int | None = None  # memory limit of this container, if any
    cpu: CPU = field(default_factory=CPU)
    gpus: list[GPU] = field(default_factory=list)
    models_dir: str | None = None
    disk_free: int | None = None
    metal_wired_limit: int | None = None  # Apple: GPU working-set limit
    what_if: bool = False  # built from --gpu/--ram, not probed
    notes: list[str] = field(default_factory=list)

    @property
    def total_vram(self) -> int:
        return sum(g.total_bytes or g.usable_bytes for g in self.gpus)

    @property
    def memory_for_cpu(self) -> int | None:
        """Bytes a model may take in system memory: available RAM (+ free swap off macOS)."""
        if self.ram_available is None:
            return None
        avail = self.ram_available
        if self.cgroup_limit is not None:
            avail = min(avail, self.cgroup_limit)
        if self.os != "darwin" and self.swap_free:
            avail += self.swap_free
        return avail

    def to_json(self) -> dict:
        d = asdict(self)
        d["total_vram"] = self.total_vram
        d["memory_for_cpu"] = self.memory_for_cpu
        return d


# --------------------------------------------------------------------------- probes

def _run(cmd: list[str], timeout: float = 3.0) -> str | None:
    exe = shutil.which(cmd[0])
    if not exe:
        return None
    try:
        out = subprocess.run([exe, *cmd[1:]], capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def _read(path: str | Path) -> str | None:
    try:
        return Path(path).read_text(errors="replace")
    except (OSError, ValueError):
        return None


def _meminfo(text: str | None) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in (text or "").splitlines():
        m = re.match(r"(\w+):\s+(\d+)\s*(kB)?", line)
        if m:
            out[m.group(1)] = int(m.group(2)) * (1024 if m.group(3) else 1)
    return out


def probe_memory(hw: Hardware, proc: str = "/proc", cgroup: str = "/sys/fs/cgroup") -> None:
    info = _meminfo(_read(f"{proc}/meminfo"))
    if info:
        hw.ram_total = info.get("MemTotal")
        hw.ram_available = info.get("MemAvailable", info.get("MemFree"))
        hw.swap_free = info.get("SwapFree")
    elif hw.os == "darwin":
        total = _run(["sysctl", "-n", "hw.memsize"])
        if total and total.strip().isdigit():
            hw.ram_total = int(total.strip())
        vm = _run(["vm_stat"])
        if vm:
            page = 4096
            m = re.search(r"page size of (\d+)", vm)
            if m:
                page = int(m.group(1))
            pages = {k.strip(): int(v.strip().rstrip(".")) for k, v in re.findall(r"^([^:]+):\s+(\d+)\.?$", vm, re.M)}
            free = sum(pages.get(k, 0) for k in ("Pages free", "Pages inactive", "Pages speculative", "Pages purgeable"))
            hw.ram_available = free * page if free else None
    # cgroup v2, then v1
    limit = None
    for path in (f"{cgroup}/memory.max", f"{cgroup}/memory/memory.limit_in_bytes"):
        text = _read(path)
        if text is None:
            continue
        text = text.strip()
        if text.isdigit() and int(text) < (1 << 60):
            limit = int(text)
            used = _read(f"{cgroup}/memory.current") or _read(f"{cgroup}/memory/memory.usage_in_bytes")
            if used and used.strip().isdigit():
                limit = max(0, limit - int(used.strip()))
        break
    if limit is not None and (hw.ram_total is None or limit < hw.ram_total):
        hw.cgroup_limit = limit
        hw.notes.append("memory limited by the container (cgroup)")


def probe_cpu(hw: Hardware, proc: str = "/proc") -> None:
    cpu = hw.cpu
    cpu.arch = platform.machine() or None
    try:
        cpu.cores = len(os.sched_getaffinity(0))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        cpu.cores = os.cpu_count()
    text = _read(f"{proc}/cpuinfo")
    if text:
        m = re.search(r"^(?:model name|Hardware|Processor)\s*:\s*(.+)$", text, re.M)
        cpu.model = m.group(1).strip() if m else None
        flags = re.search(r"^(?:flags|Features)\s*:\s*(.+)$", text, re.M)
        if flags:
            have = set(flags.group(1).split())
            wanted = ["sse3", "ssse3", "avx", "avx2", "avx512f", "avx512_vnni", "avx512_bf16", "avx_vnni",
                      "fma", "f16c", "amx_tile", "neon", "asimd", "sve", "i8mm", "dotprod", "asimddp"]
            cpu.features = [f for f in wanted if f in have or (f == "sse3" and "pni" in have)]
        cores = {(a, b) for a, b in re.findall(r"physical id\s*:\s*(\d+).*?core id\s*:\s*(\d+)", text, re.S)}
        cpu.physical_cores = len(cores) or None
    elif hw.os == "darwin":
        brand = _run(["sysctl", "-n", "machdep.cpu.brand_string"])
        cpu.model = brand.strip() if brand else None
        phys = _run(["sysctl", "-n", "hw.physicalcpu"])
        cpu.physical_cores = int(phys) if phys and phys.strip().isdigit() else None
        if cpu.arch == "arm64":
            cpu.features = ["neon"]


def probe_nvidia(hw: Hardware) -> None:
    try:  # nvidia-ml-py, when installed
        import pynvml  # type: ignore

        pynvml.nvmlInit()
        try:
            for i in range(pynvml.nvmlDeviceGetCount()):
                h = pynvml.nvmlDeviceGetHandleByIndex(i)
                mem = pynvml.nvmlDeviceGetMemoryInfo(h)
                name = pynvml.nvmlDeviceGetName(h)
                name = name.decode() if isinstance(name, bytes) else str(name)
                try:
                    major, minor = pynvml.nvmlDeviceGetCudaComputeCapability(h)
                    compute = f"{major}.{minor}"
                except Exception:  # noqa: BLE001 - old drivers
                    compute = ""
                hw.gpus.append(GPU("cuda", name, int(mem.total), int(mem.free), str(i), compute, source="nvml"))
            return
        finally:
            pynvml.nvmlShutdown()
    except Exception:  # noqa: BLE001 - not installed, no driver, no device: try nvidia-smi
        pass
    out = _run(["nvidia-smi", "--query-gpu=index,name,memory.total,memory.free,compute_cap",
                "--format=csv,noheader,nounits"])
    if not out:
        out = _run(["nvidia-smi", "--query-gpu=index,name,memory.total,memory.free", "--format=csv,noheader,nounits"])
    for line in (out or "").splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 4:
            continue
        try:
            total, free = int(float(parts[2])) * MIB, int(float(parts[3])) * MIB
        except ValueError:
            continue
        compute = parts[4] if len(parts) > 4 else ""
        hw.gpus.append(GPU("cuda", parts[1], total, free, parts[0], compute, source="nvidia-smi"))


def probe_amd(hw: Hardware, drm: str = "/sys/class/drm") -> None:
    base = Path(drm)
    try:
        cards = sorted(p for p in base.glob("card*") if re.fullmatch(r"card\d+", p.name))
    except OSError:
        return
    for card in cards:
        dev = card / "device"
        if (_read(dev / "vendor") or "").strip() != "0x1002":
            continue
        total = _read(dev / "mem_info_vram_total")
        used = _read(dev / "mem_info_vram_used")
        if not total or not total.strip().isdigit():
            continue
        total_b = int(total.strip())
        used_b = int(used.strip()) if used and used.strip().isdigit() else 0
        name = (_read(dev / "product_name") or "").strip() or "AMD GPU"
        integrated = total_b < 1024**3  # Ollama treats < 1 GiB of VRAM as an iGPU and skips it
        gpu = GPU("rocm", name, total_b, max(0, total_b - used_b), card.name, integrated=integrated, source="sysfs")
        if integrated:
            hw.notes.append(f"{card.name}: integrated AMD GPU with {total_b // MIB} MiB VRAM, ignored like Ollama does")
            continue
        hw.gpus.append(gpu)


def probe_apple(hw: Hardware) -> None:
    if hw.os != "darwin" or (platform.machine() != "arm64"):
        return
    total = hw.ram_total
    if total is None:
        return
    # Metal's recommendedMaxWorkingSetSize is about 2/3 of RAM up to 36 GiB, 3/4 above; the
    # iogpu.wired_limit_mb sysctl raises or lowers it.
    gib = 1024**3
    limit = total * 2 // 3 if total <= 36 * gib else total * 3 // 4
    wired = _run(["sysctl", "-n", "iogpu.wired_limit_mb"])
    if wired and wired.strip().isdigit() and int(wired.strip()) > 0:
        limit = int(wired.strip()) * MIB
        hw.notes.append("GPU working set set by iogpu.wired_limit_mb")
    hw.metal_wired_limit = limit
    hw.gpus.append(GPU("metal", "Apple GPU", limit, limit, "0", integrated=False, source="sysctl"))


def models_dir() -> Path:
    env = os.environ.get("OLLAMA_MODELS")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".ollama" / "models"


def probe_disk(hw: Hardware) -> None:
    path = models_dir()
    hw.models_dir = str(path)
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        hw.disk_free = shutil.disk_usage(probe).free
    except OSError:
        hw.disk_free = None


def detect_hardware() -> Hardware:
    """Probe this machine. Never raises; unknown fields stay None."""
    hw = Hardware(os=platform.system().lower())
    for probe in (probe_memory, probe_cpu, probe_nvidia, probe_amd, probe_apple, probe_disk):
        try:
            probe(hw)
        except Exception as exc:  # noqa: BLE001 - a broken probe must not break `tutor fit`
            hw.notes.append(f"{probe.__name__} failed: {exc}")
    return hw


# --------------------------------------------------------------------------- what-if

class SpecError(ValueError):
    """A --gpu or --ram value we cannot read."""


def parse_gpu_spec(spec: str) -> list[GPU]:
    """'cuda:24GiB', 'cuda:24GiB,cuda:12GiB', 'metal:10.67GiB' or 'none' -> GPUs (size = free memory)."""
    text = (spec or "").strip()
    if not text:
        raise SpecError(say("fit.err.empty_gpu"))
    if text.lower() in ("none", "cpu", "0"):
        return []
    gpus = []
    for i, item in enumerate(text.split(",")):
        kind, sep, size = item.strip().partition(":")
        kind = kind.strip().lower()
        if not sep:
            raise SpecError(say("fit.err.gpu_item", item=repr(item)))
        if kind not in GPU_KINDS:
            raise SpecError(say("fit.err.gpu_kind", kind=repr(kind), kinds=", ".join(GPU_KINDS)))
        try:
            n = parse_size(size)
        except SizeError as exc:
            raise SpecError(say("fit.err.option", option=f"--gpu {item!r}", detail=exc)) from exc
        gpus.append(GPU(kind, f"{kind} (what-if)", n, n, str(i), compute="8.0" if kind == "cuda" else "",
                        source="what-if"))
    kinds = {g.kind for g in gpus}
    if "metal" in kinds and len(gpus) > 1:
        raise SpecError(say("fit.err.metal"))
    return gpus


def what_if(base: Hardware | None, gpus: str | None, ram: str | None) -> Hardware:
    """A Hardware for planning: the probed one with --gpu/--ram replaced."""
    hw = Hardware(**{k: v for k, v in asdict(base).items() if k not in ("cpu", "gpus")}) if base else Hardware()
    if base:
        hw.cpu = base.cpu
        hw.gpus = list(base.gpus)
    hw.notes = list(base.notes) if base else []
    if gpus is not None:
        hw.gpus = parse_gpu_spec(gpus)
        hw.what_if = True
        if any(g.kind == "metal" for g in hw.gpus):
            hw.os = "darwin"
    if ram is not None:
        try:
            n = parse_size(ram)
        except SizeError as exc:
            raise SpecError(say("fit.err.option", option="--ram", detail=exc)) from exc
        hw.ram_total = hw.ram_available = n
        hw.swap_free = 0
        hw.cgroup_limit = None
        hw.what_if = True
    return hw
