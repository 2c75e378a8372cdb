"""The held-out set parity is measured on: real data when given, synthetic otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from signport.core.errors import DataError
from signport.core.preprocessing import Preprocessing, normalize_image
from signport.data.model_inputs import balanced_choice, check_input_kind, model_inputs


@dataclass
class HeldoutSet:
    inputs: np.ndarray  # (N, *model input shape without batch), float32
    labels: np.ndarray | None  # (N,) indices into the bundle's labels; None: no ground truth
    source: str  # one line for the report: what these samples are


def synthetic_heldout(prep: Preprocessing, labels: list[str], samples: int, seed: int) -> HeldoutSet:
    """The embedded default: labelled samples rendered by signport.data.synth for the bundle's
    classes it knows (letters for image and landmark models, signs for clip models), from a signer
    stream of its own; unlabelled synthetic inputs (export's generator) when it knows none."""
    supported, render = SYNTH_RENDERERS[prep.input_kind]
    known = [i for i, label in enumerate(labels) if label in supported()]
    if not known:
        from signport.export.calibration import synthetic_inputs

        return HeldoutSet(synthetic_inputs(prep, samples, seed), None,
                          f"synthetic: {samples} unlabelled inputs of the model's shape (export's generator), seed {seed}; "
                          "signport.data.synth renders none of the bundle's classes, so accuracy is not measured")
    from signport.data.synth import signer_for_index

    rng = np.random.default_rng([seed, SYNTH_STREAM])
    targets = [known[k % len(known)] for k in range(samples)]
    inputs = [render(labels[t], signer_for_index(seed + SYNTH_STREAM, "default", k % SYNTH_SIGNERS), rng, prep)
              for k, t in enumerate(targets)]
    return HeldoutSet(
        np.ascontiguousarray(np.stack(inputs), np.float32), np.asarray(targets),
        f"synthetic: {samples} samples rendered by signport.data.synth over {len(known)} of the bundle's classes, "
        f"{SYNTH_SIGNERS} signers, seed {seed} (accuracy means something only for a model trained on synthetic data)",
    )


SYNTH_STREAM = 7919  # keeps the bench's signers apart from the ones `signport data synth` writes for training
SYNTH_SIGNERS = 8


def _synth_letters() -> set[str]:
    from signport.data.synth import HANDSHAPES

    return set(HANDSHAPES) | {"nothing"}


def _render_letter_image(label: str, signer, rng, prep: Preprocessing) -> np.ndarray:
    from signport.data.synth import render_letter

    image, _ = render_letter(label, signer, rng, size=int(prep.input_size[0]))
    return normalize_image(_resize(image, prep), prep)


def _render_letter_landmarks(label: str, signer, rng, prep: Preprocessing) -> np.ndarray:
    from signport.data.synth import letter_landmarks

    return letter_landmarks(label, signer, rng).reshape(-1)


def _synth_landmark_letters() -> set[str]:
    return _synth_letters() - {"nothing"}  # no hand, no landmarks


def _synth_glosses() -> set[str]:
    from signport.data.synth import CLIP_GLOSSES

    return set(CLIP_GLOSSES)


def _render_clip(label: str, signer, rng, prep: Preprocessing) -> np.ndarray:
    from signport.data.synth import render_clip

    frames, _, _ = render_clip(label, signer, rng, frames=int(prep.clip_length), size=int(prep.input_size[0]))
    return np.stack([normalize_image(_resize(f, prep), prep) for f in frames], axis=1)  # (3, T, H, W)


def _resize(rgb: np.ndarray, prep: Preprocessing) -> np.ndarray:
    import cv2

    h, w = prep.input_size
    return rgb if rgb.shape[:2] == (h, w) else cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)


# input kind -> (the labels signport.data.synth can render, render(label, signer, rng, prep) -> one model input)
SYNTH_RENDERERS = {
    "image": (_synth_letters, _render_letter_image),
    "landmarks": (_synth_landmark_letters, _render_letter_landmarks),
    "clip": (_synth_glosses, _render_clip),
}


def real_heldout(path: Path, prep: Preprocessing, labels: list[str], samples: int, seed: int) -> HeldoutSet:
    """Labelled samples from any dataset signport.data.loaders reads, balanced over the classes the
    bundle knows (a dataset's own test split when it has one)."""
    from signport.data.loaders import load_dataset

    dataset = load_dataset(path)
    check_input_kind(dataset, prep, f"--data {path}", "pass data of that kind or leave --data out for a synthetic set")
    split_note = ""
    if getattr(dataset, "splits", None) and "test" in dataset.splits:
        dataset, split_note = dataset.subset("test"), " (its test split)"
    targets = [labels.index(label) if label in labels else None for label in dataset.labels]
    known = [i for i, t in enumerate(targets) if t is not None]
    if not known:
        raise DataError(f"--data {path}: none of its classes ({', '.join(dataset.classes[:5])}, ...) are in the bundle's labels")
    chosen = [known[i] for i in balanced_choice([targets[k] for k in known], samples, seed)]
    inputs = model_inputs(dataset, chosen, prep)
    return HeldoutSet(
        np.ascontiguousarray(inputs, np.float32), np.asarray([targets[i] for i in chosen]),
        f"real: {len(chosen)} samples from {path}{split_note}, balanced over {len({targets[i] for i in chosen})} classes, "
        f"seed {seed} (the bench cannot tell which samples the model trained on: pass data it did not see)",
    )
