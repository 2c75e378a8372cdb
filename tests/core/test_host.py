"""The CPU name every report prints."""

import platform
from pathlib import Path

from signport.core.host import cpu_model_name


def test_cpu_model_name_is_the_cpuinfo_line_or_the_platform_fallback():
    name = cpu_model_name()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        lines = [l.split(":", 1)[1].strip() for l in cpuinfo.read_text().splitlines() if l.startswith("model name")]
        expected = lines[0] if lines else (platform.processor() or platform.machine())
    else:
        expected = platform.processor() or platform.machine()
    assert name == expected and name
