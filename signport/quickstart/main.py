"""The quickstart's edge: run the plan through the CLI, then write and announce the report."""

from __future__ import annotations

import time
from pathlib import Path

from signport.quickstart.config import QuickstartConfig
from signport.quickstart.plan import Layout, plan
from signport.quickstart.runner import run_plan


def failure_advice(config: QuickstartConfig, results: list) -> str:
    """Which step failed, how to re-run just it, and how to resume the whole run after a fix."""
    lines = []
    for number, result in enumerate(results, 1):
        if not result.ok:
            kind = "its verdict failed" if result.step.verdict else f"exit {result.exit_code}"
            lines.append(f"  step {number} '{result.step.name}' ({result.step.title}) failed: {kind}; its output is above.")
            lines.append(f"    re-run only it:  signport {' '.join(result.step.argv)}")
    lines.append(f"  after a fix, resume with:  {config.command_line()}")
    lines.append("    (finished steps are skipped: their markers are in "
                 f"{Layout(Path(config.out)).markers}; add --force to start over)")
    return "\n".join(lines)


def quickstart(config: QuickstartConfig, dry_run: bool = False) -> int:
    from signport.cli import main as signport_main

    steps = plan(config)
    if dry_run:
        for step in steps:
            print("signport " + " ".join(step.argv))
        return 0
    layout = Layout(Path(config.out))
    start = time.perf_counter()
    results = run_plan(steps, layout.markers, signport_main, force=config.force)
    total = time.perf_counter() - start

    from signport.quickstart.report import build_report
    from signport.report import write_report

    report = build_report(config, layout, results, total)
    paths = write_report(report, layout.root)
    failed = [r.step.name for r in results if not r.ok]
    incomplete = len(results) < len(steps)
    print(f"\nquickstart {'FAILED' if failed else 'finished'} in {total / 60:.1f} min" + (f" (failed: {', '.join(failed)})" if failed else ""))
    if failed or incomplete:
        print(failure_advice(config, results))
    print(f"  report     {paths['html']}\n             {paths['markdown']}")
    print(f"  bundles    {layout.root / 'bundles'}")
    print(f"  data       {layout.data}\n  runs       {layout.root / 'runs'}")
    if (layout.head.with_suffix(".json")).is_file():
        print(f"  new head   {layout.head.with_suffix('.safetensors')}")
    return 1 if failed or incomplete else 0
