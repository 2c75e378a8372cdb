"""Session-scoped checkpoints and bundles: exporting is slow, so each bundle is built once and
shared by every test that reads it (tests that modify a bundle work on a copy)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from toy_models import (  # noqa: E402
    CLIP_ARGS, FORMATS, LANDMARK_ARGS, MOBILENET_ARGS, PARITY_SAMPLES, image_inputs, landmark_inputs, landmark_samples,
    train_checkpoint, warm_up_checkpoint,
)

from signport.export.config import ExportConfig  # noqa: E402
from signport.models.registry import model_preprocessing  # noqa: E402

@pytest.fixture(scope="session")
def landmark_checkpoint(tmp_path_factory) -> Path:
    """Landmark MLP trained to ~100 % on 4 separable synthetic hand shapes."""
    return train_checkpoint(tmp_path_factory.mktemp("ckpt") / "landmarks", "landmarks", LANDMARK_ARGS, landmark_inputs, steps=150)


@pytest.fixture(scope="session")
def landmark_bundle(tmp_path_factory, landmark_checkpoint) -> Path:
    """Every format, fp32 + int8, fused model included, and a 6-bit palettized Core ML backbone."""
    from signport.export.pipeline import export_bundle

    out = tmp_path_factory.mktemp("bundles") / "landmarks"
    config = ExportConfig(checkpoint=landmark_checkpoint, out=out, formats=FORMATS, quant=("fp32", "int8"), fused=True, coreml_palettize=(6,))
    export_bundle(config, samples=landmark_samples())
    return out


@pytest.fixture(scope="session")
def mobilenet_checkpoint(tmp_path_factory) -> Path:
    prep = model_preprocessing("mobilenet_v2", **MOBILENET_ARGS)
    inputs, _ = image_inputs(128, 3, MOBILENET_ARGS["input_size"], prep)
    return warm_up_checkpoint(tmp_path_factory.mktemp("ckpt") / "mobilenet", "mobilenet_v2", MOBILENET_ARGS, inputs)


@pytest.fixture(scope="session")
def mobilenet_bundle(tmp_path_factory, mobilenet_checkpoint) -> Path:
    """Every format at fp32, Core ML with an image input; no fused model and no Core ML .pte (the landmark bundle covers them)."""
    from signport.export.pipeline import export_bundle

    out = tmp_path_factory.mktemp("bundles") / "mobilenet"
    export_bundle(ExportConfig(checkpoint=mobilenet_checkpoint, out=out, formats=FORMATS, fused=False, executorch_coreml=False, coreml_image_input=True,
                               parity_samples=PARITY_SAMPLES))
    return out


@pytest.fixture(scope="session")
def clip_checkpoint(tmp_path_factory) -> Path:
    prep = model_preprocessing("mobilenet_v2_3d", **CLIP_ARGS)
    inputs, _ = image_inputs(32, 3, CLIP_ARGS["input_size"], prep, frames=CLIP_ARGS["clip_length"])
    return warm_up_checkpoint(tmp_path_factory.mktemp("ckpt") / "clip", "mobilenet_v2_3d", CLIP_ARGS, inputs)


@pytest.fixture(scope="session")
def clip_bundle(tmp_path_factory, clip_checkpoint) -> Path:
    from signport.export.pipeline import export_bundle

    out = tmp_path_factory.mktemp("bundles") / "clip"
    export_bundle(ExportConfig(checkpoint=clip_checkpoint, out=out, formats=FORMATS, fused=False, parity_samples=PARITY_SAMPLES))
    return out

