"""The install layout users get: one `signport` namespace, the README commands CI runs."""

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from signport.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    return [b.strip() for b in blocks[:2]]


def test_readme_starts_with_install_and_run_then_install_and_test():
    run_cmd, test_cmd = _readme_commands()
    assert "pip install" in run_cmd and run_cmd.endswith("signport quickstart")
    assert "pip install" in test_cmd and "pytest" in test_cmd


def test_ci_runs_the_readme_test_command_verbatim():
    _, test_cmd = _readme_commands()
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_cmd in ci_lines


@pytest.mark.slow
def test_wheel_installs_everything_under_the_signport_namespace(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)],
        check=True, capture_output=True,
    )
    wheel = next(tmp_path.glob("signport-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {n.split("/")[0] for n in names if not n.startswith("signport-")}
    assert top_level == {"signport"}, f"generic top-level modules in the wheel: {top_level}"
    for package in ("signport/train/__init__.py", "signport/export/__init__.py", "signport/device_bench/__init__.py",
                    "signport/core/manifest.schema.json", "signport/models/mobilenet_v2_3d.py"):
        assert package in names


def test_every_subcommand_has_help():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    assert subparsers.choices, "no subcommands registered"
    for name, sub in subparsers.choices.items():
        assert sub.format_help().startswith("usage: signport " + name)


def test_cli_help_is_fast_and_exits_zero():
    result = subprocess.run([sys.executable, "-m", "signport", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "COMMAND" in result.stdout
    # Heavy toolchains load inside handlers only.
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, signport.cli as c; c.build_parser(); print(sorted(m for m in ('torch','executorch','coremltools','mediapipe','onnxruntime') if m in sys.modules))"],
        capture_output=True, text=True, timeout=60,
    )
    assert probe.stdout.strip() == "[]", probe.stdout + probe.stderr
