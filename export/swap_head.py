"""`signport swap-head`: install a fine-tuned head into an exported bundle, backbone untouched.

The new bundle is staged beside the old one (backbone artifacts hard-linked, not copied),
head files and every format's head artifact regenerated and parity-checked, the manifest
rewritten, and the folders swapped in one rename: readers see the old bundle or the new one.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from signport.core import atomic
from signport.core.errors import ToolchainError, VerdictError
from signport.core.heads import Head, check_head_compatible, load_head
from signport.core.bundle import owned_paths
from signport.core.manifest import MANIFEST_FILE, load_manifest, resolve_bundle_path, validate_manifest
from signport.core.preprocessing import Preprocessing
from signport.export.bundle_writer import artifact_row, carry_over, link_or_copy_tree, now_iso, write_head_files
from signport.export.calibration import InputSamples, synthetic_inputs
from signport.export.config import ExportConfig
from signport.export.formats import ArtifactSkipped, ExportContext, ExportJob, get_format
from signport.export.modules import EMBEDDING, LOGITS, ExportPart
from signport.export.pipeline import EagerReference, measure_parity

log = logging.getLogger(__name__)
PARITY_INPUTS = 64


@dataclass
class SwapReport:
    bundle_dir: Path
    labels_added: list[str]
    labels_removed: list[str]
    forced: list[str]
    metrics_before: dict
    metrics_after: dict
    files_written: list[str]
    artifacts_removed: list[str] = field(default_factory=list)
    carried_over: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [f"head installed in {self.bundle_dir}"]
        if self.forced:
            lines.append(f"  forced past: {'; '.join(self.forced)}")
        lines.append(f"  labels added: {', '.join(self.labels_added) or 'none'}; removed: {', '.join(self.labels_removed) or 'none'}")
        before, after = _headline_metrics(self.metrics_before), _headline_metrics(self.metrics_after)
        lines.append(f"  old head: {before or 'no metrics recorded'}")
        lines.append(f"  new head: {after or 'no metrics recorded'}")
        lines.append(f"  files written: {', '.join(self.files_written)}")
        if self.artifacts_removed:
            lines.append(f"  removed (they embed the old head; re-export from the checkpoint to rebuild): {', '.join(self.artifacts_removed)}")
        if self.carried_over:
            lines.append(f"  kept (not part of the bundle's manifest): {', '.join(self.carried_over)}")
        return lines


def _headline_metrics(metrics: dict) -> str:
    """'top-1 81.3 % on 435 held-out samples (test)': the numbers a user compares, from a checkpoint's
    or a fine-tuned head's metrics (their nested evaluation blocks), not the whole dict."""
    parts = []
    for name in ("test", "after", "before"):
        block = metrics.get(name)
        if isinstance(block, dict) and "top1" in block:
            label = {"after": "new signer, fine-tuned", "before": "new signer, base head"}.get(name, name)
            parts.append(f"top-1 {100 * block['top1']:.1f} % on {block.get('num_samples', '?')} held-out samples ({label})")
            if name == "after":
                break  # a fine-tuned head: "after" is its own score, "before" is the old head's
    if not parts:  # no evaluation block: the scalar metrics as recorded
        parts = [f"{k} {v:.4g}" for k, v in sorted(metrics.items()) if isinstance(v, (int, float)) and not isinstance(v, bool)]
        parts = [", ".join(parts)] if parts else []
    return "; ".join(parts)


