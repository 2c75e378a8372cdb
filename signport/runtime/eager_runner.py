"""PyTorch eager on a checkpoint folder: the reference every exported artifact is compared to."""

from __future__ import annotations

from typing import Literal

import numpy as np

from signport.runtime.base import Runner, register_runner


@register_runner("pytorch")
class EagerRunner(Runner):
    """`part` picks what runs: the whole model (logits), the backbone (embedding) or the head."""

    def __init__(self, path, threads: int | None = None, part: Literal["model", "backbone", "head"] = "model"):
        self.part = part
        super().__init__(path, threads)

    def _load(self) -> None:
        import torch

        from signport.models import model_from_checkpoint

        self._torch = torch
        if self.threads:
            torch.set_num_threads(self.threads)
        self.model, self.meta = model_from_checkpoint(self.path)
        self._module = self.model if self.part == "model" else getattr(self.model, self.part)

    def _run(self, batch: np.ndarray) -> np.ndarray:
        with self._torch.inference_mode():
            return self._module(self._torch.from_numpy(batch)).numpy()
