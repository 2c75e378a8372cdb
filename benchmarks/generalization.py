"""One generalisation table for a recipe: in-split, leave-one-signer-out, cross-dataset, personal head.

Every number comes from `signport train / finetune / evaluate` run through the CLI; this script
only chooses the folds and collects their results.json into one report (JSON, Markdown, HTML,
a confusion matrix per row).

    python benchmarks/generalization.py --model landmarks --out runs/generalization/landmarks
    python benchmarks/generalization.py --model image --out runs/generalization/image --epochs 12

Rows:
  in-split        one model on all sources, random held-out samples per source (what training
                  reports; burst frames make it optimistic)
  LOSO <signer>   the signer source's people one at a time held out whole (--holdout), trained on the rest
  cross <source>  a whole dataset held out (--holdout SOURCE), trained on the others
  personal <s>    the LOSO model for signer s plus a head from --per-label photos of s: before/after on
                  s's other photos (an upper bound: burst frames) and on the other signers
A source with one signer cannot be split by signer; the table says so.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from signport.core import atomic

# Which shared datasets a recipe trains on, and which of them has signer ids for LOSO.
RECIPES = {
    "landmarks": {
        "model": "landmarks",
        "sources": ["asl_signers_landmarks.npz", "landmarks/asl_letters_mediapipe.npz", "traduttore_letters.npz", "synth-landmarks"],
        "signer_source": "asl_signers_landmarks.npz",
        "cross": ["traduttore_letters", "asl_letters_mediapipe"],
    },
    "image": {
        "model": "mobilenet_v2",
        "sources": ["asl_signers", "asl_alphabet", "asl_roboflow"],
        "signer_source": "asl_signers",
        "cross": ["asl_alphabet"],
    },
}


def run_cli(argv: list[str]) -> None:
    from signport.cli import main as signport_main

    print("signport " + " ".join(argv), flush=True)
    if signport_main(argv) != 0:
        raise SystemExit(f"signport {argv[0]} failed")


def source_path(root: Path, name: str) -> str:
    return name if name.startswith("synth") else str(root / name)


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def train_fold(args, recipe: dict, out: Path, holdout: str | None, split_by: str) -> dict:
    """Train (or reuse) one fold; returns its test metrics (with per-source numbers)."""
    data = ",".join(source_path(args.data_root, s) for s in recipe["sources"])
    if not (out / "evaluation" / "results.json").is_file() or args.retrain:
        argv = ["train", "--model", recipe["model"], "--data", data, "--preset", args.preset, "--out", str(out),
                "--split-by", split_by, "--seed", str(args.seed), "--overwrite"]
        argv += ["--holdout", holdout] if holdout else []
        argv += ["--threads", str(args.threads)] if args.threads else []
        argv += ["--epochs", str(args.epochs)] if args.epochs else []
        argv += ["--max-per-class", str(args.max_per_class)] if args.max_per_class else []
        argv += args.extra
        run_cli(argv)
    results = read_json(out / "evaluation" / "results.json")
    meta = read_json(out / "checkpoint.json")
    results["train_seconds"] = meta.get("metrics", {}).get("train_seconds")
    return results


def personal_fold(args, recipe: dict, checkpoint: Path, signer: str, others: list[str], out: Path) -> dict:
    """A head from --per-label photos of `signer` on the fold's model; before/after on the rest of
    that signer's photos and on the other signers."""
    signer_data = f"{source_path(args.data_root, recipe['signer_source'])}@{signer}"
    head = out / f"head_{signer}"
    argv = ["finetune", "--from", str(checkpoint), "--data", signer_data, "--per-label", str(args.per_label), "--out", str(head),
            "--seed", str(args.seed)]
    argv += ["--threads", str(args.threads)] if args.threads else []
    run_cli(argv)
    report = read_json(head.with_suffix(".json"))["metrics"]
    other_data = f"{source_path(args.data_root, recipe['signer_source'])}@{'+'.join(others)}"
    scores = {}
    for name, extra in (("base", []), ("head", ["--head", str(head.with_suffix(".safetensors"))])):
        folder = out / f"others_{signer}_{name}"
        run_cli(["evaluate", "--from", str(checkpoint), "--data", other_data, "--split", "all", "--out", str(folder)] + extra
                + (["--threads", str(args.threads)] if args.threads else []))
        scores[name] = read_json(folder / "results.json")["top1"]
    return {"before": report["before"]["top1"], "after": report["after"]["top1"], "heldout": report["before"]["num_samples"],
            "head_seconds": report["head_train_seconds"], "head_cpu_seconds": report.get("head_train_cpu_seconds"), "others_before": scores["base"], "others_after": scores["head"],
            "confusion": str(head.with_suffix(".confusion.png"))}


def signers_of(args, recipe: dict) -> list[str]:
    from signport.train.sources import open_dataset

    kind = "landmarks" if recipe["model"] == "landmarks" else "image"
    index = open_dataset(source_path(args.data_root, recipe["signer_source"]), kind, args.cache_dir)
    return sorted(set(index.signers or []))


