"""Compile the Android app's platform-independent Kotlin (bundle reader, head, smoothing, transcript,
bench report) on the host JVM and run its unit tests against the Python-written fixture bundle.

Needs kotlinc plus Android's org.json and JUnit 4 as jars (Debian: `apt-get install kotlin
libandroid-json-java junit4`); skipped with that reason where they are missing. The sources are kept
compatible with Debian's kotlinc 1.3 for this reason (no trailing commas, no 1.4+ stdlib calls).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from signport.core.bench_result import validate_bench_result

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "android_demo" / "app" / "src"
MAIN = APP / "main" / "java" / "dev" / "signport" / "demo"
# The JVM-only part of the app: everything else needs the Android SDK.
PURE_KOTLIN = [MAIN / "BenchContract.kt", *sorted((MAIN / "bundle").glob("*.kt")), *sorted((MAIN / "core").glob("*.kt"))]
UNIT_TESTS = sorted((APP / "test" / "java" / "dev" / "signport" / "demo").glob("*.kt"))
JARS = {
    "org.json (libandroid-json-java)": Path("/usr/share/java/com.android.json.jar"),
    "junit4": Path("/usr/share/java/junit4.jar"),
    "hamcrest (junit4)": Path("/usr/share/java/hamcrest-core.jar"),
    "kotlin stdlib (kotlin)": Path("/usr/share/java/kotlin-stdlib.jar"),
}

BENCH_MAIN = """
import dev.signport.demo.core.BenchDevice
import dev.signport.demo.core.BenchReport
import dev.signport.demo.core.BenchRun

fun main() {
    val run = BenchRun("backbone-executorch-fp32", "executorch", null, 2, doubleArrayOf(1.0, 2.0, 3.0, 4.0), 7.5, 1)
    println(BenchReport(BenchDevice("host JVM", "Linux"), "fixture-landmarks", "2025-01-01T00:00:00Z", listOf(run)).toJson().toString(2))
}
"""


@pytest.fixture(scope="module")
def compiled(tmp_path_factory, missing_prerequisite) -> tuple[Path, str]:
    missing = [name for name, jar in JARS.items() if not jar.is_file()]
    if shutil.which("kotlinc") is None or missing:
        missing_prerequisite("KOTLIN", f"kotlinc or jars missing ({', '.join(missing) or 'kotlinc'}): apt-get install kotlin libandroid-json-java junit4")
    work = tmp_path_factory.mktemp("kotlin")
    (work / "BenchMain.kt").write_text(BENCH_MAIN)
    classpath = ":".join(str(jar) for jar in JARS.values())
    sources = [str(p) for p in PURE_KOTLIN + UNIT_TESTS] + [str(work / "BenchMain.kt")]
    result = subprocess.run(["kotlinc", *sources, "-cp", classpath, "-d", str(work / "classes")], capture_output=True, text=True, timeout=300)
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert result.returncode == 0 and not errors, "\n".join(errors) or result.stderr[-3000:]
    return work / "classes", classpath


@pytest.mark.slow
def test_android_unit_tests_pass_on_the_python_fixture_bundle(compiled):
    classes, classpath = compiled
    test_classes = [f"dev.signport.demo.{path.stem}" for path in UNIT_TESTS]
    fixtures = REPO / "tests" / "demos" / "fixtures" / "bundle"
    result = subprocess.run(
        ["java", f"-Dsignport.fixtures={fixtures}", "-cp", f"{classes}:{classpath}", "org.junit.runner.JUnitCore", *test_classes],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    ran = int(re.search(r"OK \((\d+) tests?\)", result.stdout).group(1))
    declared = sum(path.read_text().count("@Test") for path in UNIT_TESTS)
    assert ran == declared >= 10


@pytest.mark.slow
def test_kotlin_bench_report_validates_against_the_schema(compiled):
    classes, classpath = compiled
    result = subprocess.run(["java", "-cp", f"{classes}:{classpath}", "BenchMainKt"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    validate_bench_result(report)
    run = report["results"][0]
    assert run["compute_units"] is None and run["threads"] == 2 and run["iterations"] == 4
    assert run["latency_ms"] == {"p50": 2.5, "p90": pytest.approx(3.7), "p99": pytest.approx(3.97), "mean": 2.5}
    assert run["fps"] == pytest.approx(400.0)
    assert report["device"]["kind"] == "android"
