"""Where training data comes from: `--data PATH|synth` -> an index from signport.data.types.

Real datasets go through the loader registry (signport.data.loaders.load_dataset); 'synth'
renders the synthetic generator's output once into the cache folder (deterministic per seed)
and loads it the same way. Also: content fingerprints of a dataset, for checkpoints and caches.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from signport.core.errors import DataError
from signport.core.fingerprint import file_sha256
from signport.data.types import ArrayImageSet, ImageIndex, LandmarkSet, VideoIndex

DataIndex = ImageIndex | ArrayImageSet | LandmarkSet | VideoIndex

# The synthetic generator's layout: which output feeds which input kind.
SYNTH_OUTPUTS = {"image": "letters", "landmarks": "letters", "clip": "clips", "recordings": "user_recordings",
                 "landmark_recordings": "user_recordings"}
SYNTH_KINDS = {"letters": "letters", "clips": "clips", "user_recordings": "recordings"}
# Recordings long enough for the 20 s budget, a 1 s gap and 9 s of held-out frames per letter.
SYNTH_RECORDING_SECONDS = 30.0


def synth_root(cache_dir: Path, seed: int, output: str) -> Path:
    """CACHE/synth/seed-N/<output>, rendered on first use (the generator skips up-to-date outputs)."""
    try:
        from signport.data.synth import SynthConfig, write_kind
    except ImportError as e:
        raise DataError(f"--data synth needs the synthetic generator (signport.data.synth), which this install lacks ({e}); pass a dataset path") from e
    out = Path(cache_dir) / "synth" / f"seed-{seed}"
    write_kind(SYNTH_KINDS[output], SynthConfig(out=out, seed=seed, seconds_per_letter=SYNTH_RECORDING_SECONDS))
    return out / output


# Landmarks of many synthetic people without rendering images (signport.data.synth.letters).
SYNTH_LANDMARKS = "synth-landmarks"


# `PATH@s03` (or `PATH@s01+s02`) keeps only those signers of a dataset: one person's data for a
# personal head, or a leave-one-signer-out test set, without copying files.
SIGNER_SELECTOR = "@"


def source_name(data: str | Path) -> str:
    """How a dataset is called in reports and signer ids: 'synth', or its folder/file name without suffix."""
    text = str(data).split(SIGNER_SELECTOR)[0].rstrip("/\\")
    return text if text in ("synth", SYNTH_LANDMARKS) else Path(text).stem


def data_entries(data: str | Path) -> list[str]:
    """The datasets `--data` names: one path, or several separated by commas."""
    entries = [entry.strip() for entry in str(data).split(",") if entry.strip()]
    if not entries:
        raise DataError("--data is empty; pass a dataset path, several separated by commas, or 'synth'")
    return entries


def open_dataset(data: str | Path, input_kind: str, cache_dir: Path, seed: int = 0, on_missing: str = "skip") -> DataIndex:
    """Resolve `--data` for a model that takes `input_kind` ('image', 'clip', 'landmarks', or 'recordings';
    'landmark_recordings' is a new user's recordings for the landmark model: their per-frame landmarks).
    `on_missing` goes to the WLASL loader (unlisted videos / ids without video: skip or error).

    Several comma-separated datasets are merged into one index (signport.data.merge): label
    union, per-sample source names. A folder holding the synthetic generator's outputs (letters/,
    clips/, user_recordings/) is read by kind; for the landmark model, image folders with a
    landmarks.npz give their landmarks, and 'synth-landmarks' draws synthetic landmarks directly.
    """
    entries = data_entries(data)
    if len(entries) == 1:
        return _open_one(entries[0], input_kind, cache_dir, seed, on_missing)
    from signport.data.merge import merge_indexes

    return merge_indexes([(source_name(entry), _open_one(entry, input_kind, cache_dir, seed, on_missing)) for entry in entries])


def _open_one(data: str, input_kind: str, cache_dir: Path, seed: int, on_missing: str = "skip") -> DataIndex:
    if SIGNER_SELECTOR in data and not Path(data).exists():
        path, _, chosen = data.rpartition(SIGNER_SELECTOR)
        return select_signers(_open_one(path, input_kind, cache_dir, seed, on_missing), chosen.split("+"), data)
    return _open_path(data, input_kind, cache_dir, seed, on_missing)


def select_signers(index: DataIndex, signers: list[str], data: str) -> DataIndex:
    """Only the samples of `signers`; DataError naming the known ids when one is unknown."""
    known = getattr(index, "signers", None)
    if not known:
        raise DataError(f"{data}: this dataset has no signer ids, so '{SIGNER_SELECTOR}SIGNER' cannot select one")
    unknown = sorted(set(signers) - set(known))
    if unknown:
        raise DataError(f"{data}: no signer {', '.join(unknown)}; the dataset has {', '.join(sorted(set(known)))}")
    return index.subset(np.flatnonzero(np.isin(np.asarray(known), signers)))


def _open_path(data: str, input_kind: str, cache_dir: Path, seed: int, on_missing: str = "skip") -> DataIndex:
    from signport.data.loaders import detect_dataset_kind, load_dataset

    if data == SYNTH_LANDMARKS:
        if input_kind != "landmarks":
            raise DataError(f"--data {SYNTH_LANDMARKS} holds landmarks only; use it with --model landmarks (or --data synth)")
        from signport.data.synth.letters import letter_landmark_set

        return letter_landmark_set(seed=seed)
    if str(data) == "synth":
        path = synth_root(cache_dir, seed, SYNTH_OUTPUTS[input_kind])
    else:
        path = Path(data)
        if path.is_dir() and (path / SYNTH_OUTPUTS[input_kind]).is_dir():
            path = path / SYNTH_OUTPUTS[input_kind]
    if input_kind == "landmark_recordings":
        return recording_landmarks(Path(path))
    index = load_dataset(path, on_missing=on_missing) if detect_dataset_kind(path) == "wlasl" else load_dataset(path)
    if input_kind == "landmarks" and isinstance(index, ImageIndex):
        landmark_file = Path(path) / "landmarks.npz"
        if index.landmarks is None or not landmark_file.is_file():
            raise DataError(f"{path} holds images without a landmarks.npz; the landmark model needs landmarks (extract them or pass a landmark file)")
        # Through the landmark loader, so images without a hand ("nothing") are dropped the same way.
        return load_dataset(landmark_file, kind="landmarks")
    return index


def with_hand_crops(index: ImageIndex, cache_dir: Path, hand_model: Path | None, margin: float, data: str = "data") -> tuple[ImageIndex, dict]:
    """The images in which MediaPipe finds a hand, each cropped as the live pipeline crops it, and a
    report of the ones without a hand per source and label (left out, never silently).

    Landmarks are cached by image content (signport.hands.crop_cache), so only new or changed
    images run the landmarker.
    """
    from signport.hands.crop_cache import crop_boxes, find_hands, image_sizes
    from signport.hands.model_file import resolve_hand_model

    if not isinstance(index, ImageIndex):
        raise DataError(f"--hand-crop needs image files; this data is {type(index).__name__}")
    hands = find_hands(index.paths, resolve_hand_model(hand_model), cache_dir)
    found = hands.found
    boxes = crop_boxes(hands.landmarks, image_sizes(index.paths), margin)
    missing: dict[str, dict[str, int]] = {}
    for i in np.flatnonzero(~found):
        source = index.sources[i] if index.sources else source_name(data)
        missing.setdefault(source, {}).setdefault(index.labels[i], 0)
        missing[source][index.labels[i]] += 1
    kept = index.subset(np.flatnonzero(found))
    kept.crop_boxes = boxes[found]
    report = {"images": len(index), "with_hand": int(found.sum()), "without_hand": int((~found).sum()),
              "detected_now": hands.computed, "without_hand_by_source_and_label": missing}
    return kept, report


def recording_landmarks(path: Path) -> DataIndex:
    """A recordings folder's per-frame landmarks (the synthetic generator writes them beside the
    videos: landmarks (clips, frames, 21, 3)) as one landmark set, frames in recording order;
    any other layout --data accepts for the landmark model is read as it is."""
    from signport.data.loaders import load_dataset

    landmark_file = path / "landmarks.npz" if path.is_dir() else path
    if path.is_dir() and landmark_file.is_file():
        with np.load(landmark_file, allow_pickle=False) as npz:
            if "paths" in npz.files and npz["landmarks"].ndim == 4:
                clips, landmarks = [str(p) for p in npz["paths"]], npz["landmarks"].astype(np.float32)
                labels = np.array([Path(clip).parts[0] for clip in clips for _ in range(landmarks.shape[1])])
                frames = landmarks.reshape(-1, *landmarks.shape[2:])
                # Frames without a hand give the landmark model nothing to see ('nothing' is all of them).
                has_hand = ~np.isnan(frames).any(axis=(1, 2))
                kept = [str(label) for label in labels[has_hand]]
                return LandmarkSet(frames[has_hand], kept, sorted(set(kept)))
    if path.is_dir() and not landmark_file.is_file():
        raise DataError(f"{path} holds recordings without a landmarks.npz; the landmark model needs landmarks "
                        "(pass a landmark .npz/.csv, or a folder with one)")
    return load_dataset(landmark_file if path.is_dir() else path, kind="landmarks")


def data_fingerprint(index: DataIndex) -> str:
    """sha256 over labels and content: the same data gives the same fingerprint wherever it lives."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"type": type(index).__name__, "classes": list(index.classes), "labels": list(index.labels)}).encode())
    if isinstance(index, (ImageIndex, VideoIndex)):
        for path in index.paths:
            digest.update(file_sha256(path).encode())
    elif isinstance(index, LandmarkSet):
        digest.update(np.ascontiguousarray(index.landmarks, dtype=np.float32).tobytes())
    else:
        digest.update(np.ascontiguousarray(index.images).tobytes())
    return "sha256:" + digest.hexdigest()