def build_report(result: dict):
    from signport.report.document import Figure, Report, Section, Table

    rows, figures = [], []
    for row in result["rows"]:
        rows.append([row["row"], row["test_on"], row.get("n"), row.get("top1"), row.get("note", "")])
        if row.get("confusion"):
            figures.append(Figure(Path(row["confusion"]), caption=f"{row['row']} ({row['test_on']})"))
    table = Table(["row", "tested on", "samples", "top-1", "note"], rows, caption="top-1 on data the model never trained on, except in-split")
    summary = Table(["protocol", "mean top-1"], [[k, v] for k, v in result["summary"].items()])
    return Report(
        title=f"Generalisation: {result['model']} ({result['preset']})",
        subtitle=f"{result['host']} · {result['seconds']:.0f} s",
        sections=[Section("Summary", tables=[summary]), Section("Every fold", tables=[table], figures=figures)],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=tuple(RECIPES), default="landmarks")
    parser.add_argument("--preset", default="asl-generalize")
    parser.add_argument("--data-root", type=Path, default=Path(os.environ.get("SIGNPORT_SHARED_DATA", "../shared/data")))
    parser.add_argument("--out", type=Path, default=Path("runs/generalization"))
    parser.add_argument("--rows", default="in-split,loso,cross,personal", help="which protocols to run")
    parser.add_argument("--split-by", choices=("sample", "signer"), default="sample",
                        help="in-split row: random samples, or whole signers of the sources that have several (a one-signer source says so)")
    parser.add_argument("--signers", default=None, help="LOSO over these signers only (default: all of the signer source)")
    parser.add_argument("--per-label", type=int, default=10, help="photos per letter for the personal head")
    parser.add_argument("--epochs", type=int, default=None, help="override the preset's epochs (quick runs)")
    parser.add_argument("--max-per-class", type=int, default=None, help="cap samples per class (quick runs)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--retrain", action="store_true", help="train folds again even when their results exist")
    parser.add_argument("extra", nargs="*", help="further `signport train` flags after --, e.g. -- --mirror none")
    args = parser.parse_args(argv)
    from signport.train.cli import cache_dir_from_env

    args.cache_dir = cache_dir_from_env()
    recipe = RECIPES[args.model]
    wanted = set(args.rows.split(","))
    started = time.perf_counter()
    result = {"model": recipe["model"], "preset": args.preset, "sources": recipe["sources"], "rows": [], "summary": {},
              "host": f"{platform.machine()} {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at start"}
    signer_name = Path(recipe["signer_source"]).stem

    if "in-split" in wanted:
        metrics = train_fold(args, recipe, args.out / "in_split", None, args.split_by)
        single = [s for s in recipe["sources"] if s != recipe["signer_source"]]
        for source, numbers in metrics.get("per_source", {}).items():
            note = "one signer: split by sample" if args.split_by == "signer" and any(Path(s).stem == source for s in single) else ""
            result["rows"].append({"row": "in-split", "test_on": source, "n": numbers["num_samples"], "top1": numbers["top1"], "note": note})
        result["rows"].append({"row": "in-split", "test_on": "all", "n": metrics["num_samples"], "top1": metrics["top1"],
                               "confusion": str(args.out / "in_split" / "evaluation" / "confusion.png")})

    signers = args.signers.split(",") if args.signers else signers_of(args, recipe)
    loso_scores, personal = [], []
    if {"loso", "personal"} & wanted:
        for signer in signers:
            fold = args.out / f"loso_{signer}"
            metrics = train_fold(args, recipe, fold, f"{signer_name}/{signer}", "signer")
            loso_scores.append(metrics["top1"])
            result["rows"].append({"row": f"LOSO {signer}", "test_on": f"{signer_name}/{signer}", "n": metrics["num_samples"],
                                   "top1": metrics["top1"], "confusion": str(fold / "evaluation" / "confusion.png"),
                                   "note": f"trained in {metrics.get('train_seconds')} s"})
            if "personal" in wanted:
                others = [s for s in signers if s != signer]
                p = personal_fold(args, recipe, fold, signer, others, args.out / "personal")
                personal.append(p)
                result["rows"].append({"row": f"personal {signer} before", "test_on": f"{signer} other photos", "n": p["heldout"], "top1": p["before"]})
                result["rows"].append({"row": f"personal {signer} after", "test_on": f"{signer} other photos", "n": p["heldout"], "top1": p["after"],
                                       "confusion": p["confusion"], "note": f"{args.per_label} photos/letter, head {p['head_seconds']} s wall, {p['head_cpu_seconds']} s CPU"})
                result["rows"].append({"row": f"personal {signer} after", "test_on": "other signers (in the base model's training data)",
                                       "top1": p["others_after"], "note": f"base head {p['others_before']:.4f}"})
        result["summary"][f"LOSO mean over {len(loso_scores)} signers"] = sum(loso_scores) / len(loso_scores)
    if personal:
        mean = lambda key: sum(p[key] for p in personal) / len(personal)  # noqa: E731
        result["summary"].update({"personal head: own other photos, before": mean("before"), "personal head: own other photos, after": mean("after"),
                                  "personal head: other signers, before": mean("others_before"), "personal head: other signers, after": mean("others_after"),
                                  "personal head training seconds (max, wall)": max(p["head_seconds"] for p in personal),
                                  "personal head training CPU seconds (max)": max(p["head_cpu_seconds"] or 0 for p in personal)})
    if "cross" in wanted:
        for source in recipe["cross"]:
            fold = args.out / f"cross_{source}"
            metrics = train_fold(args, recipe, fold, source, "sample")
            result["rows"].append({"row": f"cross {source}", "test_on": source, "n": metrics["num_samples"], "top1": metrics["top1"],
                                   "confusion": str(fold / "evaluation" / "confusion.png"), "note": "whole source held out"})
            result["summary"][f"cross-dataset {source}"] = metrics["top1"]
    result["seconds"] = time.perf_counter() - started
    atomic.write_json(args.out / "generalization.json", result)
    from signport.report.document import write_report

    paths = write_report(build_report(result), args.out, stem="generalization")
    print(json.dumps(result["summary"], indent=2))
    print(f"wrote {paths['markdown']} and {paths['html']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
