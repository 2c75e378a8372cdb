"""Named training presets: defaults that reproduce a documented result on a known machine.

A preset only replaces fields still at their built-in default, so any flag the user sets wins.
`--preset auto` means `synth-fast` for the synthetic data (the 2-core default) and `none` otherwise.
"""

from __future__ import annotations

import dataclasses

from signport.core.errors import InputError
from signport.train.config import TrainConfig

# preset -> model -> field overrides. Each entry says in its description what it trades away.
PRESETS: dict[str, dict] = {
    "none": {"description": "the built-in defaults (full width and resolution)", "models": {}},
    "synth-fast": {
        "description": "reduced size for the synthetic default on a 2-core CPU: MobileNetV2 width 0.35 at 96 px, 24 epochs with augmentation at 0.7 "
                       "(the generator's 300 varied images per class need less); 3D width 0.25 at 64 px x 16 frames",
        "models": {
            # Measured on the 2-core host (generator v4, 300 letters per class, seed 0): 91.3 % test top-1
            # in 508 s. 200 per class at full augmentation for 35 epochs underfit (87.2 %, train 90 %);
            # at half strength they overfit (88.3 %, train 98 %).
            "mobilenet_v2": {"width": 0.35, "input_size": 96, "epochs": 24, "batch_size": 64, "lr": 3e-3, "warmup_epochs": 2, "patience": 10,
                             "precise_bn_batches": 5, "augment_strength": 0.7},
            "mobilenet_v2_3d": {"width": 0.25, "input_size": 64, "clip_length": 16, "epochs": 15, "batch_size": 16, "lr": 3e-3},
            "mobilenet_v2_3d_causal": {"width": 0.25, "input_size": 64, "clip_length": 16, "epochs": 15, "batch_size": 16, "lr": 3e-3},
            "landmarks": {"epochs": 40, "batch_size": 128, "lr": 3e-3},
        },
    },
    "asl-cpu": {
        "description": "real ASL Alphabet photos from scratch on a 2-core CPU: MobileNetV2 width 0.5 at 96 px",
        "models": {
            "mobilenet_v2": {"width": 0.5, "input_size": 96, "epochs": 30, "batch_size": 64, "lr": 3e-3, "warmup_epochs": 2, "patience": 8},
        },
    },
    "asl-generalize": {
        "description": "letters for people and rooms never seen: pass every source (--data A,B,C); landmark MLP with mirror-invariant "
                       "input, hand-shape features and signer-variation augmentation; MobileNetV2 width 0.5 at 96 px on MediaPipe hand crops with flips. "
                       "Measured with benchmarks/generalization.py (train/README.md)",
        "models": {
            "landmarks": {"epochs": 40, "batch_size": 256, "lr": 3e-3, "patience": 12, "mirror": "canonical", "features": "coords+shape", "augment_signers": True,
                          "label_smoothing": 0.1},
            "mobilenet_v2": {"width": 0.5, "input_size": 96, "epochs": 18, "batch_size": 64, "lr": 3e-3, "warmup_epochs": 2, "patience": 6,
                             "hand_crop": True, "hflip": True, "label_smoothing": 0.1},
        },
    },
    "landmarks": {
        "description": "MLP on real MediaPipe landmarks",
        "models": {"landmarks": {"epochs": 60, "batch_size": 256, "lr": 3e-3, "patience": 15}},
    },
}


def resolve_preset_name(config: TrainConfig) -> str:
    if config.preset == "auto":
        return "synth-fast" if config.data == "synth" else "none"
    if config.preset not in PRESETS:
        raise InputError(f"unknown --preset {config.preset!r}; choose one of: auto, {', '.join(PRESETS)}")
    return config.preset


def apply_preset(config: TrainConfig) -> TrainConfig:
    """The config with the preset's values in every field the user left at its default.

    The returned config names the resolved preset, so applying it again changes nothing.
    """
    name = resolve_preset_name(config)
    overrides = PRESETS[name]["models"].get(config.model, {})
    defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    changes = {k: v for k, v in overrides.items() if getattr(config, k) == defaults[k]}
    return dataclasses.replace(config, preset=name, **changes)


def describe_preset(config: TrainConfig) -> str:
    """One line for the log: the preset and the values in effect for the fields it covers (flags win)."""
    name = resolve_preset_name(config)
    overrides = PRESETS[name]["models"].get(config.model, {})
    settings = ", ".join(f"{k}={getattr(config, k)}" for k in overrides)
    return f"preset {name}: {PRESETS[name]['description']}" + (f" [in effect: {settings}]" if settings else "")
