"""`signport quickstart`: the plan is plain signport command lines, the runner resumes, and a
real (small) run leaves a report a browser renders with its tables and pictures."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from signport.cli import build_parser, main
from signport.quickstart.config import MODELS, QuickstartConfig
from signport.quickstart.plan import plan
from signport.quickstart.runner import run_plan

sys.path.insert(0, str(Path(__file__).parents[1] / "report"))
from browser import chromium, probe_page  # noqa: E402


@pytest.mark.parametrize("fast", [False, True])
def test_every_step_is_a_signport_command_line_the_cli_accepts(tmp_path, fast):
    steps = plan(QuickstartConfig(out=tmp_path, fast=fast))
    parser = build_parser()
    for step in steps:
        args = parser.parse_args(list(step.argv))  # SystemExit (a failed test) on any unknown flag
        assert callable(args.handler), step.name
    names = [s.name for s in steps]
    assert names[:2] == ["data", "hand-model"] and names[-2:] == ["finetune", "swap-head"]
    for family in MODELS:
        assert [f"train-{family}", f"export-{family}", f"bench-{family}"] == [n for n in names if n.endswith(family)]
    # Only the bench steps are verdicts (the run goes on past a failed one, and the report shows it).
    assert {s.name for s in steps if s.verdict} == {f"bench-{m}" for m in MODELS}


def test_full_run_exports_every_format_and_quantizes_the_image_and_landmark_models(tmp_path):
    exports = {s.name: list(s.argv) for s in plan(QuickstartConfig(out=tmp_path)) if s.name.startswith("export-")}
    for argv in exports.values():
        assert argv[argv.index("--formats") + 1] == "executorch,coreml,onnx"
    quant = {name: argv[argv.index("--quant") + 1] for name, argv in exports.items()}
    # The 3D model of the 15-minute run stays near chance, so its int8 agreement would mean nothing (see plan.QUANT).
    assert quant == {"export-mobilenet_v2": "fp32,int8", "export-landmarks": "fp32,int8", "export-mobilenet_v2_3d": "fp32"}


def test_dry_run_prints_the_plan_without_running_it(tmp_path, capsys):
    assert main(["quickstart", "--fast", "--dry-run", "--out", str(tmp_path / "q")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("signport data synth ") and len(lines) == len(plan(QuickstartConfig(out=tmp_path / "q", fast=True)))
    assert not (tmp_path / "q").exists()


def test_runner_stops_at_a_failed_step_goes_on_past_a_failed_verdict_and_resumes(tmp_path):
    steps = [s for s in plan(QuickstartConfig(out=tmp_path, fast=True, models="landmarks")) if s.name != "hand-model"]
    calls: list[str] = []
    exit_codes = {"export-landmarks": 1}

    def run_command(argv):
        # Stands in for the signport CLI: a step that succeeds leaves its outputs, as the real one does
        # (a marker counts only while its step's outputs exist).
        step = next(s for s in steps if list(s.argv) == argv)
        calls.append(step.name)
        code = exit_codes.get(step.name, 0)
        if code == 0 or step.verdict:
            for output in step.outputs:
                output.parent.mkdir(parents=True, exist_ok=True)
                output.write_text("{}") if output.suffix else output.mkdir(exist_ok=True)
        return code

    first = run_plan(steps, tmp_path / ".steps", run_command)
    assert calls == ["data", "train-landmarks", "export-landmarks"] and not first[-1].ok
    calls.clear()
    exit_codes = {"bench-landmarks": 1}  # export fixed; the bench verdict now fails
    second = run_plan(steps, tmp_path / ".steps", run_command)
    assert calls == ["export-landmarks", "bench-landmarks"]  # finished steps are skipped
    assert [r.skipped for r in second] == [True, True, False, False]
    calls.clear()
    third = run_plan(steps, tmp_path / ".steps", run_command)  # a recorded verdict is not re-run...
    assert calls == [] and not third[-1].ok
    run_plan(steps, tmp_path / ".steps", run_command, force=True)  # ...unless forced
    assert calls == [s.name for s in steps]
    calls.clear()
    (tmp_path / "runs" / "landmarks" / "checkpoint.json").unlink()  # an output gone: that step and all after re-run
    run_plan(steps, tmp_path / ".steps", run_command)
    assert calls == ["train-landmarks", "export-landmarks", "bench-landmarks"]


def test_small_real_quickstart_writes_a_report_chromium_renders_and_resumes(tmp_path, hand_model, capsys, missing_prerequisite):
    out = tmp_path / "quickstart"
    argv = ["quickstart", "--fast", "--models", "landmarks", "--out", str(out), "--hand-model", str(hand_model)]
    assert main(argv) == 0, capsys.readouterr().out[-3000:]
    printed = capsys.readouterr().out
    assert "quickstart finished" in printed and str(out / "report.html") in printed
    manifest = out / "bundles" / "landmarks" / "manifest.json"
    assert manifest.is_file() and (out / "bench" / "landmarks" / "results.json").is_file()
    markdown = (out / "report.md").read_text()
    for heading in ("Summary", "Training", "Formats × precision", "30 fps gate — landmarks"):
        assert f"## {heading}" in markdown, heading
    assert "executorch" in markdown and "onnx" in markdown and "int8" in markdown

    started = time.perf_counter()
    assert main(argv) == 0  # resumes: every step already finished
    assert time.perf_counter() - started < 20
    assert printed.count("-> ok") == capsys.readouterr().out.count("done in an earlier run") == 4

    if chromium() is None:
        missing_prerequisite("BROWSER", "Chromium is not installed (apt-get install chromium); .ci/run installs it")
    seen = probe_page(out / "report.html")
    assert len(seen["tables"]) >= 4 and all(rows >= 2 for rows in seen["tables"])
    assert len(seen["imgs"]) >= 3 and all(img["loaded"] for img in seen["imgs"]), seen["imgs"]
    assert {"Summary", "Training", "Formats × precision"} <= set(seen["headings"])


def test_a_failed_run_names_the_step_and_the_command_that_resumes_it(tmp_path):
    from signport.quickstart.main import failure_advice
    from signport.quickstart.runner import StepResult

    config = QuickstartConfig(out=tmp_path / "my run", threads=1)
    steps = plan(config)
    failed = next(s for s in steps if s.name == "export-mobilenet_v2")
    results = [StepResult(s, 0, 1.0, skipped=False) for s in steps[: steps.index(failed)]] + [StepResult(failed, 1, 9.0, False)]
    advice = failure_advice(config, results)
    assert f"step {steps.index(failed) + 1} 'export-mobilenet_v2'" in advice and "exit 1" in advice
    assert "re-run only it:  signport " + " ".join(failed.argv) in advice
    resume = next(line for line in advice.splitlines() if "resume with:" in line).split("resume with:")[1].strip()
    assert resume == f"signport quickstart --out '{tmp_path / 'my run'}' --threads 1"
    # The resume command parses back to the same config: it really resumes this run.
    import shlex

    args = build_parser().parse_args(shlex.split(resume)[1:])
    from signport.core.config import dataclass_from_args

    assert dataclass_from_args(QuickstartConfig, args) == config
