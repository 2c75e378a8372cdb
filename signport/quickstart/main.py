"""The quickstart's edge: run the plan through the CLI, then write and announce the report."""

from __future__ import annotations

import time
from pathlib import Path

from signport.quickstart.config import QuickstartConfig
from signport.quickstart.plan import Layout, plan
from signport.quickstart.runner import run_plan


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
    print(f"  report     {paths['html']}\n             {paths['markdown']}")
    print(f"  bundles    {layout.root / 'bundles'}")
    print(f"  data       {layout.data}\n  runs       {layout.root / 'runs'}")
    if (layout.head.with_suffix(".json")).is_file():
        print(f"  new head   {layout.head.with_suffix('.safetensors')}")
    return 1 if failed or incomplete else 0
