"""Hardware probes read fake /proc and sysfs trees; nothing may raise."""

from __future__ import annotations

from tutor.fit import hardware as hwmod
from tutor.fit.hardware import (
    GPU,
    Hardware,
    detect_hardware,
    probe_amd,
    probe_cpu,
    probe_memory,
    what_if,
)
from tutor.fit.units import GIB, MIB

MEMINFO = """MemTotal:       32768000 kB
MemFree:         1000000 kB
MemAvailable:   20000000 kB
SwapTotal:       2097148 kB
SwapFree:        1048576 kB
"""

CPUINFO = """processor\t: 0
model name\t: Test CPU 9000
flags\t\t: fpu pni ssse3 avx avx2 fma f16c avx512f
physical id\t: 0
core id\t\t: 0

processor\t: 1
model name\t: Test CPU 9000
physical id\t: 0
core id\t\t: 1
"""


def test_memory_and_cgroup(tmp_path):
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "meminfo").write_text(MEMINFO)
    cg = tmp_path / "cg"
    cg.mkdir()
    (cg / "memory.max").write_text(str(8 * GIB) + "\n")
    (cg / "memory.current").write_text(str(2 * GIB) + "\n")
    hw = Hardware(os="linux")
    probe_memory(hw, proc=str(proc), cgroup=str(cg))
    assert hw.ram_total == 32768000 * 1024
    assert hw.ram_available == 20000000 * 1024
    assert hw.swap_free == 1048576 * 1024
    assert hw.cgroup_limit == 6 * GIB
    assert hw.memory_for_cpu == 6 * GIB + hw.swap_free


def test_unlimited_cgroup_is_ignored(tmp_path):
    cg = tmp_path / "cg"
    cg.mkdir()
    (cg / "memory.max").write_text("max\n")
    hw = Hardware(os="linux")
    probe_memory(hw, proc=str(tmp_path / "nope"), cgroup=str(cg))
    assert hw.cgroup_limit is None and hw.ram_total is None and hw.memory_for_cpu is None


def test_cpu_flags(tmp_path):
    (tmp_path / "cpuinfo").write_text(CPUINFO)
    hw = Hardware(os="linux")
    probe_cpu(hw, proc=str(tmp_path))
    assert hw.cpu.model == "Test CPU 9000"
    assert {"sse3", "avx2", "avx512f", "fma", "f16c"} <= set(hw.cpu.features)
    assert hw.cpu.physical_cores == 2


def test_amd_sysfs(tmp_path):
    for card, vendor, total, used in (("card0", "0x1002", 16 * GIB, 1 * GIB), ("card1", "0x10de", 8 * GIB, 0),
                                      ("card2", "0x1002", 512 * MIB, 0)):
        d = tmp_path / card / "device"
        d.mkdir(parents=True)
        (d / "vendor").write_text(vendor + "\n")
        (d / "mem_info_vram_total").write_text(f"{total}\n")
        (d / "mem_info_vram_used").write_text(f"{used}\n")
    (tmp_path / "card0-DP-1").mkdir()  # connectors are not cards
    hw = Hardware(os="linux")
    probe_amd(hw, drm=str(tmp_path))
    assert len(hw.gpus) == 1
    g = hw.gpus[0]
    assert g.kind == "rocm" and g.total_bytes == 16 * GIB and g.free_bytes == 15 * GIB
    assert any("integrated" in n for n in hw.notes)


def test_nvidia_smi_parsing(monkeypatch):
    monkeypatch.setattr(hwmod, "_run", lambda cmd, timeout=3.0: "0, NVIDIA GeForce RTX 3090, 24576, 23000, 8.6\n"
                        if cmd[0] == "nvidia-smi" else None)
    import builtins

    real_import = builtins.__import__

    def no_pynvml(name, *a, **k):
        if name == "pynvml":
            raise ImportError
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_pynvml)
    hw = Hardware(os="linux")
    hwmod.probe_nvidia(hw)
    (g,) = hw.gpus
    assert g.name == "NVIDIA GeForce RTX 3090" and g.total_bytes == 24576 * MIB and g.free_bytes == 23000 * MIB
    assert g.flash_attention_ok


def test_detect_hardware_never_raises(monkeypatch):
    def boom(hw):
        raise RuntimeError("probe exploded")

    monkeypatch.setattr(hwmod, "probe_amd", boom)
    hw = detect_hardware()
    assert isinstance(hw, Hardware)
    assert any("probe exploded" in n for n in hw.notes)
    assert hw.to_json()["os"]


def test_what_if_replaces_gpus_and_ram():
    base = Hardware(os="linux", ram_total=64 * GIB, ram_available=60 * GIB, swap_free=GIB,
                    gpus=[GPU("cuda", "real", 8 * GIB, 8 * GIB)])
    hw = what_if(base, "cuda:24GiB,cuda:24GiB", "32GiB")
    assert [g.usable_bytes for g in hw.gpus] == [24 * GIB, 24 * GIB]
    assert hw.ram_available == 32 * GIB and hw.swap_free == 0 and hw.what_if
    assert base.gpus[0].name == "real"  # the probed one is untouched
    assert what_if(base, "none", None).gpus == []
    assert what_if(base, "metal:10.67GiB", None).os == "darwin"
