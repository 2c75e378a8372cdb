"""Between a SignModel's `head.fc` and the head file format of signport.core.heads: the one
head_from_model (training, fine-tuning and export write heads with it) and apply_head."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from signport.core.errors import HeadMismatchError
from signport.core.heads import Head, HeadManifest, check_head_compatible
from signport.models import SignModel, backbone_fingerprint


def head_from_model(model: SignModel, labels: list[str], *, fingerprint: str | None = None,
                    metrics: dict | None = None, source: dict | None = None) -> Head:
    """The model's classifier as a head file object, tied to its backbone's fingerprint."""
    fc = model.head.fc
    dropout = model.head.dropout.p if isinstance(model.head.dropout, torch.nn.Dropout) else 0.0
    manifest = HeadManifest(
        labels=list(labels), embedding_size=fc.in_features, backbone_fingerprint=fingerprint or backbone_fingerprint(model),
        model_family=model.family, dropout=float(dropout), metrics=dict(metrics or {}), source=dict(source or {}),
    )
    return Head(
        weight=fc.weight.detach().cpu().numpy().astype(np.float32),
        bias=fc.bias.detach().cpu().numpy().astype(np.float32),
        manifest=manifest,
    )


def apply_head(model: SignModel, head: Head, force: bool = False, labels: list[str] | None = None,
               head_path: str | Path = "head") -> list[str]:
    """Put `head` on `model` in place (replacing the classifier if the label count differs).

    Refuses (HeadMismatchError) a head trained on another backbone, for another label set
    (`labels`, the model's own labels) or with another label count, unless `force`; an
    embedding-size mismatch is never forceable. Returns what `force` let through. After a
    forced swap the model's labels are `head.manifest.labels`.
    """
    fc = model.head.fc
    differences = check_head_compatible(
        head.manifest, backbone_fingerprint=backbone_fingerprint(model), embedding_size=model.embedding_size,
        labels=labels, force=force, head_path=head_path,
    )
    if labels is None and head.manifest.num_classes != fc.out_features:
        if not force:
            raise HeadMismatchError(
                f"{head_path}: head has {head.manifest.num_classes} labels but the model has {fc.out_features} outputs; "
                "fine-tune a head for this model or pass --force"
            )
        differences.append(f"label count {head.manifest.num_classes} != {fc.out_features}")
    weight = torch.as_tensor(np.asarray(head.weight, dtype=np.float32), device=fc.weight.device)
    bias = torch.as_tensor(np.asarray(head.bias, dtype=np.float32), device=fc.weight.device)
    if weight.shape != fc.weight.shape:
        model.head.fc = torch.nn.Linear(fc.in_features, weight.shape[0], device=fc.weight.device)
        fc = model.head.fc
    with torch.no_grad():
        fc.weight.copy_(weight)
        fc.bias.copy_(bias)
    return differences