def swap_head(bundle_dir: str | Path, head_path: str | Path, force: bool = False, threads: int | None = None) -> SwapReport:
    bundle_dir = Path(bundle_dir)
    manifest = load_manifest(bundle_dir)
    head = load_head(head_path)
    forced = check_head_compatible(
        head.manifest, backbone_fingerprint=manifest["backbone_fingerprint"], embedding_size=manifest["embedding_size"],
        labels=manifest["labels"], force=force, head_path=head_path,
    )
    old_labels, new_labels = list(manifest["labels"]), list(head.manifest.labels)
    head_rows = [a for a in manifest["artifacts"] if a["role"] == "head"]
    fused_rows = [a for a in manifest["artifacts"] if a["role"] == "model"]
    config = _config_from_manifest(bundle_dir, manifest, threads)
    embeddings = _parity_embeddings(bundle_dir, manifest, threads)
    reference = EagerReference(embeddings, embeddings @ head.weight.T + head.bias, head.weight, head.bias)
    part = ExportPart("head", _head_module(head), EMBEDDING, LOGITS, (head.manifest.embedding_size,))
    context = ExportContext(manifest["model_family"], new_labels, manifest["preprocessing"], manifest["backbone_fingerprint"], manifest["name"])

    with atomic.staged_directory(bundle_dir) as stage:
        replaced = {a["path"] for a in head_rows + fused_rows} | {manifest["head"][k] for k in manifest["head"]["sha256"]} | {MANIFEST_FILE}
        for relative in sorted(owned_paths(manifest) - replaced):
            link_or_copy_tree(resolve_bundle_path(bundle_dir, relative), resolve_bundle_path(stage, relative))
        carried = carry_over(bundle_dir, stage, manifest)
        head_block = write_head_files(stage, head)
        new_rows = {}
        for row in head_rows:
            fmt = get_format(row["format"])
            request = fmt.request("head", row["precision"], row.get("delegate"))
            target = stage / request.relative_path
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                calibration = embeddings if request.verdict_kind == "int8" else None
                artifact = fmt.run(ExportJob(request, part, part.module, calibration, target, config, context))
                parity = artifact.parity_here or measure_parity(artifact, reference, InputSamples(None, embeddings, "bundle backbone"), config)
            except ArtifactSkipped as e:
                raise ToolchainError(f"could not rebuild {request.id} for the new head: {e}") from e
            if parity.get("passed") is False:
                raise VerdictError(f"{request.id} built from the new head disagrees with it ({'; '.join(parity['failures'])}); bundle left unchanged")
            new_rows[row["id"]] = artifact_row(stage, artifact, parity)
        updated = dict(manifest)
        updated.update(
            labels=new_labels, head=head_block,
            artifacts=[new_rows.get(row["id"], row) for row in manifest["artifacts"] if row["role"] != "model"],
            head_history=manifest.get("head_history", []) + [{"replaced_at": now_iso(), "previous_sha256": manifest["head"]["sha256"], "forced": forced}],
        )
        validate_manifest(updated, stage / MANIFEST_FILE)
        atomic.write_json(stage / MANIFEST_FILE, updated)
        load_manifest(stage)

    return SwapReport(
        bundle_dir=bundle_dir,
        labels_added=[label for label in new_labels if label not in old_labels],
        labels_removed=[label for label in old_labels if label not in new_labels],
        forced=forced,
        metrics_before=dict(manifest["head"].get("metrics", {})),
        metrics_after=dict(head.manifest.metrics),
        files_written=[head_block[k] for k in ("safetensors", "json", "bin")] + [row["path"] for row in new_rows.values()] + [MANIFEST_FILE],
        artifacts_removed=[row["path"] for row in fused_rows],
        carried_over=carried,
    )


def _head_module(head: Head) -> torch.nn.Module:
    from signport.models import ClassifierHead

    module = ClassifierHead(head.manifest.embedding_size, head.manifest.num_classes)
    with torch.no_grad():
        module.fc.weight.copy_(torch.from_numpy(head.weight))
        module.fc.bias.copy_(torch.from_numpy(head.bias))
    return module.eval()


def _config_from_manifest(bundle_dir: Path, manifest: dict, threads: int | None) -> ExportConfig:
    known = {f.name for f in dataclasses.fields(ExportConfig)}
    options = {k: v for k, v in manifest.get("export_options", {}).items() if k in known}
    formats = sorted({a["format"] for a in manifest["artifacts"]})
    return ExportConfig(checkpoint=bundle_dir, out=bundle_dir, formats=formats, threads=threads, **options)


def _parity_embeddings(bundle_dir: Path, manifest: dict, threads: int | None) -> np.ndarray:
    """Embeddings from the bundle's own fp32 backbone on synthetic inputs: realistic inputs for
    the head-artifact parity check (and int8 head calibration) without the checkpoint."""
    from signport.runtime import BundleModel

    prep = Preprocessing.from_dict(manifest["preprocessing"])
    inputs = synthetic_inputs(prep, PARITY_INPUTS, seed=0)
    for fmt in ("onnx", "executorch"):
        try:
            return BundleModel(bundle_dir, format=fmt, precision="fp32", threads=threads, verify_files=False).embed(inputs)
        except Exception as e:  # noqa: BLE001 - any format that cannot run here falls through to the next
            log.debug("no %s backbone for swap-head parity: %s", fmt, e)
    # Only Core ML artifacts (not runnable on Linux): Gaussian embeddings still exercise the linear layer.
    return np.random.default_rng(0).standard_normal((PARITY_INPUTS, manifest["embedding_size"])).astype(np.float32)
