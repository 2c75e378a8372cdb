"""Backbone + head: the module boundary that training, export and the demos all use."""

from __future__ import annotations

import torch
from torch import nn


class ClassifierHead(nn.Module):
    """embedding (N, D) -> logits (N, C): optional dropout, then one Linear named `fc`.

    `fc.weight` / `fc.bias` are exactly the tensors of a head file, so a head trained
    anywhere drops into any copy of the same backbone.
    """

    def __init__(self, embedding_size: int, num_classes: int, dropout: float = 0.0):
        super().__init__()
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.fc = nn.Linear(embedding_size, num_classes)

    def forward(self, embedding: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(embedding))


class SignModel(nn.Module):
    """A recognizer: `backbone` (input -> (N, D) embedding) then `head` (embedding -> logits)."""

    def __init__(self, backbone: nn.Module, head: ClassifierHead, embedding_size: int, family: str):
        super().__init__()
        self.backbone = backbone
        self.head = head
        self.embedding_size = embedding_size
        self.family = family

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))

    def freeze_backbone(self) -> None:
        """Personalisation mode: backbone weights and BatchNorm statistics stay fixed."""
        for p in self.backbone.parameters():
            p.requires_grad_(False)
        self.backbone.eval()

    def train(self, mode: bool = True):
        super().train(mode)
        # A frozen backbone stays in eval mode so BatchNorm statistics never drift.
        if mode and not any(p.requires_grad for p in self.backbone.parameters()):
            self.backbone.eval()
        return self
