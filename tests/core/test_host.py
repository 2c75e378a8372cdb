"""The machine facts every report prints: CPU name and the int8-relevant ISA features."""

import platform
from pathlib import Path

from signport.core.host import cpu_model_name, host_description, int8_dot_product, isa_summary, parse_cpu_features

SAPPHIRE_RAPIDS = "model name\t: Intel(R) Xeon(R) Platinum 8480+\nflags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512bw avx512_vnni avx512_bf16 amx_tile amx_int8 amx_bf16\n"
EPYC_AVX2 = "model name\t: AMD EPYC\nflags\t\t: fpu sse4_2 avx f16c fma avx2 sse4a\n"
GRAVITON3 = "processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp asimddp i8mm sve\n"


def test_cpu_model_name_is_the_cpuinfo_line_or_the_platform_fallback():
    name = cpu_model_name()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        lines = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")]
        expected = lines[0] if lines else (platform.processor() or platform.machine())
    else:
        expected = platform.processor() or platform.machine()
    assert name == expected and name
    assert cpu_model_name(EPYC_AVX2) == "AMD EPYC"


def test_isa_features_name_the_int8_dot_product_each_cpu_kind_has():
    intel = parse_cpu_features(SAPPHIRE_RAPIDS, "x86_64")
    amd = parse_cpu_features(EPYC_AVX2, "x86_64")
    arm = parse_cpu_features(GRAVITON3, "aarch64")
    assert amd == ["avx2", "fma"] and int8_dot_product(amd) is None and isa_summary(amd) == "AVX2 (no VNNI)"
    assert {"avx512f", "avx512_vnni", "amx_int8"} <= set(intel) and int8_dot_product(intel) == "amx_int8"
    assert isa_summary(intel) == "AVX-512 + VNNI + AMX"
    assert {"neon", "dotprod", "i8mm", "sve"} <= set(arm) and isa_summary(arm) == "ARM NEON + dotprod + i8mm"
    assert int8_dot_product(arm) == "i8mm"


def test_host_description_of_this_machine_lists_its_features():
    host = host_description()
    assert host["cores"] >= 1 and host["cpu"] and host["isa"]
    if platform.machine() == "x86_64" and Path("/proc/cpuinfo").is_file():
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")).split()
        assert ("avx2" in host["cpu_features"]) == ("avx2" in flags)
        assert (host["int8_dot_product"] is not None) == bool({"avx512_vnni", "avx_vnni", "amx_int8"} & set(flags))
