"""Model families, each backbone + head, registered by name; every stage (train, export,
streaming, runtime, live, bench) builds its modules from here.

Importing this package registers every family; `build_model(name, ...)` is the one factory and
`model_from_checkpoint` rebuilds a saved module. `macs` counts multiply-accumulates and
`rewrite_3d` converts a 3-D video backbone exactly into 2-D layers.
"""

from signport.models.base import ClassifierHead, SignModel
from signport.models.registry import (
    MODEL_REGISTRY,
    backbone_fingerprint,
    build_model,
    model_from_checkpoint,
    register_model,
)

# Registration side effects: one import per family.
from signport.models import landmarks, mobilenet_v2, mobilenet_v2_3d  # noqa: E402,F401
from signport.models import mobilenet_v2_3d_causal  # noqa: E402,F401

__all__ = [
    "ClassifierHead", "SignModel", "MODEL_REGISTRY", "backbone_fingerprint", "build_model",
    "model_from_checkpoint", "register_model",
]
