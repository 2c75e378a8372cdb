"""Model families, each backbone + head, registered by name.

Importing this package registers every family; `build_model(name, ...)` is the one factory.
"""

from signport.train.models.base import ClassifierHead, SignModel
from signport.train.models.registry import (
    MODEL_REGISTRY,
    backbone_fingerprint,
    build_model,
    model_from_checkpoint,
    register_model,
)

# Registration side effects: one import per family.
from signport.train.models import landmarks, mobilenet_v2, mobilenet_v2_3d  # noqa: E402,F401
from signport.train.models import mobilenet_v2_3d_causal  # noqa: E402,F401

__all__ = [
    "ClassifierHead", "SignModel", "MODEL_REGISTRY", "backbone_fingerprint", "build_model",
    "model_from_checkpoint", "register_model",
]
