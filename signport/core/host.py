"""Facts about the machine a measurement ran on, for every report that names it.

int8 speed and even int8 accuracy depend on the CPU's instruction set (ONNX Runtime's u8s8
kernels saturate on x86 without VNNI; XNNPACK's int8 is slower than its fp32 on AVX2-only
hosts), so every parity and latency figure carries the ISA it was measured on.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

# /proc/cpuinfo flag (x86 "flags", ARM "Features") -> the name reports use. Only the features
# that change which int8/fp32 kernels the runtimes pick.
X86_FEATURES = {
    "avx2": "avx2", "fma": "fma", "avx512f": "avx512f", "avx512bw": "avx512bw", "avx512_vnni": "avx512_vnni",
    "avx_vnni": "avx_vnni", "avx512_bf16": "avx512_bf16", "amx_tile": "amx_tile", "amx_int8": "amx_int8",
    "amx_bf16": "amx_bf16",
}
ARM_FEATURES = {"asimd": "neon", "asimddp": "dotprod", "i8mm": "i8mm", "fphp": "fp16", "sve": "sve", "sve2": "sve2", "sme": "sme"}


def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def cpu_model_name(cpuinfo: str | None = None) -> str:
    """The CPU's marketing name from /proc/cpuinfo (Linux), else what `platform` knows."""
    for line in (_cpuinfo() if cpuinfo is None else cpuinfo).splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def parse_cpu_features(cpuinfo: str, machine: str) -> list[str]:
    """The int8-relevant ISA features in a /proc/cpuinfo text, sorted (pure, for tests)."""
    table = ARM_FEATURES if machine.lower() in ("aarch64", "arm64") else X86_FEATURES
    key = "features" if table is ARM_FEATURES else "flags"
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == key:
            return sorted({table[f] for f in value.split() if f in table})
    return []


def _macos_arm_features() -> list[str]:
    import subprocess

    names = {"hw.optional.arm.FEAT_DotProd": "dotprod", "hw.optional.arm.FEAT_I8MM": "i8mm",
             "hw.optional.arm.FEAT_FP16": "fp16", "hw.optional.arm.FEAT_SME": "sme"}
    found = ["neon"]
    for key, name in names.items():
        result = subprocess.run(["sysctl", "-n", key], capture_output=True, text=True)
        if result.returncode == 0 and result.stdout.strip() == "1":
            found.append(name)
    return sorted(found)


def cpu_features() -> list[str]:
    """This host's int8-relevant ISA features, e.g. ['avx2', 'fma'] or ['avx2', 'avx512_vnni', ...]."""
    machine = platform.machine()
    if platform.system() == "Darwin" and machine == "arm64":
        return _macos_arm_features()
    return parse_cpu_features(_cpuinfo(), machine)


def int8_dot_product(features: list[str]) -> str | None:
    """Which int8 dot-product instruction family the host has (None: int8 GEMMs are emulated
    with 16-bit multiply-adds, which saturate in ONNX Runtime's u8s8 path and are slow in XNNPACK)."""
    for feature in ("amx_int8", "avx512_vnni", "avx_vnni", "i8mm", "dotprod"):
        if feature in features:
            return feature
    return None


def isa_summary(features: list[str]) -> str:
    """One short label for tables: 'AVX2 (no VNNI)', 'AVX-512 + VNNI + AMX', 'ARM dotprod + i8mm'."""
    if "neon" in features:
        extras = [f for f in ("dotprod", "i8mm", "sme") if f in features]
        return "ARM NEON" + "".join(f" + {f}" for f in extras)
    if "avx512f" in features:
        label = "AVX-512"
    elif "avx2" in features:
        label = "AVX2"
    else:
        return "x86 without AVX2"
    if "avx512_vnni" in features or "avx_vnni" in features:
        label += " + VNNI"
    else:
        label += " (no VNNI)"
    if "amx_int8" in features:
        label += " + AMX"
    return label


def host_description() -> dict:
    """The machine, for every JSON result and report: cores, CPU name, ISA features, OS."""
    features = cpu_features()
    # The cores this process may run on (a container or taskset can allow fewer than the machine has).
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return {
        "machine": f"{cores}-core {platform.machine()} host", "cpu": cpu_model_name(), "cores": cores,
        "isa": isa_summary(features), "cpu_features": features, "int8_dot_product": int8_dot_product(features),
        "os": platform.platform(), "python": platform.python_version(),
    }


def host_line(host: dict | None = None) -> str:
    """The host in one line of prose, for reports: '2-core x86_64 host (AMD EPYC, AVX2 (no VNNI)), Linux-...'."""
    host = host or host_description()
    return f"{host['machine']} ({host['cpu']}, {host['isa']}), {host['os']}, Python {host['python']}"
