"""The import rule of docs/architecture.md, checked on the source: which package may import which,
and no import cycle between packages (function-local imports count too)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Import name -> folder (setup.py maps train/, export/ and device_bench/ into the namespace).
FOLDERS = {"signport": ROOT / "signport", "signport.train": ROOT / "train", "signport.export": ROOT / "export",
           "signport.device_bench": ROOT / "device_bench"}
# The layers of the pipeline, bottom up. Nothing below the stages imports a stage; the stages
# (train, export, bench) never import each other except bench -> export (its verdict rules);
# only the CLI and the quickstart sit above everything.
BELOW_THE_STAGES = ("core", "data", "models", "hands", "runtime", "streaming", "live", "report")
STAGES = ("train", "export", "device_bench")
ON_TOP = ("cli", "quickstart", "__main__")
ALLOWED_BETWEEN_STAGES = {("device_bench", "export")}
# Edges that break the rule today, each with the move that removes it; a new violation still fails.
KNOWN_VIOLATIONS = {
    ("export", "device_bench"): "export --quant auto (export/pipeline.run_quant_search) uses the bench's device profiles, "
    "held-out loader and accuracy/latency plot; they move down to core / data / report",
}


def package_of(module: str) -> str | None:
    """'signport.models.registry' -> 'models'; 'signport' (the root package's own names) -> 'signport'."""
    parts = module.split(".")
    if parts[0] != "signport":
        return None
    return parts[1] if len(parts) > 1 else "signport"


def import_edges() -> dict[tuple[str, str], list[str]]:
    """(importing package, imported package) -> the files that make the edge."""
    edges: dict[tuple[str, str], list[str]] = {}
    for name, folder in FOLDERS.items():
        for path in sorted(folder.rglob("*.py")):
            module = ".".join([name, *path.relative_to(folder).with_suffix("").parts])
            source = package_of(module)
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    targets = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names if node.module == "signport"]
                else:
                    continue
                for target in targets:
                    imported = package_of(target)
                    if imported and imported != source and not (target == "signport" or imported == "signport"):
                        edges.setdefault((source, imported), []).append(path.name if not path.is_relative_to(ROOT) else str(path.relative_to(ROOT)))
    return edges


def test_the_layers_below_the_stages_never_import_a_stage_or_the_cli():
    bad = {edge: files for edge, files in import_edges().items()
           if edge[0] in BELOW_THE_STAGES and edge[1] in STAGES + ON_TOP}
    assert not bad, f"lower layers import train/export/device_bench/cli/quickstart: {bad}"


def test_stages_import_each_other_only_bench_to_export_and_never_the_cli():
    bad = {edge: files for edge, files in import_edges().items()
           if edge[0] in STAGES and (edge[1] in ON_TOP or (edge[1] in STAGES and edge not in ALLOWED_BETWEEN_STAGES))
           and edge not in KNOWN_VIOLATIONS}
    assert not bad, f"stage imports outside the rule: {bad}"


def test_no_import_cycle_between_packages():
    graph: dict[str, set[str]] = {}
    for source, target in import_edges():
        if (source, target) not in KNOWN_VIOLATIONS:
            graph.setdefault(source, set()).add(target)
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            assert cycle is None, f"import cycle between packages: {' -> '.join(cycle)}"


def test_the_rule_catches_a_violation(tmp_path, monkeypatch):
    # The checker must see a lower layer importing a stage, even inside a function.
    fake = tmp_path / "signport" / "models"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text("def f():\n    from signport.train.training import train\n")
    monkeypatch.setitem(FOLDERS, "signport", tmp_path / "signport")
    assert ("models", "train") in import_edges()


def test_every_signport_import_names_a_module_that_exists():
    # Function-local imports fail only when their line runs; a moved module must not leave one behind.
    import importlib.util

    missing = set()
    for name, folder in FOLDERS.items():
        for path in sorted(folder.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
                for module in modules:
                    if module.startswith("signport.") and importlib.util.find_spec(module) is None:
                        missing.add(f"{path.relative_to(ROOT)}: {module}")
    assert not missing, f"imports of modules that do not exist: {sorted(missing)}"
