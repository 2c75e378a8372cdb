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

# Reads a bundle signport exported, checks its test vectors and runs head.bin on their embeddings, as
# BenchmarkActivity does with the backbone's: prints "top1 max_abs_delta count" or "error MESSAGE".
VECTOR_MAIN = """
import dev.signport.demo.bundle.SignBundle
import dev.signport.demo.core.TestVectors
import java.io.File

fun main(args: Array<String>) {
    try {
        val bundle = SignBundle.load(File(args[0]))
        val vectors = TestVectors.load(bundle)
        val head = bundle.shippedHead()
        val (top1, delta) = TestVectors.agreement(vectors.logits, vectors.embeddings.map { head.logits(it) })
        println("$top1 $delta ${vectors.inputs.size} ${vectors.inputs[0].size}")
    } catch (error: Exception) {
        println("error ${error.message}")
    }
}
"""

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
    (work / "VectorMain.kt").write_text(VECTOR_MAIN)
    classpath = ":".join(str(jar) for jar in JARS.values())
    sources = [str(p) for p in PURE_KOTLIN + UNIT_TESTS] + [str(work / "BenchMain.kt"), str(work / "VectorMain.kt")]
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


@pytest.fixture(scope="module")
def exported_bundle(tmp_path_factory) -> Path:
    """A landmark MLP exported by `signport export` (ONNX only: the JVM reads the manifest, head and vectors)."""
    import torch

    from signport.core.checkpoint import CheckpointMeta, save_checkpoint
    from signport.export.config import ExportConfig
    from signport.export.pipeline import export_bundle
    from signport.models import backbone_fingerprint, build_model
    from signport.models.registry import model_preprocessing

    torch.manual_seed(0)
    model = build_model("landmarks", 4, hidden=[16]).eval()
    root = tmp_path_factory.mktemp("jvm-bundle")
    checkpoint = save_checkpoint(root / "ckpt", model.state_dict(), CheckpointMeta(
        architecture="landmarks", arch_args={"hidden": [16]}, labels=["A", "B", "C", "D"],
        preprocessing=model_preprocessing("landmarks").to_dict(), backbone_fingerprint=backbone_fingerprint(model),
        embedding_size=model.embedding_size))
    export_bundle(ExportConfig(checkpoint=checkpoint, out=root / "bundle", formats=("onnx",), fused=False, parity_samples=16))
    return root / "bundle"


@pytest.mark.slow
def test_kotlin_core_checks_a_python_written_bundles_test_vectors(compiled, exported_bundle, tmp_path):
    classes, classpath = compiled

    def run(bundle: Path) -> str:
        result = subprocess.run(["java", "-cp", f"{classes}:{classpath}", "VectorMainKt", str(bundle)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    top1, delta, count, width = run(exported_bundle).split()
    # head.bin applied in Kotlin to the eager embeddings gives the eager logits Python wrote
    assert (float(top1), int(count), int(width)) == (1.0, 8, 63) and float(delta) < 1e-5

    broken = tmp_path / "broken"
    shutil.copytree(exported_bundle, broken)
    logits = broken / "test_vectors" / "logits.bin"
    logits.write_bytes(logits.read_bytes()[:-4] + b"\x00\x00\x80\x7f")
    assert run(broken).startswith("error ") and "does not match its sha256" in run(broken)
