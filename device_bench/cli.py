"""`signport bench`: does the exported model give the same answers, and does it run at 30 fps?

  signport bench --bundle DIR [--device local|macos|android:SERIAL|ios] [--profile NAME] [--threads N] [--data PATH]
  signport bench report [--results FILE | --bundle DIR]
  signport bench import --result PHONE.json [--results FILE | --bundle DIR]
"""

from __future__ import annotations

from pathlib import Path

from signport.core.config import add_dataclass_arguments, dataclass_from_args
from signport.core.errors import InputError
from signport.device_bench.config import BenchConfig, ImportConfig, ReportConfig


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench", help="parity and 30 fps of a bundle: on this host, as an emulated phone, or on a real phone",
        description="Parity of every artifact vs eager PyTorch, latency of every runtime (same inputs, same threads), "
                    "and the 30 fps budget of the whole per-frame pipeline. Results accumulate in OUT/results.json; "
                    "report.md/report.html are rewritten after each run. Exit code 1 when any verdict fails.",
    )
    add_dataclass_arguments(parser, BenchConfig)
    parser.set_defaults(handler=run_bench)
    commands = parser.add_subparsers(dest="bench_command", metavar="BENCH_COMMAND")
    report = commands.add_parser("report", help="per-device table and report.md/report.html from a results file")
    add_dataclass_arguments(report, ReportConfig)
    report.set_defaults(handler=run_report)
    importer = commands.add_parser("import", help="add a phone's benchmark JSON (iOS/Android demo) to a results file")
    add_dataclass_arguments(importer, ImportConfig)
    importer.set_defaults(handler=run_import)


def run_bench(args) -> int:
    from signport.core.bundle import read_bundle
    from signport.device_bench.devices import DEVICE_TARGETS, parse_device
    from signport.device_bench.profiles import get_profile
    from signport.device_bench.run import run_verdict

    config = dataclass_from_args(BenchConfig, args)
    if config.bundle is None:
        raise InputError("--bundle DIR is required: the folder written by `signport export --out DIR`")
    kind, argument = parse_device(config.device)
    profile = get_profile(config.profile)
    if profile.emulated and kind != "local":
        raise InputError(f"--profile {profile.name} emulates a phone on this host; use it with --device local")
    bundle = read_bundle(config.bundle)
    run = DEVICE_TARGETS[kind](bundle, config, profile, argument)
    if run is None:
        return 0
    run.setdefault("verdict", run_verdict(run))
    out = Path(config.out or bundle.root / "bench")
    _store_and_report(run, out / "results.json", out)
    return run["verdict"]["exit_code"]


def run_report(args) -> int:
    from signport.device_bench.report import summary_table, table_text, write_bench_report
    from signport.device_bench.results import load_results, runs_newest_first

    config = dataclass_from_args(ReportConfig, args)
    path = _results_path(config.results, config.bundle)
    if not path.is_file():
        raise InputError(f"{path} not found; run `signport bench --bundle DIR` first or pass --results FILE")
    results = load_results(path)
    paths = write_bench_report(results, Path(config.out or path.parent))
    print(table_text(summary_table(runs_newest_first(results))))
    print(f"\n{len(results['runs'])} run(s) from {path}\nreport: {paths['markdown']}\n        {paths['html']}")
    return 0


def run_import(args) -> int:
    from signport.core.bench_result import load_bench_result
    from signport.device_bench.results import device_run_from_json

    from signport.core.bundle import read_bundle
    from signport.device_bench.results import check_run_matches_bundle

    config = dataclass_from_args(ImportConfig, args)
    if config.result is None:
        raise InputError("--result PHONE.json is required: the benchmark JSON pulled from the demo app")
    path = _results_path(config.results, config.bundle)
    bundle_dir = config.bundle or _bundle_of_results(path)
    if bundle_dir is None:
        raise InputError(f"pass --bundle DIR: {path} is not inside a bundle, and a phone's result is stored only after it "
                         "is checked against the bundle it claims to have run")
    run = device_run_from_json(load_bench_result(config.result), config.result)
    check_run_matches_bundle(run, read_bundle(bundle_dir).manifest, config.result)
    _store_and_report(run, path, path.parent)
    return 0


def _bundle_of_results(results: Path) -> Path | None:
    """BUNDLE for BUNDLE/bench/results.json, else None."""
    from signport.core.manifest import MANIFEST_FILE

    candidate = Path(results).resolve().parent.parent
    return candidate if (candidate / MANIFEST_FILE).is_file() else None


def _results_path(results: Path | None, bundle: Path | None) -> Path:
    if results is not None:
        return Path(results)
    if bundle is not None:
        return Path(bundle) / "bench" / "results.json"
    raise InputError("pass --results FILE or --bundle DIR (whose bench/results.json is used)")


def _store_and_report(run: dict, results_path: Path, out: Path) -> None:
    from signport.device_bench.report import budget_tables, latency_table, parity_table, run_title, table_text, write_bench_report
    from signport.device_bench.results import add_run, load_results

    add_run(results_path, run)
    paths = write_bench_report(load_results(results_path), out)
    print(run_title(run))
    if run.get("host", {}).get("isa"):
        print(f"host: {run['host']['cpu']}, {run['host']['isa']} (parity and latency below measured here)")
    if run.get("parity"):
        print(f"\nParity vs {run['parity']['reference']['description']}\nheld-out: {run['parity']['heldout']}")
        print(table_text(parity_table(run["parity"])))
    if run.get("results"):
        print(f"\nLatency ({run['label']})")
        print(table_text(latency_table(run["results"], run["label"])))
    if run.get("budget"):
        stages, totals = budget_tables(run["budget"])
        print(f"\n30 fps budget, 33.3 ms per frame ({run['label']})")
        print(table_text(stages))
        print(table_text(totals))
    verdicts = run.get("verdicts")
    if verdicts and verdicts.get("recommended"):
        from signport.device_bench.report import verdicts_table

        print(f"\nWhich artifact to ship ({verdicts['isa']}, int8 dot product: {verdicts['int8_dot_product'] or 'none'})")
        for c in verdicts["int8_vs_fp32"]:
            print(f"  {c['runtime']} {c['role']}: {c['reason']}")
        print(table_text(verdicts_table(verdicts)))
    for profile in ((run.get("op_profiles") or {}).get("profiles") or []):
        if profile.get("status") == "ok":
            from signport.device_bench.report import op_profile_tables

            print("\n" + op_profile_tables(profile, top=5).caption)
            print(table_text(op_profile_tables(profile, top=5)))
    host = run.get("host") or {}
    load = max((v for v in (host.get("load_average_before"), host.get("load_average_after")) if v is not None), default=None)
    if load is not None and load > 0.5 * host["cores"]:
        print(f"\nnote: load average {load:.1f} on {host['cores']} cores: other processes competed for the CPU, timings are inflated")
    verdict = run.get("verdict") or {}
    print(f"\nparity {verdict.get('parity', '—').upper()} | 30 fps gate {verdict.get('fps_gate', '—').upper()} | "
          f"failed to run: {', '.join(verdict.get('failed_latency', [])) or 'none'}")
    print(f"results: {results_path}\nreport:  {paths['markdown']}\n         {paths['html']}")
